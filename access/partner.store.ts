import { sql, type Transaction } from 'kysely';
import type { ExportRow } from '../assignment/assignment.store.ts';
import type { Database } from '../db/types.ts';

/**
 * A partner's reads. Each query names the district itself (the store-layer filter) and runs inside
 * withDistrictScope, where row-level security filters again (defence in depth).
 */

export interface PartnerStudy {
  slug: string;
  name: string;
  status: string;
  districtName: string;
  randomized: boolean;
}

export async function partnerStudies(trx: Transaction<Database>, leaid: string): Promise<PartnerStudy[]> {
  const r = await sql<{
    slug: string;
    name: string;
    status: string;
    district_name: string;
    randomized: boolean;
  }>`
    SELECT s.slug, s.name, s.status, d.name AS district_name,
           EXISTS (SELECT 1 FROM randomization r WHERE r.study_id = s.id) AS randomized
      FROM district d JOIN study s ON s.id = d.study_id
     WHERE d.nces_leaid = ${leaid}
     ORDER BY s.slug COLLATE "C"`.execute(trx);
  return r.rows.map((x) => ({
    slug: x.slug,
    name: x.name,
    status: x.status,
    districtName: x.district_name,
    randomized: x.randomized,
  }));
}

/** The district's rows of the assignment export, or null when the district is not in the study. */
export async function partnerAssignmentRows(
  trx: Transaction<Database>,
  slug: string,
  leaid: string,
): Promise<ExportRow[] | null> {
  const district = await sql<{ id: number; study_id: number }>`
    SELECT d.id, d.study_id FROM district d JOIN study s ON s.id = d.study_id
     WHERE s.slug = ${slug} AND d.nces_leaid = ${leaid}`.execute(trx);
  const d = district.rows[0];
  if (!d) return null;
  const r = await sql<ExportRow>`
    SELECT a.unit_key, s.sis_id AS student_id, ${leaid}::text AS district_leaid, a.block_key, a.arm, m.wave
      FROM assignment_member m
      JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
      JOIN student s ON s.id = m.student_id
     WHERE m.study_id = ${d.study_id} AND s.district_id = ${d.id}
     ORDER BY m.student_key COLLATE "C"`.execute(trx);
  return r.rows;
}

/** The study and district ids of a district in a study (visible in the scope), or null. */
async function districtOfStudy(
  trx: Transaction<Database>,
  slug: string,
  leaid: string,
): Promise<{ id: number; study_id: number } | null> {
  const r = await sql<{ id: number; study_id: number }>`
    SELECT d.id, d.study_id FROM district d JOIN study s ON s.id = d.study_id
     WHERE s.slug = ${slug} AND d.nces_leaid = ${leaid}`.execute(trx);
  return r.rows[0] ?? null;
}

export interface PartnerReport {
  id: number;
  json: string;
  html: string;
}

/** The district's latest stored partner report (`pilot report --district`), or null. */
export async function partnerLatestReport(
  trx: Transaction<Database>,
  slug: string,
  leaid: string,
): Promise<PartnerReport | null> {
  const d = await districtOfStudy(trx, slug, leaid);
  if (!d) return null;
  const r = await sql<{ id: number; report_json: string; report_html: string }>`
    SELECT id, report_json, report_html FROM report_run
     WHERE study_id = ${d.study_id} AND district_id = ${d.id} AND kind = 'district'
       AND report_json IS NOT NULL AND report_html IS NOT NULL
     ORDER BY id DESC LIMIT 1`.execute(trx);
  const x = r.rows[0];
  return x ? { id: x.id, json: x.report_json, html: x.report_html } : null;
}

export interface PartnerBatch {
  id: number;
  kind: 'monthly_summary' | 'alerts';
  periodEnd: string;
}

/** The district's message batches (monthly summaries and alert runs) that hold messages, oldest first. */
export async function partnerMessageBatches(
  trx: Transaction<Database>,
  slug: string,
  leaid: string,
): Promise<PartnerBatch[]> {
  const d = await districtOfStudy(trx, slug, leaid);
  if (!d) return [];
  const r = await sql<{ id: number; kind: 'monthly_summary' | 'alerts'; period_end: string }>`
    SELECT b.id, b.kind, to_char(b.period_end, 'YYYY-MM-DD') AS period_end FROM message_batch b
     WHERE b.study_id = ${d.study_id} AND b.district_id = ${d.id}
       AND EXISTS (SELECT 1 FROM message m WHERE m.batch_id = b.id)
     ORDER BY b.period_end, b.kind, b.id`.execute(trx);
  return r.rows.map((x) => ({ id: x.id, kind: x.kind, periodEnd: x.period_end }));
}
