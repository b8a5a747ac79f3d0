import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/types.ts';

export interface DistrictRecord {
  id: number;
  studyId: number;
  leaid: string;
  name: string;
  state: string;
  localeCode: number;
  enrolledAt: Date;
}

function toRecord(r: {
  id: number;
  study_id: number;
  nces_leaid: string;
  name: string;
  state: string;
  locale_code: number;
  enrolled_at: Date;
}): DistrictRecord {
  return {
    id: r.id,
    studyId: r.study_id,
    leaid: r.nces_leaid,
    name: r.name,
    state: r.state,
    localeCode: r.locale_code,
    enrolledAt: new Date(r.enrolled_at),
  };
}

export async function insertDistrict(
  trx: Transaction<Database>,
  d: { studyId: number; leaid: string; name: string; state: string; localeCode: number },
): Promise<DistrictRecord> {
  const row = await trx
    .insertInto('district')
    .values({
      study_id: d.studyId,
      nces_leaid: d.leaid,
      name: d.name,
      state: d.state,
      locale_code: d.localeCode,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

export async function findDistrict(
  db: Kysely<Database>,
  studyId: number,
  leaid: string,
): Promise<DistrictRecord | null> {
  const row = await db
    .selectFrom('district')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('nces_leaid', '=', leaid)
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function listDistricts(db: Kysely<Database>, studyId: number): Promise<DistrictRecord[]> {
  const rows = await db
    .selectFrom('district')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('nces_leaid')
    .execute();
  return rows.map(toRecord);
}
