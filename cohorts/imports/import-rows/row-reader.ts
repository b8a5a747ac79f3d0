import type { FieldResult } from '../normalize/field-result.ts';
import type { CsvRecord } from '../../../csv/csv-reader.ts';
import type { BoundHeader, ProblemSink } from '../import-problems.ts';

export type StagedValue = string | number | boolean | null;

/** The kinds of file `pilot import` reads (a OneRoster zip is a roster too). */
export type ImportKind =
  'schools' | 'roster' | 'contacts' | 'calendar' | 'enrollment' | 'attendance_daily' | 'attendance_monthly';

/**
 * Reads one kind of CSV: which columns it has, the staging table its rows are copied into, and the
 * per-row validation that turns a record into staged values (or problems). Pure: the reference data
 * it checks against is handed in when it is built.
 */
export interface RowReader {
  kind: ImportKind;
  required: readonly string[];
  optional: readonly string[];
  /** Staging columns after the leading `line integer`, as [name, SQL type]. */
  stageColumns: readonly (readonly [string, string])[];
  read(rec: CsvRecord, h: BoundHeader, sink: ProblemSink): StagedValue[] | null;
  /** File-level checks once every row was read. */
  finish?(sink: ProblemSink): void;
}

/** The text of a column in a record ('' for an absent optional column). */
export function cell(rec: CsvRecord, h: BoundHeader, column: string): string {
  const i = h.index[column];
  return i === undefined || i < 0 ? '' : (rec.fields[i] ?? '');
}

export const BAD: unique symbol = Symbol('bad');

/** Unwraps a normalizer's result, reporting its reason as a problem or its note as a warning. */
export function take<T>(
  r: FieldResult<T>,
  rec: CsvRecord,
  column: string,
  sink: ProblemSink,
): T | typeof BAD {
  if (!r.ok) {
    sink.problem(rec.line, column, r.reason);
    return BAD;
  }
  if (r.note) sink.warn(r.note, rec.line);
  return r.value;
}

/** Like take, for optional columns: blank means null. */
export function takeOptional<T>(
  parse: (raw: string) => FieldResult<T>,
  rec: CsvRecord,
  h: BoundHeader,
  column: string,
  sink: ProblemSink,
): T | null | typeof BAD {
  const raw = cell(rec, h, column);
  if (raw.trim() === '') return null;
  return take(parse(raw), rec, column, sink);
}
