import { rename, writeFile } from 'node:fs/promises';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { requireDistrict } from '../cohorts/study.service.ts';
import { csvText, MESSAGE_COLUMNS, TASK_COLUMNS } from './export-csv.ts';
import { alertBatchesBetween, loadMessageRows, loadTaskRows, markExported } from './export.store.ts';
import { findBatch } from './messages.store.ts';
import { isDate, isMonth, monthBounds } from './school-year.ts';

export interface ExportResult {
  kind: 'messages' | 'alerts' | 'tasks';
  leaid: string;
  rows: number;
  /** Messages that went from queued to exported with this file. */
  newlyExported: number;
  /** The file written, or null when the CSV is returned as text. */
  path: string | null;
  text: string;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    throw new AppError('BAD_INPUT', `cannot write ${path}: ${(e as Error).message}`);
  }
}

async function exportBatches(
  db: Db,
  kind: 'messages' | 'alerts',
  study: string,
  leaid: string,
  batchIds: number[],
  period: string,
  out: string | undefined,
  actor: string,
): Promise<ExportResult> {
  const { ids, rows } = await loadMessageRows(db.kysely, batchIds);
  const text = csvText(MESSAGE_COLUMNS, rows);
  if (out) await writeAtomically(out, text);
  const newlyExported = await db.kysely.transaction().execute(async (trx) => {
    const n = await markExported(trx, batchIds);
    await appendAuditEvent(trx, {
      actor,
      action: `${kind}.export`,
      entity: `study:${study}/district:${leaid}/${period}`,
      details: { batches: batchIds, rows: ids.length, newly_exported: n, file: out ?? null },
    });
    return n;
  });
  return { kind, leaid, rows: rows.length, newlyExported, path: out ?? null, text };
}

/**
 * `pilot messages export`: the month's monthly summaries of one district as the SIS message-center CSV
 * (never the arm); queued messages are marked exported. Exporting again gives the same rows.
 */
export async function exportMonth(
  db: Db,
  input: { study: string; district: string; month: string; out?: string },
  actor: string,
): Promise<ExportResult> {
  if (!isMonth(input.month)) throw new AppError('BAD_INPUT', `month "${input.month}" must be YYYY-MM`);
  const { district } = await requireDistrict(db, input.study, input.district);
  const batch = await findBatch(db.kysely, district.id, 'monthly_summary', monthBounds(input.month).end);
  if (!batch)
    throw new AppError(
      'NOT_FOUND',
      `no messages were generated for ${input.month} in district ${input.district} (pilot messages generate)`,
    );
  return exportBatches(
    db,
    'messages',
    input.study,
    input.district,
    [batch.id],
    input.month,
    input.out,
    actor,
  );
}

function alertRange(input: { through: string; from?: string }): { from: string; through: string } {
  if (!isDate(input.through)) throw new AppError('BAD_INPUT', `date "${input.through}" must be YYYY-MM-DD`);
  const from = input.from ?? input.through;
  if (!isDate(from) || from > input.through)
    throw new AppError('BAD_INPUT', `from date "${from}" must be YYYY-MM-DD, on or before ${input.through}`);
  return { from, through: input.through };
}

/** `pilot alerts export`: the alert messages of the runs generated through days in [from, through]. */
export async function exportAlerts(
  db: Db,
  input: { study: string; district: string; through: string; from?: string; out?: string },
  actor: string,
): Promise<ExportResult> {
  const range = alertRange(input);
  const { district } = await requireDistrict(db, input.study, input.district);
  const batches = await alertBatchesBetween(db.kysely, district.id, range.from, range.through);
  if (batches.length === 0)
    throw new AppError(
      'NOT_FOUND',
      `no alerts were generated through ${range.through} in district ${input.district}`,
    );
  return exportBatches(
    db,
    'alerts',
    input.study,
    input.district,
    batches,
    `through:${range.through}`,
    input.out,
    actor,
  );
}

/** `pilot tasks export`: the staff tasks of the alert runs generated through days in [from, through]. */
export async function exportTasks(
  db: Db,
  input: { study: string; district: string; through: string; from?: string; out?: string },
): Promise<ExportResult> {
  const range = alertRange(input);
  const { district } = await requireDistrict(db, input.study, input.district);
  const batches = await alertBatchesBetween(db.kysely, district.id, range.from, range.through);
  if (batches.length === 0)
    throw new AppError(
      'NOT_FOUND',
      `no alerts were generated through ${range.through} in district ${input.district}`,
    );
  const rows = await loadTaskRows(db.kysely, batches);
  const text = csvText(TASK_COLUMNS, rows);
  if (input.out) await writeAtomically(input.out, text);
  return {
    kind: 'tasks',
    leaid: input.district,
    rows: rows.length,
    newlyExported: 0,
    path: input.out ?? null,
    text,
  };
}
