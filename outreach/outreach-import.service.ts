import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Transaction } from 'kysely';
import { refreshPlannerStatistics } from '../db/planner-statistics.store.ts';
import type { Db, Session } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
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

type Stored = Pick<OutreachImportSummary, 'inserted' | 'replaced' | 'messagesUpdated' | 'caregiversOptedOut'>;

/** What differs between the two outreach imports; the rest (hash, lock, refusal, audit) is shared. */
interface OutreachKind<T, C> {
  kind: 'receipts' | 'visits';
  columns: { required: readonly string[]; optional: readonly string[] };
  /** What reading a row needs from the database (the district's messages or students). */
  context(trx: Transaction<Database>, district: { id: number; leaid: string }): Promise<C>;
  read(rec: CsvRecord, h: BoundHeader, sink: ProblemSink, context: C): T | null;
  /** Problems across rows (reported to the sink), after every row was read. */
  check?(rows: readonly T[], sink: ProblemSink): void;
  /** Stores the rows in the import's transaction `trx`, which runs on `session` (COPY needs it). */
  store(
    session: Session,
    trx: Transaction<Database>,
    importId: number,
    rows: T[],
    districtId: number,
  ): Promise<Stored & { audit: Record<string, unknown> }>;
}

/**
 * One outreach import: one transaction keyed by the file's SHA-256 (the same file twice changes
 * nothing); any bad row refuses the file with file:line:column and changes nothing.
 */
async function importOutreachFile<T, C>(
  db: Db,
  req: OutreachImportRequest,
  actor: string,
  k: OutreachKind<T, C>,
): Promise<OutreachImportSummary> {
  const { study, district } = await requireDistrict(db, req.study, req.leaid);
  const file = basename(req.path);
  const sha256 = await fileSha(req.path);
  const none: Stored = { inserted: 0, replaced: 0, messagesUpdated: 0, caregiversOptedOut: 0 };
  const summary: OutreachImportSummary = await db.withSession((session) =>
    session.db.transaction().execute(async (trx): Promise<OutreachImportSummary> => {
      await lockDistrictImports(trx, district.id);
      const done = await findImport(trx, district.id, k.kind, sha256);
      if (done)
        return {
          kind: k.kind,
          file,
          sha256,
          ...none,
          status: 'already_imported',
          importId: done.id,
          rowsRead: 0,
          warnings: [],
        };
      const sink = new ProblemSink(file);
      const context = await k.context(trx, district);
      const rows = await readRows(req, sink, k.columns, (rec, h) => k.read(rec, h, sink, context));
      k.check?.(rows, sink);
      if (sink.failed) refuse(sink, file);
      const importId = await insertImport(trx, {
        districtId: district.id,
        kind: k.kind,
        sha256,
        fileName: file,
        rowsRead: rows.length,
        warnings: sink.warnings,
      });
      const { audit, ...stored } = await k.store(session, trx, importId, rows, district.id);
      await setImportCounts(trx, importId, {
        rowsRead: rows.length,
        inserted: stored.inserted,
        replaced: stored.replaced,
        unchanged: 0,
      });
      await appendAuditEvent(trx, {
        actor,
        action: `import.${k.kind}`,
        entity: `study:${study.slug}/district:${district.leaid}`,
        details: { file, sha256, rows: rows.length, ...audit },
      });
      return {
        kind: k.kind,
        file,
        sha256,
        ...stored,
        status: 'imported',
        importId,
        rowsRead: rows.length,
        warnings: sink.warnings,
      };
    }),
  );
  await refreshPlannerStatistics(
    db.kysely,
    k.kind === 'receipts' ? ['message', 'message_receipt', 'caregiver'] : ['visit'],
    { onlyNeverAnalyzed: true },
  );
  return summary;
}

const RECEIPTS: OutreachKind<
  ReceiptRow,
  { ids: Awaited<ReturnType<typeof loadDistrictMessageIds>>; leaid: string }
> = {
  kind: 'receipts',
  columns: RECEIPT_COLUMNS,
  context: async (trx, district) => ({
    ids: await loadDistrictMessageIds(trx, district.id),
    leaid: district.leaid,
  }),
  read: (rec, h, sink, c) => readReceipt(rec, h, sink, c.ids, c.leaid),
  async store(session, trx, importId, rows, districtId) {
    const messagesUpdated = await storeReceipts(session, trx, importId, rows);
    const caregiversOptedOut = await optOutFromReceipts(trx, districtId, importId);
    return {
      inserted: rows.length,
      replaced: 0,
      messagesUpdated,
      caregiversOptedOut,
      audit: { messages_updated: messagesUpdated, caregivers_opted_out: caregiversOptedOut },
    };
  },
};

/**
 * `pilot import receipts`: message_id,status,status_at[,provider_ref] from the message center. Each
 * message takes its latest receipt's status; an opted_out receipt or a STOP-style reply opts out that
 * phone number (every caregiver of the district with it) or, for email and inbox messages, that
 * caregiver.
 */
export function importReceipts(
  db: Db,
  req: OutreachImportRequest,
  actor: string,
): Promise<OutreachImportSummary> {
  return importOutreachFile(db, req, actor, RECEIPTS);
}

const VISITS: OutreachKind<VisitRow, Awaited<ReturnType<typeof loadStudentKeys>>> = {
  kind: 'visits',
  columns: VISIT_COLUMNS,
  context: (trx, district) => loadStudentKeys(trx, district.id),
  read: (rec, h, sink, students) => readVisit(rec, h, sink, students),
  check(rows, sink) {
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
  },
  async store(_session, trx, importId, rows) {
    const counts = await storeVisits(trx, importId, rows);
    return { ...counts, messagesUpdated: 0, caregiversOptedOut: 0, audit: counts };
  },
};

/**
 * `pilot import visits`: student_id,visit_date,modality,personnel[,barriers] (barriers `;`-separated
 * from the published vocabulary); a visit of the same student and date replaces the stored one (kept
 * in row_revision).
 */
export function importVisits(
  db: Db,
  req: OutreachImportRequest,
  actor: string,
): Promise<OutreachImportSummary> {
  return importOutreachFile(db, req, actor, VISITS);
}

async function fileSha(path: string): Promise<string> {
  try {
    return await sha256File(path);
  } catch (e) {
    throw new AppError('BAD_INPUT', `cannot read ${path}: ${(e as Error).message}`);
  }
}
