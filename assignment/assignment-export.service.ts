import { writeFile } from 'node:fs/promises';
import type { Db } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import { assignmentsCsv } from './assignment-export.ts';
import { exportAssignments } from './assignment.service.ts';

export interface AssignmentsExport {
  study: string;
  district: string | null;
  rows: number;
  /** the CSV text (assignment-export.ts), or null once written to `out` */
  text: string | null;
  out: string | null;
}

/**
 * The locked assignment of a study (or of one of its districts) as CSV: written to `out` when given,
 * else returned as text.
 */
export async function exportAssignmentsCsv(
  db: Db,
  request: { study: string; district: string | null; out: string | null },
): Promise<AssignmentsExport> {
  const rows = await exportAssignments(db, request.study, request.district);
  const text = assignmentsCsv(rows);
  const result = { study: request.study, district: request.district, rows: rows.length };
  if (request.out === null) return { ...result, text, out: null };
  try {
    await writeFile(request.out, text, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new AppError('BAD_INPUT', `\`out\`: cannot write ${request.out} (${code})`);
  }
  return { ...result, text: null, out: request.out };
}
