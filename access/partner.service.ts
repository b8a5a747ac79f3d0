import type { ExportRow } from '../assignment/assignment.store.ts';
import type { Db } from '../db/connection.ts';
import { appendAuditEventGrouped } from './audit-batch.service.ts';
import { ContentCache, type CachedContent } from './content-cache.ts';
import { AppError } from '../errors.ts';
import { withDistrictScope } from './district-scope.store.ts';
import { loadMessageRows } from '../outreach/export.store.ts';
import { csvText, MESSAGE_COLUMNS } from '../outreach/export-csv.ts';
import {
  partnerAssignmentRows,
  partnerDownloadIndex,
  partnerLatestReportRefScoped,
  partnerMessageBatches,
  partnerReportById,
  partnerStudies,
  type PartnerBatch,
  type PartnerDownloadIndex,
  type PartnerStudy,
} from './partner.store.ts';

/**
 * The one answer for a study/district pair a caller may not see, whether or not it exists, so that a
 * partner learns nothing about other districts (it only echoes what the caller sent).
 */
export function notVisible(slug: string, leaid: string): AppError {
  return new AppError('NOT_FOUND', `no district ${leaid} in study ${slug}`);
}

/** The studies a district takes part in, read under the district's row-level security scope. */
export function studiesOfDistrict(db: Db, leaid: string): Promise<PartnerStudy[]> {
  return withDistrictScope(db, leaid, (trx) => partnerStudies(trx, leaid));
}

/** A district's assignment list, read under its scope; the download is audited. */
export async function districtAssignments(
  db: Db,
  slug: string,
  leaid: string,
  actor: string,
): Promise<ExportRow[]> {
  const rows = await withDistrictScope(db, leaid, (trx) => partnerAssignmentRows(trx, slug, leaid));
  if (rows === null) throw notVisible(slug, leaid);
  await recordDownload(db, actor, slug, leaid, 'assignments.csv', rows.length);
  return rows;
}

/** What a district can download in a study (one scoped query), or null when it is not in the study. */
export function districtDownloadIndex(
  db: Db,
  slug: string,
  leaid: string,
): Promise<PartnerDownloadIndex | null> {
  return withDistrictScope(db, leaid, (trx) => partnerDownloadIndex(trx, slug, leaid));
}

/** Stored reports are immutable (report_run rows cannot change): each process keeps recent ones. */
const REPORT_CACHE_BYTES = 64 * 1024 * 1024;
const reportCaches = new WeakMap<Db, ContentCache>();

function reportCache(db: Db): ContentCache {
  let cache = reportCaches.get(db);
  if (!cache) reportCaches.set(db, (cache = new ContentCache(REPORT_CACHE_BYTES)));
  return cache;
}

/**
 * The district's latest stored partner report file (report.html or report.json) with its ETag, or
 * null when there is none. One scoped read finds the run (one round trip on PostgreSQL); its bytes come from the process's cache of
 * immutable content (read once per run and file); the download is audited.
 */
export async function districtReportDownload(
  db: Db,
  slug: string,
  leaid: string,
  artifact: 'report.html' | 'report.json',
  actor: string,
): Promise<CachedContent | null> {
  const ref = await partnerLatestReportRefScoped(db, slug, leaid);
  if (!ref) return null;
  const content = await reportCache(db).get(`${ref.reportSha256}/${ref.id}/${artifact}`, async () => {
    const report = await withDistrictScope(db, leaid, (trx) => partnerReportById(trx, ref.id, leaid));
    if (!report) return null;
    return artifact === 'report.html' ? report.html : report.json;
  });
  if (!content) return null;
  await recordDownload(db, actor, slug, leaid, artifact, 1, { report_run: ref.id });
  return content;
}

/** The district's message batches, read under its scope. */
export function districtMessageBatches(db: Db, slug: string, leaid: string): Promise<PartnerBatch[]> {
  return withDistrictScope(db, leaid, (trx) => partnerMessageBatches(trx, slug, leaid));
}

/**
 * One batch's message list as the SIS message-center CSV (the arm is never a column), read under the
 * district's scope; the download is audited. Null when the district has no such batch. Messages keep
 * their status: a partner download is not the staff export.
 */
export async function districtMessageList(
  db: Db,
  slug: string,
  leaid: string,
  batchId: number,
  artifact: string,
  actor: string,
): Promise<string | null> {
  const rows = await withDistrictScope(db, leaid, async (trx) => {
    const batches = await partnerMessageBatches(trx, slug, leaid);
    if (!batches.some((b) => b.id === batchId)) return null;
    return (await loadMessageRows(trx, [batchId])).rows;
  });
  if (rows === null) return null;
  await recordDownload(db, actor, slug, leaid, artifact, rows.length, { batch: batchId });
  return csvText(MESSAGE_COLUMNS, rows);
}

/**
 * Appends the audit event of a download (who took which district file, how many rows) and waits until
 * it is durable: concurrent downloads' events are grouped into one statement (audit-batch.service.ts),
 * so the chain's lock is taken once per group.
 */
export async function recordDownload(
  db: Db,
  actor: string,
  slug: string,
  leaid: string,
  artifact: string,
  rows: number,
  extra: Record<string, number> = {},
): Promise<void> {
  await appendAuditEventGrouped(db, {
    actor,
    action: 'download',
    entity: `study:${slug}/district:${leaid}/${artifact}`,
    details: { rows, ...extra },
  });
}
