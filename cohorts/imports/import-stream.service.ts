import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Transaction } from 'kysely';
import type { Session } from '../../db/connection.ts';
import type { Database } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { readCsv } from '../../csv/csv-reader.ts';
import type { DistrictReference } from './district-reference.ts';
import { bindHeader, copyField, ProblemSink, refuse } from './import-problems.ts';
import { readerFor } from './import-readers.ts';
import type { Counts, ImportRequest, ProgressFn } from './import-request.ts';
import type { ImportKind, RowReader, StagedValue } from './import-rows/row-reader.ts';
import {
  attachAttendancePartition,
  ensureAttendancePartition,
  hasAttendancePartition,
  newAttendancePartition,
  releaseSavepoint,
  rollbackToSavepoint,
  savepoint,
} from './import.store.ts';
import { attendanceBulkColumns, attendanceDailyTuples, NotBulkable } from './attendance-byte-reader.ts';
import type { AttendanceMonthCounts } from './attendance-month-counts.ts';
import { copyBinaryTuples, copyCsvText, isDuplicateKey } from './import-copy.store.ts';
import { createLineDecoder, decodeStream } from './text-decoding.ts';

/** Reading an import file: its hash, its kind, and its rows streamed into a table. */

type Trx = Transaction<Database>;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function firstBytes(path: string, n: number): Promise<Buffer> {
  for await (const chunk of createReadStream(path, { start: 0, end: n - 1 })) return chunk as Buffer;
  return Buffer.alloc(0);
}

/**
 * The header of a CSV file (its first non-blank line), decoded by the same rules as the rows, so a
 * UTF-16 or undecodable header is refused for its encoding; null when the file holds no header.
 */
async function headerLine(path: string, encoding: ImportRequest['encoding']): Promise<string[] | null> {
  const file = basename(path);
  const head = await firstBytes(path, 4096);
  const decoder = createLineDecoder(file, { encoding });
  const results = head.length < 4096 ? [decoder.push(head), decoder.end()] : [decoder.push(head)];
  let text = '';
  for (const r of results) {
    if (!r.ok) {
      if (text.trim() !== '') break; // the header itself decoded; the row stream reports the bad byte
      throw new AppError('BAD_INPUT', `${file}: ${r.problem.reason}`, { problems: [r.problem] });
    }
    text += r.text;
  }
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  return line === undefined ? null : line.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
}

/** Which stored kind a request is, looking at the file where the request leaves it open. */
export async function resolveKind(req: ImportRequest): Promise<ImportKind | 'oneroster'> {
  if (req.kind === 'roster') {
    const magic = await firstBytes(req.path, 4);
    return ZIP_MAGIC.every((b, i) => magic[i] === b) ? 'oneroster' : 'roster';
  }
  if (req.kind === 'attendance') {
    const file = basename(req.path);
    const header = await headerLine(req.path, req.encoding);
    if (header === null) {
      throw new AppError('BAD_INPUT', `${file}: the file is empty; nothing was imported`, {
        problems: [
          { file, line: 1, column: null, reason: 'the file is empty; it needs a header row and data rows' },
        ],
      });
    }
    if (header.includes('month')) return 'attendance_monthly';
    if (header.includes('date')) return 'attendance_daily';
    throw new AppError(
      'BAD_INPUT',
      `cannot tell ${file} apart: an attendance file has a date column (daily) or a month column (monthly)`,
      {
        problems: [{ file, line: 1, column: null, reason: 'header has neither date nor month' }],
      },
    );
  }
  return req.kind;
}

/** Kinds whose new rows may be copied straight into their table (no staging) when nothing conflicts. */
export const DIRECT_TABLE: Partial<Record<ImportKind, string>> = {
  attendance_daily: 'attendance_day',
  attendance_monthly: 'attendance_month',
};

/**
 * The common case of a large attendance file, fast: every row is new (a first load, or the next month).
 * Daily files go by the byte path first (importAttendanceBulk); other files, and daily files the byte
 * path leaves alone, are validated row by row as they stream and copied straight into the table, inside
 * a savepoint. If any row collides with a stored row or another row of the file, the primary key stops
 * the copy, the savepoint is rolled back, and the caller takes the staged path, which locates
 * duplicates by line and records replaced rows. Returns null in that case.
 */
export async function importDirect(
  session: Session,
  trx: Trx,
  table: string,
  kind: ImportKind,
  ref: DistrictReference,
  req: ImportRequest,
  ids: { importId: number; districtId: number },
  progress?: ProgressFn,
): Promise<DirectResult | null> {
  const { importId, districtId } = ids;
  if (kind === 'attendance_daily') {
    const bulk = await importAttendanceBulk(session, trx, ref, req, ids, progress);
    if (bulk !== NOT_BULKABLE) return bulk;
    await ensureAttendancePartition(trx, districtId, importId);
  }
  const sink = new ProblemSink(basename(req.path));
  await savepoint(trx, 'direct_copy');
  try {
    const rowsRead = await copyCsvRows(
      session,
      {
        table,
        direct: true,
        fixed:
          kind === 'attendance_daily'
            ? { import_id: importId, district_id: districtId }
            : { import_id: importId },
      },
      readerFor(kind, ref, req),
      req,
      sink,
      progress,
    );
    if (sink.failed) refuse(sink, sink.file);
    await releaseSavepoint(trx, 'direct_copy');
    return { rowsRead, counts: { inserted: rowsRead, replaced: 0 }, sink, route: 'direct' };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await rollbackToSavepoint(trx, 'direct_copy');
    return null;
  }
}

type DirectResult = { rowsRead: number; counts: Counts; sink: ProblemSink; route: 'bulk' | 'direct' };

const NOT_BULKABLE = Symbol('not bulkable');

