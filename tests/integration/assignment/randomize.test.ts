import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { verifyAuditChain } from '../../../db/audit.store.ts';
import { AppError } from '../../../errors.ts';
import {
  exportAssignments,
  randomizeStudy,
  revealedSeed,
  showRandomization,
  verifyRandomization,
} from '../../../assignment/assignment.service.ts';
import { openWave } from '../../../assignment/open-wave.service.ts';
import { openTestDatabase } from '../../helpers/database.ts';
import { addStudents, createTestStudy, TEST_SEED } from './seed-study.ts';

let db: Db;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const count = async (q: ReturnType<typeof sql<{ n: number }>>) =>
  Number((await q.execute(db.kysely)).rows[0].n);

describe('randomizeStudy', () => {
  it('20 concurrent requests: exactly one randomization, 19 conflicts, no partial rows', async () => {
    const studyId = await createTestStudy(db.kysely, { slug: 'concurrent' });
    const students = await count(
      sql`SELECT count(*) AS n FROM student s JOIN district d ON d.id = s.district_id WHERE d.study_id = ${studyId}`,
    );
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => randomizeStudy(db, { study: 'concurrent', actor: `tester${i}` })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(19);
    for (const f of failed) {
      expect(f.reason).toBeInstanceOf(AppError);
      expect((f.reason as AppError).code).toBe('CONFLICT');
    }
    const winner = (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof randomizeStudy>>>).value;
    expect(await count(sql`SELECT count(*) AS n FROM randomization WHERE study_id = ${studyId}`)).toBe(1);
    expect(await count(sql`SELECT count(*) AS n FROM assignment WHERE study_id = ${studyId}`)).toBe(
      winner.units,
    );
    expect(await count(sql`SELECT count(*) AS n FROM assignment_member WHERE study_id = ${studyId}`)).toBe(
      students,
    );
    expect(winner.students).toBe(students);
    expect(
      await count(
        sql`SELECT count(*) AS n FROM audit_event WHERE action = 'randomize' AND entity = 'study:concurrent'`,
      ),
    ).toBe(1);
    expect(await verifyAuditChain(db.kysely)).toBeNull();
    const study = (
      await sql<{
        status: string;
        seed_revealed_at: Date | null;
      }>`SELECT status, seed_revealed_at FROM study WHERE id = ${studyId}`.execute(db.kysely)
    ).rows[0];
    expect(study.status).toBe('randomized');
    expect(study.seed_revealed_at).not.toBeNull();
    expect(await revealedSeed(db, 'concurrent')).toBe(TEST_SEED);
    // Households are never split; blocks are district × grade band.
    const split = await count(
      sql`SELECT count(*) AS n FROM (SELECT unit_key FROM assignment WHERE study_id = ${studyId} GROUP BY unit_key HAVING count(DISTINCT arm) > 1) x`,
    );
    expect(split).toBe(0);
    expect(winner.blocks.every((b) => /^360000[12]\|(PK-05|06-08|09-12)$/.test(b.blockKey))).toBe(true);
    expect(winner.balance[0].overall.map((r) => r.covariate)).toEqual(
      expect.arrayContaining([
        'prior_year_absence_rate',
        'grade',
        'sex',
        'race_ethnicity',
        'english_learner',
        'disability',
        'low_income',
      ]),
    );
  });

  it('re-derives what it stored (verify), and the record shows seed, commitment and fingerprints', async () => {
    const v = await verifyRandomization(db, 'concurrent');
    expect(v.mismatches).toEqual([]);
    const show = await showRandomization(db, 'concurrent');
    expect(show.seed).toBe(TEST_SEED);
    expect(show.randomizations).toHaveLength(1);
    expect(show.randomizations[0]).toEqual(
      expect.objectContaining({
        wave: 1,
        algorithm: 'pilot-v1',
        version: 1,
        seedDerivation: 'S',
        rosterSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    );
  });

  it('assignments cannot be updated or deleted', async () => {
    await expect(sql`UPDATE assignment SET arm = 'control'`.execute(db.kysely)).rejects.toThrow(/locked/);
    await expect(sql`DELETE FROM assignment_member`.execute(db.kysely)).rejects.toThrow(/locked/);
    await expect(sql`DELETE FROM randomization`.execute(db.kysely)).rejects.toThrow(/locked/);
    await expect(sql`TRUNCATE assignment CASCADE`.execute(db.kysely)).rejects.toThrow();
    expect(await count(sql`SELECT count(*) AS n FROM assignment WHERE arm = 'treatment'`)).toBeGreaterThan(0);
  });

  it('late enrollees are wave 2: earlier units keep their arms, siblings inherit, each wave once', async () => {
    const studyId = await createTestStudy(db.kysely, { slug: 'late', unit: 'household' });
    const first = await randomizeStudy(db, { study: 'late', actor: 't' });
    const before = (
      await sql<{
        unit_key: string;
        arm: string;
      }>`SELECT unit_key, arm FROM assignment WHERE study_id = ${studyId} ORDER BY unit_key`.execute(
        db.kysely,
      )
    ).rows;
    await expect(randomizeStudy(db, { study: 'late', actor: 't' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(randomizeStudy(db, { study: 'late', wave: 2, actor: 't' })).rejects.toMatchObject({
      code: 'CONFLICT',
    }); // nobody new
    const d1 = (
      await sql<{
        id: number;
      }>`SELECT id FROM district WHERE study_id = ${studyId} AND nces_leaid = '3600001'`.execute(db.kysely)
    ).rows[0].id;
    // The wave is opened (its seed committed) before its late enrollees are registered.
    await openWave(db, { study: 'late', actor: 't' });
    await addStudents(db.kysely, d1, '3600001', 25, 10, 'L'); // households H25–H29 exist (siblings), H30–H34 are new
    await expect(randomizeStudy(db, { study: 'late', wave: 3, actor: 't' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    const second = await randomizeStudy(db, { study: 'late', wave: 2, actor: 't' });
    expect(second.wave).toBe(2);
    expect(second.inheritedStudents).toBeGreaterThan(0);
    expect(second.units).toBe(5);
    const after = (
      await sql<{
        unit_key: string;
        arm: string;
      }>`SELECT unit_key, arm FROM assignment WHERE study_id = ${studyId} AND wave = 1 ORDER BY unit_key`.execute(
        db.kysely,
      )
    ).rows;
    expect(after).toEqual(before);
    const newUnits = (
      await sql<{
        unit_key: string;
      }>`SELECT unit_key FROM assignment WHERE study_id = ${studyId} AND wave = 2 ORDER BY unit_key`.execute(
        db.kysely,
      )
    ).rows;
    expect(newUnits.map((u) => u.unit_key)).toEqual(
      ['H30', 'H31', 'H32', 'H33', 'H34'].map((h) => `household:3600001:${h}`),
    );
    const inherited = await count(sql`
      SELECT count(*) AS n FROM assignment_member m JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
       WHERE m.study_id = ${studyId} AND m.wave = 2 AND a.wave = 1`);
    expect(inherited).toBe(second.inheritedStudents);
    expect((await verifyRandomization(db, 'late')).mismatches).toEqual([]);
    expect(first.wave).toBe(1);
    const rows = await exportAssignments(db, 'late', '3600001');
    expect(rows.every((r) => r.district_leaid === '3600001')).toBe(true);
    expect(rows.some((r) => r.wave === 2 && r.student_id.startsWith('L'))).toBe(true);
  });

  it('a study without block_by is one block (key ""): randomizes, verifies and exports', async () => {
    await createTestStudy(db.kysely, { slug: 'unblocked', blockBy: [] });
    const r = await randomizeStudy(db, { study: 'unblocked', actor: 'tester' });
    expect(r.units).toBeGreaterThan(0);
    const blocks = await sql<{ block_key: string }>`
      SELECT DISTINCT a.block_key FROM assignment a JOIN study s ON s.id = a.study_id
      WHERE s.slug = 'unblocked'`.execute(db.kysely);
    expect(blocks.rows.map((b) => b.block_key)).toEqual(['']);
    expect((await verifyRandomization(db, 'unblocked')).mismatches).toEqual([]);
    const show = await showRandomization(db, 'unblocked');
    expect(show.randomizations[0].blockCounts).toEqual([
      { blockKey: '', n: r.units, counts: { control: r.units / 2, treatment: r.units / 2 } },
    ]);
    const rows = await exportAssignments(db, 'unblocked', null);
    expect(rows.length).toBe(r.students);
    expect(rows.every((x) => x.block_key === '')).toBe(true);
  });

  it('refuses unknown studies', async () => {
    await expect(randomizeStudy(db, { study: 'nope', actor: 't' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
