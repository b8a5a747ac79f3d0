import { sql, type Transaction } from 'kysely';
import type { ExportRow } from '../assignment/assignment.store.ts';
import type { Db } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
import { withDistrictScope } from './district-scope.store.ts';

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

/** The stored report's run and the SHA-256 of its report.json (its content key), without the bytes. */
export interface PartnerReportRef {
  id: number;
  reportSha256: string;
}

/** What a district can download in a study, read in one query; null when it is not in the study. */
export interface PartnerDownloadIndex {
  study: PartnerStudy;
  report: PartnerReportRef | null;
  batches: PartnerBatch[];
}

export async function partnerDownloadIndex(
  trx: Transaction<Database>,
  slug: string,
  leaid: string,
): Promise<PartnerDownloadIndex | null> {
  const r = await sql<{
    slug: string;
    name: string;
    status: string;
    district_name: string;
    randomized: boolean;
    report: { id: number; sha: string } | null;
    batches: { id: number; kind: 'monthly_summary' | 'alerts'; period_end: string }[];
  }>`
    SELECT s.slug, s.name, s.status, d.name AS district_name,
           EXISTS (SELECT 1 FROM randomization r WHERE r.study_id = s.id) AS randomized,
           (SELECT json_build_object('id', rr.id, 'sha', rr.report_sha256) FROM report_run rr
             WHERE rr.study_id = s.id AND rr.district_id = d.id AND rr.kind = 'district'
               AND rr.report_json IS NOT NULL AND rr.report_html IS NOT NULL
             ORDER BY rr.id DESC LIMIT 1) AS report,
           coalesce((SELECT json_agg(json_build_object('id', b.id, 'kind', b.kind,
                                      'period_end', to_char(b.period_end, 'YYYY-MM-DD'))
                                     ORDER BY b.period_end, b.kind, b.id)
                       FROM message_batch b
                      WHERE b.study_id = s.id AND b.district_id = d.id
                        AND EXISTS (SELECT 1 FROM message m WHERE m.batch_id = b.id)), '[]'::json) AS batches
      FROM district d JOIN study s ON s.id = d.study_id
     WHERE s.slug = ${slug} AND d.nces_leaid = ${leaid}`.execute(trx);
  const x = r.rows[0];
  if (!x) return null;
  return {
    study: {
      slug: x.slug,
      name: x.name,
      status: x.status,
      districtName: x.district_name,
      randomized: x.randomized,
    },
    report: x.report ? { id: x.report.id, reportSha256: x.report.sha } : null,
    batches: x.batches.map((b) => ({ id: b.id, kind: b.kind, periodEnd: b.period_end })),
  };
}

/** The latest district report's run id and content key (no bytes), or null. */
export async function partnerLatestReportRef(
  trx: Transaction<Database>,
  slug: string,
  leaid: string,
): Promise<PartnerReportRef | null> {
  const r = await sql<{ id: number; report_sha256: string }>`
    SELECT rr.id, rr.report_sha256
      FROM report_run rr JOIN district d ON d.id = rr.district_id JOIN study s ON s.id = d.study_id
     WHERE s.slug = ${slug} AND d.nces_leaid = ${leaid} AND rr.study_id = s.id AND rr.kind = 'district'
       AND rr.report_json IS NOT NULL AND rr.report_html IS NOT NULL
     ORDER BY rr.id DESC LIMIT 1`.execute(trx);
  const x = r.rows[0];
  return x ? { id: x.id, reportSha256: x.report_sha256 } : null;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const LEAID = /^[0-9]{7}$/;

/**
 * partnerLatestReportRef under the district's row-level security scope in one round trip on
 * PostgreSQL: the scope's settings and the lookup go as one simple-protocol message of two statements,
 * which PostgreSQL runs as one implicit transaction (so `set_config(…, true)` ends with it) and plans
 * one after the other (so the lookup is planned as `pilot_app`, with its policies). A message with
 * several statements cannot carry parameters: the slug and LEAID go in as literals, accepted only in
 * their validated forms (anything else is no district's). On the embedded database (in process, no
 * round trips) it is withDistrictScope's transaction.
 */
export async function partnerLatestReportRefScoped(
  db: Db,
  slug: string,
  leaid: string,
): Promise<PartnerReportRef | null> {
  if (db.dialect !== 'postgres')
    return withDistrictScope(db, leaid, (trx) => partnerLatestReportRef(trx, slug, leaid));
  if (!SLUG.test(slug) || !LEAID.test(leaid)) return null;
  const r = await db.withSession((session) =>
    session.query<{ id: number; report_sha256: string }>(
      `SELECT set_config('role', 'pilot_app', true), set_config('pilot.leaid', '${leaid}', true);
       SELECT rr.id, rr.report_sha256
         FROM report_run rr JOIN district d ON d.id = rr.district_id JOIN study s ON s.id = d.study_id
        WHERE s.slug = '${slug}' AND d.nces_leaid = '${leaid}' AND rr.study_id = s.id AND rr.kind = 'district'
          AND rr.report_json IS NOT NULL AND rr.report_html IS NOT NULL
        ORDER BY rr.id DESC LIMIT 1`,
    ),
  );
  const x = r.rows[0];
  return x ? { id: Number(x.id), reportSha256: x.report_sha256 } : null;
}

/** One stored district report's bytes by run id, when it is the district's, or null. */
export async function partnerReportById(
  trx: Transaction<Database>,
  id: number,
  leaid: string,
): Promise<PartnerReport | null> {
  const r = await sql<{ id: number; report_json: string; report_html: string }>`
    SELECT rr.id, rr.report_json, rr.report_html FROM report_run rr JOIN district d ON d.id = rr.district_id
     WHERE rr.id = ${id} AND d.nces_leaid = ${leaid} AND rr.kind = 'district'
       AND rr.report_json IS NOT NULL AND rr.report_html IS NOT NULL`.execute(trx);
  const x = r.rows[0];
  return x ? { id: x.id, json: x.report_json, html: x.report_html } : null;
}
