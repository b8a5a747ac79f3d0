/**
 * The assignment export (`pilot assignments export`, the partner download later): one row per
 * student, `unit_key,student_id,district_leaid,block_key,arm,wave`, wave being when the student
 * joined. Pure; written with Pilot's one CSV writer.
 */
import { csvText } from '../csv/csv-writer.ts';
import type { ExportRow } from './assignment.store.ts';

export const EXPORT_COLUMNS = [
  'unit_key',
  'student_id',
  'district_leaid',
  'block_key',
  'arm',
  'wave',
] as const satisfies readonly (keyof ExportRow)[];

/** The export as CSV text, header first, each line ending in `\n`. */
export function assignmentsCsv(rows: readonly ExportRow[]): string {
  return csvText(
    EXPORT_COLUMNS,
    rows.map((r) => EXPORT_COLUMNS.map((c) => r[c])),
  );
}
