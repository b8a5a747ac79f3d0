import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { readCsv, type CsvRecord } from '../csv/csv-reader.ts';
import { decodeStream } from '../cohorts/imports/text-decoding.ts';
import {
  bindHeader,
  ProblemSink,
  refuse,
  type BoundHeader,
  type ImportWarning,
} from '../cohorts/imports/import-problems.ts';
import {
  findImport,
  insertImport,
  lockDistrictImports,
  setImportCounts,
} from '../cohorts/imports/import.store.ts';
import { sha256File } from '../cohorts/imports/import-stream.service.ts';
import { requireDistrict } from '../cohorts/study.service.ts';
import {
  loadDistrictMessageIds,
  loadStudentKeys,
  optOutFromReceipts,
  storeReceipts,
  storeVisits,
} from './outreach-import.store.ts';
import { readReceipt, RECEIPT_COLUMNS, type ReceiptRow } from './receipt-rows.ts';
import { readVisit, VISIT_COLUMNS, type VisitRow } from './visit-rows.ts';

export interface OutreachImportRequest {
  study: string;
  leaid: string;
  path: string;
  encoding?: 'utf-8' | 'windows-1252';
}

export interface OutreachImportSummary {
  kind: 'receipts' | 'visits';
  file: string;
  sha256: string;
  status: 'imported' | 'already_imported';
  importId: number;
  rowsRead: number;
  inserted: number;
  replaced: number;
  /** Receipts: messages whose status changed. */
  messagesUpdated: number;
  /** Receipts: caregivers opted out by a STOP-style reply or an opted_out receipt. */
  caregiversOptedOut: number;
  warnings: ImportWarning[];
}

