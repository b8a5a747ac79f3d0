import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import type { Transaction } from 'kysely';
import type { Db, Session } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { requireDistrict } from '../cohorts/study.service.ts';
import { csvField, MESSAGE_COLUMNS, TASK_COLUMNS } from './export-csv.ts';
import { alertBatchesBetween, markExported, messageRows, taskRows } from './export.store.ts';
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
  /** The CSV when no file was asked for ('' when it went to `path`: a large export is streamed). */
  text: string;
}

/**
 * Where an export's CSV goes: a file written next to its place and renamed into it when complete
 * (streamed, so memory stays flat), or text returned to the caller.
 */
interface CsvSink {
  write(text: string): Promise<void>;
  /** Completes the file (renames it into place) and returns the text when no file was asked for. */
  finish(): Promise<string>;
  abandon(): Promise<void>;
}

function csvSink(path: string | undefined): CsvSink {
  if (path === undefined) {
    const parts: string[] = [];
    return {
      write: async (text) => void parts.push(text),
      finish: async () => parts.join(''),
      abandon: async () => {},
    };
  }
  const tmp = `${path}.${process.pid}.tmp`;
  const stream = createWriteStream(tmp);
  let failure: Error | null = null;
  stream.on('error', (e) => (failure ??= e));
  const cannot = (e: Error) => new AppError('BAD_INPUT', `cannot write ${path}: ${e.message}`);
  return {
    async write(text) {
      if (failure) throw cannot(failure);
      if (!stream.write(text)) await once(stream, 'drain');
    },
    async finish() {
      await new Promise<void>((resolve, reject) =>
        stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      if (failure) throw cannot(failure);
      try {
        await rename(tmp, path);
      } catch (e) {
        throw cannot(e as Error);
      }
      return '';
    },
    async abandon() {
      stream.destroy();
      await rm(tmp, { force: true });
    },
  };
}

/**
 * Writes a CSV (header, then the rows the cursor gives) to `out` or to text, inside one transaction
 * on one connection; `after` runs in the same transaction once every row is written.
 */
async function exportCsv<T>(
  db: Db,
  columns: readonly string[],
  rows: (session: Session) => AsyncIterable<(string | number)[][]>,
  out: string | undefined,
  after: (trx: Transaction<Database>, rows: number) => Promise<T>,
): Promise<{ rows: number; text: string; result: T }> {
  const sink = csvSink(out);
  try {
    return await db.withSession((session) =>
      session.db.transaction().execute(async (trx) => {
        await sink.write(`${columns.join(',')}\n`);
        let n = 0;
        for await (const batch of rows(session)) {
          let text = '';
          for (const r of batch) text += `${r.map(csvField).join(',')}\n`;
          n += batch.length;
          await sink.write(text);
        }
        const result = await after(trx, n);
        return { rows: n, text: await sink.finish(), result };
      }),
    );
  } catch (e) {
    await sink.abandon();
    throw e;
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
  const r = await exportCsv(
    db,
    MESSAGE_COLUMNS,
    (session) => messageRows(session, batchIds),
    out,
    async (trx, rows) => {
      const n = await markExported(trx, batchIds);
      await appendAuditEvent(trx, {
        actor,
        action: `${kind}.export`,
        entity: `study:${study}/district:${leaid}/${period}`,
        details: { batches: batchIds, rows, newly_exported: n, file: out ?? null },
      });
      return n;
    },
  );
  return { kind, leaid, rows: r.rows, newlyExported: r.result, path: out ?? null, text: r.text };
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
  const r = await exportCsv(
    db,
    TASK_COLUMNS,
    (session) => taskRows(session, batches),
    input.out,
    async () => 0,
  );
  return {
    kind: 'tasks',
    leaid: input.district,
    rows: r.rows,
    newlyExported: 0,
    path: input.out ?? null,
    text: r.text,
  };
}
