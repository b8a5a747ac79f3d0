/** What a report reads besides outcomes (import hashes of the data snapshot) and the report_run record. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/types.ts';

/** (kind, file SHA-256) of every import of the study's districts, sorted. */
export async function loadImportHashes(
  db: Kysely<Database>,
  studyId: number,
): Promise<{ kind: string; sha256: string }[]> {
  const rows = await db
    .selectFrom('import_file as f')
    .innerJoin('district as d', 'd.id', 'f.district_id')
    .select(['f.kind', 'f.sha256', 'd.nces_leaid'])
    .where('d.study_id', '=', studyId)
    .execute();
  return rows
    .map((r) => ({ kind: `${r.nces_leaid}:${r.kind}`, sha256: r.sha256 }))
    .sort((a, b) =>
      a.kind + a.sha256 < b.kind + b.sha256 ? -1 : a.kind + a.sha256 > b.kind + b.sha256 ? 1 : 0,
    );
}

export async function findDistrictOfStudy(
  db: Kysely<Database>,
  studyId: number,
  leaid: string,
): Promise<{ id: number; name: string; state: string } | null> {
  const r = await db
    .selectFrom('district')
    .select(['id', 'name', 'state'])
    .where('study_id', '=', studyId)
    .where('nces_leaid', '=', leaid)
    .executeTakeFirst();
  return r ?? null;
}

export async function insertReportRun(
  trx: Transaction<Database>,
  r: {
    studyId: number;
    planId: number;
    kind: 'analysis' | 'district';
    districtId: number | null;
    manifest: string;
    reportSha256: string;
    actor: string;
    /** The stored report, served to the district (district reports). */
    reportJson?: string | null;
    reportHtml?: string | null;
  },
): Promise<number> {
  const row = await trx
    .insertInto('report_run')
    .values({
      study_id: r.studyId,
      plan_id: r.planId,
      kind: r.kind,
      district_id: r.districtId,
      manifest: r.manifest,
      report_sha256: r.reportSha256,
      actor: r.actor,
      report_json: r.reportJson ?? null,
      report_html: r.reportHtml ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
