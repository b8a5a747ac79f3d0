import { FORMATS, optionalColumns } from '../import-formats.ts';
import { parseIsoMonth, parseNonNegativeNumber } from '../normalize/values.ts';
import type { DistrictReference } from '../district-reference.ts';
import { lookupStudent } from './lookups.ts';
import { BAD, cell, take, type RowReader } from './row-reader.ts';

/** Instructional days per school and month ('YYYY-MM'), counted from the calendars. */
function instructionalDaysByMonth(ref: DistrictReference): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const [schoolId, days] of ref.calendars) {
    const m = new Map<string, number>();
    for (const [date, d] of days)
      if (d.instructional) m.set(date.slice(0, 7), (m.get(date.slice(0, 7)) ?? 0) + 1);
    out.set(schoolId, m);
  }
  return out;
}

/** Monthly attendance: student_id,month,enrolled_days,absent_days (month as YYYY-MM). */
export function attendanceMonthlyRows(ref: DistrictReference): RowReader {
  let perMonth: Map<number, Map<string, number>> | null = null;
  return {
    kind: 'attendance_monthly',
    required: FORMATS.attendanceMonthly.required,
    optional: optionalColumns(FORMATS.attendanceMonthly),
    stageColumns: [
      ['student_id', 'integer'],
      ['month', 'date'],
      ['enrolled_days', 'real'],
      ['absent_days', 'real'],
    ],
    read(rec, h, sink) {
      const found = lookupStudent(ref, rec, h, sink);
      const student = found === BAD ? undefined : found.student;
      const month = take(parseIsoMonth(cell(rec, h, 'month')), rec, 'month', sink);
      const enrolled = take(
        parseNonNegativeNumber(cell(rec, h, 'enrolled_days')),
        rec,
        'enrolled_days',
        sink,
      );
      const absent = take(parseNonNegativeNumber(cell(rec, h, 'absent_days')), rec, 'absent_days', sink);
      if (!student || month === BAD || enrolled === BAD || absent === BAD) return null;
      if (absent > enrolled) {
        sink.problem(rec.line, 'absent_days', `absent_days ${absent} exceeds enrolled_days ${enrolled}`);
        return null;
      }
      if (enrolled > 31) {
        sink.problem(rec.line, 'enrolled_days', `enrolled_days ${enrolled} is more days than a month has`);
        return null;
      }
      perMonth ??= instructionalDaysByMonth(ref);
      const available = perMonth.get(student.schoolId)?.get(month);
      if (available !== undefined && enrolled > available) {
        sink.problem(
          rec.line,
          'enrolled_days',
          `enrolled_days ${enrolled} exceeds the ${available} instructional days of ${month} in the school calendar`,
        );
        return null;
      }
      return [student.id, `${month}-01`, enrolled, absent];
    },
  };
}
