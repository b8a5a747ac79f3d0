import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { AppError } from '../../../errors.ts';
import { exportAssignments, randomizeStudy } from '../../../assignment/assignment.service.ts';
import { estimateFile } from '../../../analysis/estimate-file.service.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { addStudents, createTestStudy } from './seed-study.ts';

// Issue 10 item 5, the rule at randomization time (docs/decisions/0007-refuse-unanalysable-blocked-designs.md):
// `pilot randomize` refuses a design the blocked difference in means could not estimate, naming the
// blocks, before anything is written; a design just inside the rule randomizes and is estimated by
// `pilot estimate --method dim --blocks`.

let db: Db;
let dir: string;
beforeAll(async () => {
  db = await openTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pilot-unanalysable-'));
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A district of one-student households (household h has 1 + h % 3 students, so h = 0, 3, 6, …). */
async function addDistrict(studyId: number, leaid: string, households: number): Promise<void> {
  const d = await sql<{ id: number }>`
    INSERT INTO district (study_id, nces_leaid, name, state, locale_code)
    VALUES (${studyId}, ${leaid}, ${'District ' + leaid}, 'NY', 42) RETURNING id`.execute(db.kysely);
  for (let k = 0; k < households; k++)
    await addStudents(db.kysely, d.rows[0].id, leaid, 3 * k, 1, `D${leaid}-`);
}

async function studyState(slug: string) {
  const r = await sql<{ randomizations: number; revealed: boolean; status: string }>`
    SELECT (SELECT count(*)::int FROM randomization r WHERE r.study_id = s.id) AS randomizations,
           s.seed_revealed_at IS NOT NULL AS revealed, s.status
    FROM study s WHERE s.slug = ${slug}`.execute(db.kysely);
  return r.rows[0];
}

describe(`pilot randomize refuses designs the blocked difference in means cannot estimate (${testDialect})`, () => {
  it('refuses a lone block of three households beside a one-household block, naming both, and writes nothing', async () => {
    const studyId = await createTestStudy(db.kysely, {
      slug: 'lone-small',
      blockBy: ['district'],
      households: 0,
    });
    await addDistrict(studyId, '3600003', 3); // 2 + 1: a single unit of one arm
    await addDistrict(studyId, '3600004', 1); // one arm only
    const error = await randomizeStudy(db, { study: 'lone-small', actor: 'tester' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe('BAD_INPUT');
    expect(e.details).toEqual({
      reason: 'unanalysable_design',
      arms: ['control', 'treatment'],
      blocks: ['3600003'],
      singleArmBlocks: ['3600004'],
    });
    expect(e.message).toContain('only block "3600003" holds units of both control and treatment');
    expect(e.message).toContain('blocks with one arm only: "3600004"');
    expect(e.message).toContain('--block-by district');
    expect(await studyState('lone-small')).toEqual({
      randomizations: 0,
      revealed: false,
      status: 'enrolling',
    });
  });

  it('refuses a design where every block holds a single unit', async () => {
    const studyId = await createTestStudy(db.kysely, {
      slug: 'singletons',
      blockBy: ['district'],
      households: 0,
    });
    for (const leaid of ['3600003', '3600004', '3600005']) await addDistrict(studyId, leaid, 1);
    const error = (await randomizeStudy(db, { study: 'singletons', actor: 'tester' }).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('no block holds units of both control and treatment');
    expect(error.details).toMatchObject({ blocks: [], singleArmBlocks: ['3600003', '3600004', '3600005'] });
  });

  it('randomizes two blocks of three households (just inside the rule), then `pilot estimate --method dim --blocks` estimates it', async () => {
    const studyId = await createTestStudy(db.kysely, {
      slug: 'two-small',
      blockBy: ['district'],
      households: 0,
    });
    await addDistrict(studyId, '3600003', 3);
    await addDistrict(studyId, '3600005', 3);
    await addDistrict(studyId, '3600004', 1); // a one-unit block is still allowed (dropped by the estimator)
    const r = await randomizeStudy(db, { study: 'two-small', actor: 'tester' });
    expect(r.units).toBe(7);
    expect(await studyState('two-small')).toMatchObject({ randomizations: 1, revealed: true });

    const rows = await exportAssignments(db, 'two-small', null);
    const lines = [
      'block,z,y',
      ...rows.map(
        (x, i) =>
          `${x.block_key},${x.arm === 'treatment' ? 1 : 0},${((i * 7) % 11) + (x.arm === 'treatment' ? 2 : 0)}`,
      ),
    ];
    const file = join(dir, 'two-small.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = await estimateFile({
      file,
      outcome: 'y',
      treatment: 'z',
      blocks: 'block',
      method: 'dim',
      alpha: 0.05,
      covariates: [],
    });
    expect(out.result.design).toBe('Small blocks');
    const term = out.result.terms[0];
    expect(Number.isFinite(term.estimate)).toBe(true);
    expect(term.stdError).toBeGreaterThan(0);
    expect(term.df).toBe(1);
    expect(out.result.warnings.map((w) => w.code)).toEqual([
      'blocks-dropped-no-variation',
      'small-blocks-pooled',
    ]);
  });
});