/** Reads a whole CSV file through the import readers' decoding and parsing rules. */
async function readRows<T>(
  req: OutreachImportRequest,
  sink: ProblemSink,
  columns: { required: readonly string[]; optional: readonly string[] },
  read: (rec: CsvRecord, h: BoundHeader) => T | null,
): Promise<T[]> {
  const bytes = createReadStream(req.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
  const text = decodeStream(bytes, sink.file, { encoding: req.encoding }, (p) =>
    sink.problem(p.line, p.column, p.reason),
  );
  const out: T[] = [];
  let header: BoundHeader | null = null;
  let rows = 0;
  for await (const batch of readCsv(text, (p) => sink.problem(p.line, null, `malformed CSV: ${p.reason}`))) {
    for (const rec of batch) {
      if (header === null) {
        header = bindHeader(rec.fields, columns.required, columns.optional, sink);
        if (header === null) return out;
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
      const row = read(rec, header);
      if (row !== null) out.push(row);
    }
  }
  if (header === null && sink.problemCount === 0)
    sink.problem(1, null, 'the file is empty; it needs a header row and data rows');
  else if (header !== null && rows === 0 && sink.problemCount === 0)
    sink.problem(2, null, 'the file has a header row but no data rows');
  return out;
}

function base(
  kind: 'receipts' | 'visits',
  file: string,
  sha256: string,
): Omit<OutreachImportSummary, 'status' | 'importId' | 'rowsRead' | 'warnings'> {
  return { kind, file, sha256, inserted: 0, replaced: 0, messagesUpdated: 0, caregiversOptedOut: 0 };
}

/**
 * `pilot import receipts`: message_id,status,status_at[,provider_ref] from the message center. One
 * transaction keyed by the file's SHA-256 (the same file twice changes nothing); any bad row refuses
 * the file with file:line:column and changes nothing. Each message takes its latest receipt's status;
 * an opted_out receipt or a STOP-style reply opts out that phone number (every caregiver of the
 * district with it) or, for email and inbox messages, that caregiver.
 */
export async function importReceipts(
  db: Db,
  req: OutreachImportRequest,
  actor: string,
): Promise<OutreachImportSummary> {
  const { study, district } = await requireDistrict(db, req.study, req.leaid);
  const file = basename(req.path);
  const sha256 = await fileSha(req.path);
  return db.kysely.transaction().execute(async (trx) => {
    await lockDistrictImports(trx, district.id);
    const done = await findImport(trx, district.id, 'receipts', sha256);
    if (done)
      return {
        ...base('receipts', file, sha256),
        status: 'already_imported',
        importId: done.id,
        rowsRead: 0,
        warnings: [],
      };
    const sink = new ProblemSink(file);
    const ids = await loadDistrictMessageIds(trx, district.id);
    const rows: ReceiptRow[] = await readRows(req, sink, RECEIPT_COLUMNS, (rec, h) =>
      readReceipt(rec, h, sink, ids, district.leaid),
    );
    if (sink.failed) refuse(sink, file);
    const importId = await insertImport(trx, {
      districtId: district.id,
      kind: 'receipts',
      sha256,
      fileName: file,
      rowsRead: rows.length,
      warnings: sink.warnings,
    });
    const messagesUpdated = await storeReceipts(trx, importId, rows);
    const caregiversOptedOut = await optOutFromReceipts(trx, district.id, importId);
    await setImportCounts(trx, importId, {
      rowsRead: rows.length,
      inserted: rows.length,
      replaced: 0,
      unchanged: 0,
    });
    await appendAuditEvent(trx, {
      actor,
      action: 'import.receipts',
      entity: `study:${study.slug}/district:${district.leaid}`,
      details: {
        file,
        sha256,
        rows: rows.length,
        messages_updated: messagesUpdated,
        caregivers_opted_out: caregiversOptedOut,
      },
    });
    return {
      ...base('receipts', file, sha256),
      status: 'imported',
      importId,
      rowsRead: rows.length,
      inserted: rows.length,
      messagesUpdated,
      caregiversOptedOut,
      warnings: sink.warnings,
    };
  });
}

/**
 * `pilot import visits`: student_id,visit_date,modality,personnel[,barriers] (barriers `;`-separated
 * from the published vocabulary). One transaction keyed by SHA-256; a bad row refuses the file; a
 * visit of the same student and date replaces the stored one (kept in row_revision).
 */
export async function importVisits(
  db: Db,
  req: OutreachImportRequest,
  actor: string,
): Promise<OutreachImportSummary> {
  const { study, district } = await requireDistrict(db, req.study, req.leaid);
  const file = basename(req.path);
  const sha256 = await fileSha(req.path);
  return db.kysely.transaction().execute(async (trx) => {
    await lockDistrictImports(trx, district.id);
    const done = await findImport(trx, district.id, 'visits', sha256);
    if (done)
      return {
        ...base('visits', file, sha256),
        status: 'already_imported',
        importId: done.id,
        rowsRead: 0,
        warnings: [],
      };
    const sink = new ProblemSink(file);
    const students = await loadStudentKeys(trx, district.id);
    const rows: VisitRow[] = await readRows(req, sink, VISIT_COLUMNS, (rec, h) =>
      readVisit(rec, h, sink, students),
    );
    const seen = new Map<string, number>();
    for (const r of rows) {
      const key = `${r.studentId}|${r.date}`;
      const first = seen.get(key);
      if (first !== undefined)
        sink.problem(
          r.line,
          'visit_date',
          `the same student and visit_date appear on lines ${first} and ${r.line}`,
        );
      else seen.set(key, r.line);
    }
    if (sink.failed) refuse(sink, file);
    const importId = await insertImport(trx, {
      districtId: district.id,
      kind: 'visits',
      sha256,
      fileName: file,
      rowsRead: rows.length,
      warnings: sink.warnings,
    });
    const counts = await storeVisits(trx, importId, rows);
    await setImportCounts(trx, importId, { rowsRead: rows.length, ...counts, unchanged: 0 });
    await appendAuditEvent(trx, {
      actor,
      action: 'import.visits',
      entity: `study:${study.slug}/district:${district.leaid}`,
      details: { file, sha256, rows: rows.length, ...counts },
    });
    return {
      ...base('visits', file, sha256),
      status: 'imported',
      importId,
      rowsRead: rows.length,
      ...counts,
      warnings: sink.warnings,
    };
  });
}

async function fileSha(path: string): Promise<string> {
  try {
    return await sha256File(path);
  } catch (e) {
    throw new AppError('BAD_INPUT', `cannot read ${path}: ${(e as Error).message}`);
  }
}
