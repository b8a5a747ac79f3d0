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
