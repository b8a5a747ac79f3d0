import { FORMATS, optionalColumns } from '../import-formats.ts';
import { parseIsoDate } from '../normalize/values.ts';
import type { DistrictReference } from '../district-reference.ts';
import { lookupSchool, lookupStudent } from './lookups.ts';
import { BAD, cell, take, takeOptional, type RowReader } from './row-reader.ts';

/** `enrollment.csv`: student_id,school_id,entry_date,exit_date (exit blank while enrolled; inclusive). */
export function enrollmentRows(ref: DistrictReference): RowReader {
  return {
    kind: 'enrollment',
    required: FORMATS.enrollment.required,
    optional: optionalColumns(FORMATS.enrollment),
    stageColumns: [
      ['student_id', 'integer'],
      ['school_id', 'integer'],
      ['entry_date', 'date'],
      ['exit_date', 'date'],
    ],
    read(rec, h, sink) {
      const found = lookupStudent(ref, rec, h, sink);
      const studentId = found === BAD ? BAD : found.student.id;
      const schoolId = lookupSchool(ref, rec, h, sink);
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
