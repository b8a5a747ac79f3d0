import { FORMATS, optionalColumns } from '../import-formats.ts';
import { parseAttendanceCategory, parseSuspension } from '../normalize/attendance-codes.ts';
import { parseFraction, parseIsoDate, isIsoDate, fractionOrNaN } from '../normalize/values.ts';
import { unknownStudentReason, windowOn, type DistrictReference } from '../district-reference.ts';
import { BAD, cell, take, type RowReader } from './row-reader.ts';

/** Absent fraction implied by a category when the file leaves it blank. */
export const DEFAULT_FRACTION: Record<string, number | null> = {
  present: 0,
  tardy: 0,
  excused: 1,
  unexcused: 1,
  early_departure: null,
  partial: null,
};

export const EXCEPTIONS_PRESENT = 'an exceptions file lists a present day';

/**
 * Daily attendance: student_id,date,category,absent_fraction,suspension,sis_code. Each row must fall
 * on an instructional day of the student's school calendar inside one of the student's enrollment
 * windows. With `exceptions`, the file lists only absences (present days are implied by the calendar).
 * This runs on every row of an 18-million-row file: the common case takes the allocation-free checks.
 */
export function attendanceDailyRows(ref: DistrictReference, opts: { exceptions: boolean }): RowReader {
  return {
    kind: 'attendance_daily',
    required: FORMATS.attendanceDaily.required,
    optional: optionalColumns(FORMATS.attendanceDaily),
    stageColumns: [
      ['student_id', 'integer'],
      ['date', 'date'],
      ['category', 'text'],
      ['absent_fraction', 'real'],
      ['suspension', 'text'],
      ['sis_code', 'text'],
    ],
    read(rec, h, sink) {
      const sis = cell(rec, h, 'student_id');
      const student = ref.students.get(sis) ?? ref.students.get(sis.trim());
      if (!student) {
        sink.problem(
          rec.line,
          'student_id',
          sis.trim() === '' ? 'student_id is empty' : unknownStudentReason(sis.trim(), ref.students),
        );
        return null;
      }
      const dateRaw = cell(rec, h, 'date');
      const date = isIsoDate(dateRaw) ? dateRaw : take(parseIsoDate(dateRaw), rec, 'date', sink);
      const category = take(parseAttendanceCategory(cell(rec, h, 'category')), rec, 'category', sink);
      const suspension = take(parseSuspension(cell(rec, h, 'suspension')), rec, 'suspension', sink);
      if (date === BAD || category === BAD || suspension === BAD) return null;
      const fractionRaw = cell(rec, h, 'absent_fraction');
      let fraction: number;
      if (fractionRaw === '') {
        const implied = DEFAULT_FRACTION[category];
        if (implied === null) {
          sink.problem(
            rec.line,
            'absent_fraction',
            `category ${category} needs absent_fraction (the share of the day missed)`,
          );
          return null;
        }
        fraction = implied;
      } else {
        fraction = fractionOrNaN(fractionRaw);
        if (fraction !== fraction) {
          take(parseFraction(fractionRaw), rec, 'absent_fraction', sink);
          return null;
        }
      }
      if (category === 'present' && fraction > 0) {
        sink.problem(rec.line, 'absent_fraction', `a present day cannot have absent_fraction ${fraction}`);
        return null;
      }
      if ((category === 'excused' || category === 'unexcused') && fraction === 0 && suspension === null) {
        sink.problem(rec.line, 'absent_fraction', `an ${category} absence cannot have absent_fraction 0`);
        return null;
      }
      if (opts.exceptions && category === 'present') sink.warn(EXCEPTIONS_PRESENT, rec.line);
      const windows = ref.enrollments.get(student.id);
      let schoolId = student.schoolId;
      if (windows && windows.length > 0) {
        const w = windowOn(windows, date);
        if (!w) {
          sink.problem(
            rec.line,
            'date',
            `${date} is outside student ${sis.trim()}'s enrollment (${windows.map((x) => `${x.entry}..${x.exit ?? 'open'}`).join(', ')})`,
          );
          return null;
        }
        schoolId = w.schoolId;
      } else
        sink.warn(
          'attendance for students with no enrollment windows: enrollment not checked (import enrollment.csv first)',
          rec.line,
        );
      const calendar = ref.calendars.get(schoolId);
      if (calendar) {
        const day = calendar.get(date);
        if (!day || !day.instructional) {
          sink.problem(
            rec.line,
            'date',
            `${date} is not an instructional day in the school calendar${day ? '' : ' (no calendar entry)'}`,
          );
          return null;
        }
      } else
        sink.warn(
          'attendance at schools with no calendar: instructional days not checked (import calendar.csv first)',
          rec.line,
        );
      const code = cell(rec, h, 'sis_code');
      return [student.id, date, category, fraction, suspension, code === '' ? null : code];
    },
  };
}
