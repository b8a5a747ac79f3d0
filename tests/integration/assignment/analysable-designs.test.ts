import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { exportAssignments, randomizeStudy } from '../../../assignment/assignment.service.ts';
import { parsePlan, type AnalysisPlan } from '../../../analysis/analysis-plan.ts';
import { withoutSingleArmBlocks } from '../../../analysis/analysis-table.ts';
import { estimateOnTable } from '../../../analysis/table-estimate.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { addStudents, createTestStudy } from './seed-study.ts';

// Issue 10 item 5: every design `pilot randomize` can produce is analysable by the planned
// estimators. A household-randomized study blocked by district, with a district of one household
// (a one-unit block) and a district of three one-student households (a block that always has a
// single treated or a single control unit), is randomized through the service, and the analysis
// table built from its export is estimated with every planned estimator (Lin with block indicators,
// the blocked difference in means; clustered by household or not), as `pilot analyze` does.

let db: Db;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

async function addDistrict(studyId: number, leaid: string, households: number[]): Promise<void> {
  const d = await sql<{ id: number }>`
    INSERT INTO district (study_id, nces_leaid, name, state, locale_code)
    VALUES (${studyId}, ${leaid}, ${'District ' + leaid}, 'NY', 42) RETURNING id`.execute(db.kysely);
  // household h has 1 + (h % 3) students
  for (const h of households) await addStudents(db.kysely, d.rows[0].id, leaid, h, 1, `D${leaid}-`);
}

const plan = (estimator: Record<string, unknown>): AnalysisPlan => {
  const p = parsePlan({ window: { start: '2025-10-01', end: '2026-04-30' }, estimator });
  if (!p.ok) throw new Error(p.problems.join('; '));
  return p.plan;
};

describe(`a randomized design with one-unit and small blocks is analysable (${testDialect})`, () => {
  it('randomizes, then every planned estimator gives a finite effect and standard error', async () => {
    const studyId = await createTestStudy(db.kysely, {
      slug: 'tiny-blocks',
      unit: 'household',
      blockBy: ['district'],
      households: 12,
    });
    await addDistrict(studyId, '3600003', [0]); // one household of one student
    await addDistrict(studyId, '3600004', [0, 3, 6]); // three one-student households
    const r = await randomizeStudy(db, { study: 'tiny-blocks', actor: 'tester' });
    expect(r.units).toBe(2 * 12 + 1 + 3);

    const rows = await exportAssignments(db, 'tiny-blocks', null);
    const blockSizes = new Map<string, Set<string>>();
    for (const x of rows)
      blockSizes.set(x.block_key, (blockSizes.get(x.block_key) ?? new Set()).add(x.unit_key));
    expect(blockSizes.get('3600003')?.size).toBe(1);
    expect(blockSizes.get('3600004')?.size).toBe(3);

    // the analysis table's columns that the plan estimator reads, with a deterministic outcome
    const header = ['block', 'cluster', 'treatment', 'prior_year_absence_rate', 'absence_days'];
    const cells = [
      header,
      ...rows.map((x, i) => {
        const z = x.arm === 'treatment' ? 1 : 0;
        const prior = ((i * 37) % 19) / 100;
        return [
          x.block_key,
          x.unit_key,
          String(z),
          String(prior),
          String(3 + 40 * prior - 1.5 * z + (i % 4)),
        ];
      }),
    ];
    const table = withoutSingleArmBlocks(cells);
    expect(table.dropped).toBe(1); // the one-unit block holds one arm only

    const designs: string[] = [];
    for (const estimator of [
      {}, // the default: Lin, block indicators, household clusters, CR2
      { method: 'dim' },
      { method: 'dim', cluster: 'none' },
      { method: 'lin', cluster: 'none', se_type: 'HC2' },
      { method: 'lin', se_type: 'stata' },
    ]) {
      const e = estimateOnTable(table.cells, 'absence_days', plan(estimator));
      if (!e.ok) throw new Error(`${JSON.stringify(estimator)} refused: ${e.reason}`);
      const term = e.result.terms.find((t) => t.term === 'treatment')!;
      expect(Number.isFinite(term.estimate)).toBe(true);
      expect(Number.isFinite(term.stdError) && term.stdError > 0).toBe(true);
      expect(term.df).toBeGreaterThan(0);
      designs.push(e.result.design);
    }
    // the blocked difference in means handles the three-household block with Pilot's rule
    expect(designs[1]).toBe('Block-clustered (small-block deviation)');
    expect(designs[2]).toBe('Blocked (small-block deviation)');
  });
});
