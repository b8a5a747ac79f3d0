import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { refreshPlannerStatistics } from '../../../db/planner-statistics.store.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';

// `onlyModified` reads the server's cumulative statistics (pg_stat_user_tables), which PGlite does not keep.
const onPostgres = testDialect === 'postgres' ? describe : describe.skip;

onPostgres('planner statistics only for tables changed since their last ANALYZE', () => {
  let db: Db;
  let districtId: number;
  beforeAll(async () => {
    db = await openTestDatabase();
    const study = await db.kysely
      .insertInto('study')
      .values({
        slug: 's1',
        name: 'S',
        unit: 'student',
        arms: '[{"name":"a","probability":"0.5"},{"name":"b","probability":"0.5"}]',
        block_by: '[]',
        seed: 'ab',
        seed_commitment: 'f'.repeat(64),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const district = await db.kysely
      .insertInto('district')
      .values({ study_id: study.id, nces_leaid: '0100005', name: 'D', state: 'AL', locale_code: 42 })
      .returning('id')
      .executeTakeFirstOrThrow();
    districtId = district.id;
  });
  afterAll(async () => {
    await db.close();
  });

  /** Adds schools on one connection and waits until the server's statistics count them. */
  async function addSchools(keys: string[]): Promise<void> {
    await db.withSession(async (s) => {
      for (const key of keys)
        await s.query(`INSERT INTO school (district_id, school_key, name) VALUES ($1, $2, 'S')`, [
          districtId,
          key,
        ]);
      await s.query('SELECT pg_stat_force_next_flush()');
      await s.query('SELECT 1'); // the flush happens when the session goes idle
    });
    for (let tries = 0; tries < 100 && (await modified()) === 0; tries++)
      await new Promise((r) => setTimeout(r, 50));
  }
  const stat = async () =>
    (
      await sql<{ analyze_count: number; n_mod_since_analyze: number }>`
        SELECT analyze_count::int, n_mod_since_analyze::int FROM pg_stat_user_tables WHERE relname = 'school'`.execute(
        db.kysely,
      )
    ).rows[0];
  const modified = async () => (await stat()).n_mod_since_analyze;
  const analyzed = async () => (await stat()).analyze_count;

  it('samples a changed table, and leaves an unchanged one', async () => {
    await addSchools(['a', 'b', 'c']);
    expect(await modified()).toBeGreaterThan(0);
    const before = await analyzed();
    await refreshPlannerStatistics(db.kysely, ['school'], { onlyModified: true });
    expect(await analyzed()).toBe(before + 1);
    expect(await modified()).toBe(0);
    // nothing changed since: no sample
    await refreshPlannerStatistics(db.kysely, ['school'], { onlyModified: true });
    expect(await analyzed()).toBe(before + 1);
    // one more row: sampled again
    await addSchools(['d']);
    await refreshPlannerStatistics(db.kysely, ['school'], { onlyModified: true });
    expect(await analyzed()).toBe(before + 2);
  });
});
