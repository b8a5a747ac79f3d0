import type { ExportRow } from '../assignment/assignment.store.ts';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { withDistrictScope } from './district-scope.store.ts';
import { partnerAssignmentRows, partnerStudies, type PartnerStudy } from './partner.store.ts';

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

/** Appends the audit event of a download (who took which district file, how many rows). */
export async function recordDownload(
  db: Db,
  actor: string,
  slug: string,
  leaid: string,
  artifact: string,
  rows: number,
): Promise<void> {
  await db.kysely.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor,
      action: 'download',
      entity: `study:${slug}/district:${leaid}/${artifact}`,
      details: { rows },
    }),
  );
}
