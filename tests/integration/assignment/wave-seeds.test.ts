import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import {
  randomizeStudy,
  showRandomization,
  verifyRandomization,
} from '../../../assignment/assignment.service.ts';
import {
  copyAssignments,
  insertRandomization,
  loadAssignedUnits,
  loadNewStudents,
} from '../../../assignment/assignment.store.ts';
import { derivedWaveSeed } from '../../../assignment/protocol.ts';
import { randomizeWave } from '../../../assignment/randomize-wave.ts';
import { openWave } from '../../../assignment/open-wave.service.ts';
import { openTestDatabase } from '../../helpers/database.ts';
import { addStudents, createTestStudy, TEST_SEED } from './seed-study.ts';

/**
 * Late waves are drawn with their own seed S_w, committed when the wave is opened and revealed when it
 * is randomized (DESIGN.md §4 item 6), so S, public after wave 1, tells nobody a late enrollee's arm.
 */
let db: Db;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const H = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

async function districtId(studyId: number, leaid: string): Promise<number> {
  const r = await sql<{ id: number }>`
    SELECT id FROM district WHERE study_id = ${studyId} AND nces_leaid = ${leaid}`.execute(db.kysely);
  return r.rows[0].id;
}

/**
 * Waits a few milliseconds: timestamps of statements run back to back can be equal (PGlite's clock
 * has millisecond resolution), and these tests are about which came first.
 */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('late waves with their own committed seeds', () => {
  it('a wave cannot be opened before the study is randomized, nor randomized before it is opened', async () => {
    const studyId = await createTestStudy(db.kysely, { slug: 'closed-wave', households: 6 });
    await expect(openWave(db, { study: 'closed-wave', actor: 't' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'not_randomized' },
    });
    await randomizeStudy(db, { study: 'closed-wave', actor: 't' });
    await addStudents(db.kysely, await districtId(studyId, '3600001'), '3600001', 40, 3, 'L');
    // Late enrollees exist, but wave 2 has no committed seed: refused, nothing stored.
    await expect(randomizeStudy(db, { study: 'closed-wave', wave: 2, actor: 't' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'wave_not_open' },
    });
    const waves = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM randomization WHERE study_id = ${studyId}`.execute(db.kysely);
    expect(waves.rows[0].n).toBe(1);
  });

  it('open-wave refuses a second open wave, a malformed seed and a revealed seed', async () => {
    await createTestStudy(db.kysely, { slug: 'open-twice', households: 4 });
    await randomizeStudy(db, { study: 'open-twice', actor: 't' });
    await expect(openWave(db, { study: 'open-twice', seed: 'xyz', actor: 't' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      details: { field: 'seed' },
    });
    await expect(openWave(db, { study: 'open-twice', seed: TEST_SEED, actor: 't' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/^seed: .*own/),
    });
    // Concurrent requests: one wave opened, the others get a conflict.
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => openWave(db, { study: 'open-twice', actor: 't' })),
    );
    const opened = results.filter((r) => r.status === 'fulfilled');
    expect(opened).toHaveLength(1);
    expect((opened[0] as PromiseFulfilledResult<{ wave: number }>).value.wave).toBe(2);
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected'))
      expect(r.reason).toMatchObject({ code: 'CONFLICT', details: { reason: 'wave_open' } });
    await expect(openWave(db, { study: 'open-twice', actor: 't' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'wave_open' },
    });
    await expect(openWave(db, { study: 'nope', actor: 't' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('wave 2 is drawn with S_2: committed before its enrollees, sealed until randomized, not derivable from S', async () => {
    const studyId = await createTestStudy(db.kysely, { slug: 'waves', households: 12 });
    await randomizeStudy(db, { study: 'waves', actor: 't' });
    const opened = await openWave(db, { study: 'waves', actor: 'opener' });
    expect(opened).toMatchObject({ wave: 2, seedCommitment: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // Published at opening: the commitment is in the record and the audit trail; the seed is not.
    const before = await showRandomization(db, 'waves');
    expect(before.openWaves).toEqual([
      { wave: 2, seedCommitment: opened.seedCommitment, openedAt: opened.openedAt, openedBy: 'opener' },
    ]);
    const sealed = await sql<{ seed: string }>`
      SELECT w.seed FROM randomization_wave w JOIN study s ON s.id = w.study_id WHERE s.slug = 'waves'`.execute(
      db.kysely,
    );
    expect(JSON.stringify(before)).not.toContain(sealed.rows[0].seed);
    const audit = await sql<{ details: { wave: number; seed_commitment: string } }>`
      SELECT details FROM audit_event WHERE action = 'open_wave' AND entity = 'study:waves'`.execute(
      db.kysely,
    );
    expect(audit.rows.map((r) => r.details)).toEqual([{ wave: 2, seed_commitment: opened.seedCommitment }]);

    // Households H10 and H11 exist (late siblings inherit their arms); H12–H15 are new units.
    await tick(); // registration strictly after the opening, whatever the database clock's resolution
    await addStudents(db.kysely, await districtId(studyId, '3600002'), '3600002', 10, 6, 'L');
    const second = await randomizeStudy(db, { study: 'waves', wave: 2, actor: 't' });
    expect(second.warnings.map((w) => w.code)).not.toContain('registered_before_wave_opened');
    expect(second).toMatchObject({ units: 4, inheritedStudents: expect.any(Number) });
    expect(second.inheritedStudents).toBeGreaterThan(0);

    const show = await showRandomization(db, 'waves');
    expect(show.openWaves).toEqual([]);
    const w2 = show.randomizations.find((r) => r.wave === 2)!;
    expect(w2.seedDerivation).toBe('S_2');
    expect(w2.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(H(w2.seed!)).toBe(opened.seedCommitment);
    expect(w2.seedCommitment).toBe(opened.seedCommitment);
    expect(w2.seed).not.toBe(TEST_SEED);
    expect(w2.seed).not.toBe(derivedWaveSeed(TEST_SEED, 2));
    // The commitment was recorded before any of the wave's enrollees was registered.
    const registered = await sql<{ first: Date }>`
      SELECT min(s.enrolled_at) AS first FROM assignment_member m JOIN student s ON s.id = m.student_id
       WHERE m.study_id = ${studyId} AND m.wave = 2`.execute(db.kysely);
    expect(w2.seedCommittedAt!.getTime()).toBeLessThanOrEqual(new Date(registered.rows[0].first).getTime());

    // The stored ordering hashes are those of S_2, not of S or of S + "|wave2".
    const units = await sql<{ unit_key: string; hash: string }>`
      SELECT unit_key, hash FROM assignment WHERE study_id = ${studyId} AND wave = 2`.execute(db.kysely);
    expect(units.rows.length).toBe(second.units);
    for (const u of units.rows) {
      expect(u.hash).toBe(H(`pilot-v1|${w2.seed}|unit|${u.unit_key}`));
      expect(u.hash).not.toBe(H(`pilot-v1|${derivedWaveSeed(TEST_SEED, 2)}|unit|${u.unit_key}`));
    }
    expect(await verifyRandomization(db, 'waves')).toMatchObject({ waves: 2, mismatches: [] });
  });

  it('a committed wave seed cannot be changed, deleted or stored with a wrong commitment', async () => {
    await expect(
      sql`UPDATE randomization_wave SET seed = ${'f'.repeat(32)}`.execute(db.kysely),
    ).rejects.toThrow(/locked/);
    await expect(sql`UPDATE randomization_wave SET revealed_at = now()`.execute(db.kysely)).rejects.toThrow(
      /locked/,
    );
    await expect(sql`DELETE FROM randomization_wave`.execute(db.kysely)).rejects.toThrow(/locked/);
    const study = await sql<{ id: number }>`SELECT id FROM study WHERE slug = 'closed-wave'`.execute(
      db.kysely,
    );
    await expect(
      sql`INSERT INTO randomization_wave (study_id, wave, seed, seed_commitment, opened_by)
          VALUES (${study.rows[0].id}, 2, ${'a'.repeat(32)}, ${H('b'.repeat(32))}, 't')`.execute(db.kysely),
    ).rejects.toThrow(/randomization_wave_commitment/);
  });

  it('verify reports a wave seed that does not match its commitment', async () => {
    const w = await sql<{ study_id: number }>`
      SELECT study_id FROM randomization_wave w JOIN study s ON s.id = w.study_id WHERE s.slug = 'waves'`.execute(
      db.kysely,
    );
    await sql`ALTER TABLE randomization_wave DISABLE TRIGGER randomization_wave_locked`.execute(db.kysely);
    await sql`ALTER TABLE randomization_wave DROP CONSTRAINT randomization_wave_commitment`.execute(
      db.kysely,
    );
    await sql`UPDATE randomization_wave SET seed_commitment = ${H('other')} WHERE study_id = ${w.rows[0].study_id}`.execute(
      db.kysely,
    );
    await sql`ALTER TABLE randomization_wave ENABLE TRIGGER randomization_wave_locked`.execute(db.kysely);
    const v = await verifyRandomization(db, 'waves');
    expect(v.mismatches).toEqual([
      expect.objectContaining({ wave: 2, kind: 'wave_seed', message: expect.stringMatching(/commitment/) }),
    ]);
  });

  it('late enrollees registered before their wave was opened are randomized with a warning in the record', async () => {
    const studyId = await createTestStudy(db.kysely, { slug: 'early', households: 6 });
    await randomizeStudy(db, { study: 'early', actor: 't' });
    await addStudents(db.kysely, await districtId(studyId, '3600001'), '3600001', 50, 2, 'E');
    await tick(); // the opening strictly after the registrations, whatever the clock's resolution
    await openWave(db, { study: 'early', actor: 't' });
    const r = await randomizeStudy(db, { study: 'early', wave: 2, actor: 't' });
    const warning = r.warnings.find((w) => w.code === 'registered_before_wave_opened');
    expect(warning).toMatchObject({ students: r.students });
    const record = (await showRandomization(db, 'early')).randomizations[1];
    expect(record.warnings.map((w) => w.code)).toContain('registered_before_wave_opened');
    expect((await verifyRandomization(db, 'early')).mismatches).toEqual([]);
  });

  it('a wave stored by the earlier draft (seed S|wave2, recorded so) still verifies and shows its derived seed', async () => {
    const studyId = await createTestStudy(db.kysely, { slug: 'legacy', households: 6 });
    await randomizeStudy(db, { study: 'legacy', actor: 't' });
    await addStudents(db.kysely, await districtId(studyId, '3600001'), '3600001', 20, 3, 'L');
    // What the earlier code stored for wave 2: drawn with S + "|wave2", no wave row.
    await db.withSession((session) =>
      session.db.transaction().execute(async (trx) => {
        const r = randomizeWave({
          seed: derivedWaveSeed(TEST_SEED, 2),
          wave: 2,
          unit: 'household',
          arms: [
            { name: 'control', probability: '0.5' },
            { name: 'treatment', probability: '0.5' },
          ],
          blockBy: ['district', 'grade_band'],
          students: await loadNewStudents(trx, studyId),
          assignedUnits: await loadAssignedUnits(trx, studyId),
        });
        if (!r.ok) throw new Error(r.message);
        const w = { ...r.value, seedDerivation: 'S + "|wave2"' };
        await copyAssignments(trx, session, await insertRandomization(trx, studyId, w, 't'), studyId, w);
      }),
    );
    expect(await verifyRandomization(db, 'legacy')).toMatchObject({ waves: 2, mismatches: [] });
    const w2 = (await showRandomization(db, 'legacy')).randomizations[1];
    expect(w2).toMatchObject({
      seedDerivation: 'S + "|wave2"',
      seed: `${TEST_SEED}|wave2`,
      seedCommitment: null,
      seedCommittedAt: null,
    });
  });
});
