import type { CsvRecord } from '../../../csv/csv-reader.ts';
import { unknownStudentReason, type DistrictReference, type StudentRef } from '../district-reference.ts';
import type { BoundHeader, ProblemSink } from '../import-problems.ts';
import { normalizeLocalId } from '../normalize/identifiers.ts';
import { BAD, cell, take } from './row-reader.ts';

/** The district's school named in column (reporting an unknown one), as its database id. */
export function lookupSchool(
  ref: DistrictReference,
  rec: CsvRecord,
  h: BoundHeader,
  sink: ProblemSink,
  column = 'school_id',
): number | typeof BAD {
  const key = take(normalizeLocalId(cell(rec, h, column), column), rec, column, sink);
  if (key === BAD) return BAD;
  const id = ref.schools.get(key);
  if (id === undefined) {
    sink.problem(
      rec.line,
      column,
      `school ${key} is not one of this district's schools (import schools.csv or the roster first)`,
    );
    return BAD;
  }
  return id;
}

/** The roster student named in student_id (reporting an unknown one, or one whose zeros were stripped). */
export function lookupStudent(
  ref: DistrictReference,
  rec: CsvRecord,
  h: BoundHeader,
  sink: ProblemSink,
): { sisId: string; student: StudentRef } | typeof BAD {
  const sis = take(normalizeLocalId(cell(rec, h, 'student_id'), 'student_id'), rec, 'student_id', sink);
  if (sis === BAD) return BAD;
  const student = ref.students.get(sis);
  if (!student) {
    sink.problem(rec.line, 'student_id', unknownStudentReason(sis, ref.students));
    return BAD;
  }
  return { sisId: sis, student };
}
