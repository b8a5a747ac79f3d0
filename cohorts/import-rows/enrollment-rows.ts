import { normalizeLocalId } from '../normalize/identifiers.ts';
import { parseIsoDate } from '../normalize/values.ts';
import { unknownStudentReason, type DistrictReference } from '../district-reference.ts';
import { BAD, cell, take, takeOptional, type RowReader } from './row-reader.ts';

/** `enrollment.csv`: student_id,school_id,entry_date,exit_date (exit blank while enrolled; inclusive). */
export function enrollmentRows(ref: DistrictReference): RowReader {
  return {
    kind: 'enrollment',
    required: ['student_id', 'school_id', 'entry_date'],
    optional: ['exit_date'],
    stageColumns: [['student_id', 'integer'], ['school_id', 'integer'], ['entry_date', 'date'], ['exit_date', 'date']],
    read(rec, h, sink) {
      const sis = take(normalizeLocalId(cell(rec, h, 'student_id'), 'student_id'), rec, 'student_id', sink);
      let studentId: number | typeof BAD = BAD;
      if (sis !== BAD) {
        const s = ref.students.get(sis);
        if (!s) sink.problem(rec.line, 'student_id', unknownStudentReason(sis, ref.students));
        else studentId = s.id;
      }
      const key = take(normalizeLocalId(cell(rec, h, 'school_id'), 'school_id'), rec, 'school_id', sink);
      let schoolId: number | typeof BAD = BAD;
      if (key !== BAD) {
        const id = ref.schools.get(key);
        if (id === undefined) sink.problem(rec.line, 'school_id', `school ${key} is not one of this district's schools`);
        else schoolId = id;
      }
      const entry = take(parseIsoDate(cell(rec, h, 'entry_date')), rec, 'entry_date', sink);
      const exit = takeOptional(parseIsoDate, rec, h, 'exit_date', sink);
      if (entry !== BAD && exit !== BAD && exit !== null && exit < entry) {
        sink.problem(rec.line, 'exit_date', `exit_date ${exit} is before entry_date ${entry}`);
        return null;
      }
      if ([studentId, schoolId, entry, exit].includes(BAD)) return null;
      return [studentId, schoolId, entry, exit] as (string | number | null)[];
    },
  };
}
