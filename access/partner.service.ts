import type { ExportRow } from '../assignment/assignment.store.ts';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { withDistrictScope } from './district-scope.store.ts';
import { loadMessageRows } from '../outreach/export.store.ts';
import { csvText, MESSAGE_COLUMNS } from '../outreach/export-csv.ts';
import {
  partnerAssignmentRows,
  partnerLatestReport,
  partnerMessageBatches,
  partnerStudies,
  type PartnerBatch,
  type PartnerReport,
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

/** The district's latest stored partner report (no audit: listing only), or null. */
export function latestDistrictReport(db: Db, slug: string, leaid: string): Promise<PartnerReport | null> {
  return withDistrictScope(db, leaid, (trx) => partnerLatestReport(trx, slug, leaid));
}

/** The district's stored partner report as a download (audited), or null when there is none. */
export async function districtReportFile(
  db: Db,
  slug: string,
  leaid: string,
  artifact: string,
  actor: string,
): Promise<PartnerReport | null> {
  const report = await latestDistrictReport(db, slug, leaid);
  if (report) await recordDownload(db, actor, slug, leaid, artifact, 1, { report_run: report.id });
  return report;
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

/** Appends the audit event of a download (who took which district file, how many rows). */
export async function recordDownload(
  db: Db,
  actor: string,
  slug: string,
  leaid: string,
  artifact: string,
  rows: number,
  extra: Record<string, number> = {},
): Promise<void> {
  await db.kysely.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor,
      action: 'download',
      entity: `study:${slug}/district:${leaid}/${artifact}`,
      details: { rows, ...extra },
    }),
  );
}