const DAY_MONTH_COLUMNS = [
  'district_id',
  'student_id',
  'month',
  'records',
  'absence',
  'chronic',
  'last_date',
];

/**
 * Daily attendance by the byte path (attendance-byte-reader.ts) as binary COPY. A district's first file
 * fills a new partition that is indexed and attached after the copy (migration 004), and its month sums
 * (counted while reading) are copied into attendance_day_month; later files are copied through
 * attendance_day, whose triggers keep those sums (migration 015). Null when a row's key is already stored or repeated in the file (the
 * staged path takes over); NOT_BULKABLE when the byte path leaves the file to the general reader.
 * Either way the savepoint is rolled back first, so nothing of the attempt remains.
 */
async function importAttendanceBulk(
  session: Session,
  trx: Trx,
  ref: DistrictReference,
  req: ImportRequest,
  ids: { importId: number; districtId: number },
  progress?: ProgressFn,
): Promise<DirectResult | null | typeof NOT_BULKABLE> {
  if (req.encoding === 'windows-1252') return NOT_BULKABLE;
  const sink = new ProblemSink(basename(req.path));
  const counter: { rows: number; months?: AttendanceMonthCounts } = { rows: 0 };
  await savepoint(trx, 'bulk_copy');
  try {
    const fresh = !(await hasAttendancePartition(trx, ids.districtId));
    const table = fresh ? await newAttendancePartition(trx, ids.districtId, ids.importId) : 'attendance_day';
    const tuples = attendanceDailyTuples(
      await fileBytes(req.path, progress),
      ref,
      { ...ids, withKeys: !fresh, exceptions: req.exceptions ?? false, countMonths: fresh },
      sink,
      counter,
    );
    await copyBinaryTuples(session, table, attendanceBulkColumns(!fresh), tuples);
    if (fresh) {
      await attachAttendancePartition(trx, ids.districtId);
      // the partition's rows reached no trigger of migration 015: their month sums, counted as read
      if (counter.months)
        await copyCsvText(
          session,
          'attendance_day_month',
          DAY_MONTH_COLUMNS,
          counter.months.csvLines(ids.districtId),
        );
    }
    await releaseSavepoint(trx, 'bulk_copy');
    return { rowsRead: counter.rows, counts: { inserted: counter.rows, replaced: 0 }, sink, route: 'bulk' };
  } catch (error) {
    if (error instanceof NotBulkable) {
      await rollbackToSavepoint(trx, 'bulk_copy');
      return NOT_BULKABLE;
    }
    if (!isDuplicateKey(error)) throw error;
    await rollbackToSavepoint(trx, 'bulk_copy');
    return null;
  }
}

/**
 * Where validated rows are copied: a staging table (each row keeps its line number), or straight into
 * the final table with fixed trailing columns (the import's id, …) when no row can conflict (see
 * importDirect).
 */
type CopyTarget =
  { table: string; direct: false } | { table: string; direct: true; fixed: Record<string, number> };

/** A file's bytes in 1 MB chunks, reporting bytes read so far to progress. */
async function fileBytes(path: string, progress?: ProgressFn): Promise<AsyncGenerator<Uint8Array>> {
  const total = (await stat(path)).size;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let done = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      done += (chunk as Buffer).length;
      progress?.(done, total);
      yield chunk as Buffer;
    }
  }
  return chunks();
}

/** Streams the CSV through the reader into the target table; returns rows read. */
export async function copyCsvRows(
  session: Session,
  target: CopyTarget,
  reader: RowReader,
  req: ImportRequest,
  sink: ProblemSink,
  progress?: ProgressFn,
): Promise<number> {
  const bytes = await fileBytes(req.path, progress);
  let rows = 0;
  const fixedText = target.direct ? Object.values(target.fixed).join(',') : '';
  async function* lines(): AsyncGenerator<string> {
    const text = decodeStream(bytes, sink.file, { encoding: req.encoding }, (p) =>
      sink.problem(p.line, p.column, p.reason),
    );
    let header = null;
    for await (const batch of readCsv(text, (p) =>
      sink.problem(p.line, null, `malformed CSV: ${p.reason}`),
    )) {
      let out = '';
      for (const rec of batch) {
        if (header === null) {
          header = bindHeader(rec.fields, reader.required, reader.optional, sink);
          if (header === null) return;
          continue;
        }
        rows++;
        if (rec.fields.length !== header.width) {
          sink.problem(
            rec.line,
            null,
            `line has ${rec.fields.length} fields but the header has ${header.width}`,
          );
          continue;
        }
        const values = reader.read(rec, header, sink);
        if (values === null || sink.failed) continue;
        out += target.direct
          ? `${values.map(copyField).join(',')},${fixedText}\n`
          : `${rec.line},${values.map(copyField).join(',')}\n`;
      }
      if (out) yield out;
    }
    if (header === null && sink.problemCount === 0)
      sink.problem(1, null, 'the file is empty; it needs a header row and data rows');
    else if (header !== null && rows === 0 && sink.problemCount === 0)
      sink.problem(2, null, 'the file has a header row but no data rows');
  }
  const columns = reader.stageColumns.map(([n]) => n);
  await copyCsvText(
    session,
    target.table,
    target.direct ? [...columns, ...Object.keys(target.fixed)] : ['line', ...columns],
    lines(),
  );
  reader.finish?.(sink);
  return rows;
}

export async function stageRows(
  session: Session,
  stage: string,
  columns: readonly (readonly [string, string])[],
  rows: { line: number; values: StagedValue[] }[],
): Promise<void> {
  const text = rows.map((r) => `${r.line},${r.values.map(copyField).join(',')}\n`).join('');
  await copyCsvText(session, stage, ['line', ...columns.map(([n]) => n)], [text]);
}
