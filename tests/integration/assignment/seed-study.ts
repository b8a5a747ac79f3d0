import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../db/types.ts';

/** Test data only (synthetic): a study with two districts, schools, households and students. */
export const TEST_SEED = '00112233445566778899aabbccddeeff';

export interface TestStudyOptions {
  slug: string;
  unit?: 'student' | 'household' | 'school';
  arms?: { name: string; probability: string }[];
  blockBy?: string[];
  households?: number;
}

export async function createTestStudy(db: Kysely<Database>, o: TestStudyOptions): Promise<number> {
  const arms = o.arms ?? [
    { name: 'control', probability: '0.5' },
    { name: 'treatment', probability: '0.5' },
  ];
  const study = await sql<{ id: number }>`
    INSERT INTO study (slug, name, status, unit, arms, block_by, seed, seed_commitment)
    VALUES (${o.slug}, ${'Test ' + o.slug}, 'enrolling', ${o.unit ?? 'household'}, ${JSON.stringify(arms)}::jsonb,
            ${JSON.stringify(o.blockBy ?? ['district', 'grade_band'])}::jsonb, ${TEST_SEED},
            ${createHash('sha256').update(TEST_SEED).digest('hex')})
    RETURNING id`.execute(db);
  const studyId = study.rows[0].id;
  for (const [d, leaid] of ['3600001', '3600002'].entries()) {
    const district = await sql<{ id: number }>`
      INSERT INTO district (study_id, nces_leaid, name, state, locale_code)
      VALUES (${studyId}, ${leaid}, ${'District ' + d}, 'NY', 42) RETURNING id`.execute(db);
    await addStudents(db, district.rows[0].id, leaid, 0, o.households ?? 30);
  }
  return studyId;
}

/** Adds households h0 … h0+count−1 to a district, each with 1–3 students (deterministic covariates). */
export async function addStudents(
  db: Kysely<Database>,
  districtId: number,
  leaid: string,
  h0: number,
  count: number,
  prefix = 'S',
) {
  for (const key of ['east', 'west']) {
    await sql`INSERT INTO school (district_id, school_key, nces_id, name)
              VALUES (${districtId}, ${key}, ${leaid + (key === 'east' ? '00001' : '00002')}, ${key})
              ON CONFLICT DO NOTHING`.execute(db);
  }
  const schools = await sql<{
    id: number;
  }>`SELECT id FROM school WHERE district_id = ${districtId} ORDER BY school_key`.execute(db);
  const grades = ['PK', 'KG', '01', '03', '05', '06', '07', '08', '09', '10', '12'];
  for (let h = h0; h < h0 + count; h++) {
    const hh = await sql<{ id: number }>`
      INSERT INTO household (district_id, household_key) VALUES (${districtId}, ${'H' + h})
      ON CONFLICT (district_id, household_key) DO UPDATE SET household_key = excluded.household_key RETURNING id`.execute(
      db,
    );
    for (let k = 0; k < 1 + (h % 3); k++) {
      const n = h * 10 + k;
      await sql`
        INSERT INTO student (district_id, sis_id, school_id, grade, household_id, sex, race_ethnicity, english_learner,
                             disability, low_income, prior_year_absence_rate)
        VALUES (${districtId}, ${prefix + n}, ${schools.rows[n % 2].id}, ${grades[(h * 3 + k * 5) % grades.length]}, ${hh.rows[0].id},
                ${n % 2 ? 'F' : 'M'}, ${['white', 'hispanic', 'black'][n % 3]}, ${n % 4 === 0}, ${n % 7 === 0}, ${n % 3 !== 0},
                ${(n % 17) / 100})`.execute(db);
    }
  }
}
