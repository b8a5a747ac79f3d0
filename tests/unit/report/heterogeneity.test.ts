import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parsePlan } from '../../../analysis/analysis-plan.ts';
import { csvToColumns } from '../../../analysis/csv-columns.ts';
import { runEstimate } from '../../../analysis/estimate-request.ts';
import { heterogeneityRow, nestedInBlocks } from '../../../reports/estimates-section.ts';

type Golden = { statistic: number; df: number; df_denominator: number; p_value: number };
const golden = JSON.parse(
  readFileSync(new URL('../../fixtures/report/heterogeneity.json', import.meta.url), 'utf8'),
) as Record<'by_g', Golden>;

/** The data of tests/fixtures/report/make-heterogeneity.R as an analysis table (x is the plan's covariate). */
function cells(subgroup: 'g' | 'block', numericLevels = false): string[][] {
  const rows: string[][] = [
    ['block', 'cluster', 'treatment', 'prior_year_absence_rate', 'grade_band', 'absence_days'],
  ];
  for (let i = 1; i <= 120; i++) {
    const block = 1 + (i % 4);
    const hh = Math.ceil(i / 2);
    const z = Math.floor(hh / 2) % 2;
    const g = ['a', 'b', 'c'][Math.ceil(i / 2) % 3];
    const x = i % 11 === 0 ? NaN : ((i * 7) % 13) / 13;
    const y =
      (5 * (i % 17)) / 3 + // R: 5 * i %% 17 is 5 * (i %% 17)
      z * (1 + (g === 'b' ? 0.8 : 0) - (g === 'c' ? 0.4 : 0)) +
      2 * (Number.isNaN(x) ? 0.5 : x) +
      block * 0.3;
    const level =
      subgroup === 'g' ? (numericLevels ? String('abc'.indexOf(g) + 1) : g) : block <= 2 ? 'low' : 'high';
    rows.push([`b${block}`, `h${hh}`, String(z), Number.isNaN(x) ? 'NA' : String(x), level, String(y)]);
  }
  return rows;
}

const plan = (() => {
  const p = parsePlan({
    window: { start: '2025-10-01', end: '2026-04-30' },
    estimator: { covariates: ['prior_year_absence_rate'], se_type: 'CR2', cluster: 'household' },
  });
  if (!p.ok) throw new Error(p.problems.join('; '));
  return p.plan;
})();
const contrast = { treatment: 'treatment', control: 'control', kind: 'program_vs_control' } as never;
const close = (a: number | null, b: number) => expect(Math.abs(a! - b) / Math.abs(b)).toBeLessThan(1e-8);

describe('joint heterogeneity test of the report (estimatr lm_lin + Wald F, CR2)', () => {
  it('matches R for a subgroup that varies within blocks', () => {
    const h = heterogeneityRow(cells('g'), 'absence_days', plan, contrast, 'grade_band');
    expect(h.note).toBeNull();
    expect(h.df).toBe(golden.by_g.df);
    expect(h.df_denominator).toBe(golden.by_g.df_denominator);
    close(h.statistic, golden.by_g.statistic);
    close(h.p_value, golden.by_g.p_value);
    expect(h.test).toBe('wald_f_CR2');
  });

  it('does not test a subgroup nested in the blocks (pairs of blocks), saying why', () => {
    const h = heterogeneityRow(cells('block'), 'absence_days', plan, contrast, 'grade_band');
    expect(h.levels).toEqual(['high', 'low']);
    expect([h.statistic, h.df, h.df_denominator, h.p_value]).toEqual([null, null, null, null]);
    expect(h.note).toMatch(/^not tested: every block lies within one level of this subgroup/);
  });

  it('tests a subgroup that is nested in all blocks but one (a block with both levels)', () => {
    // block b1 gets both levels: the subgroup is no longer nested, and the fit decides what it can test
    const table = cells('block').map((r, i) =>
      i === 1 && r[0] === 'b2' ? [...r.slice(0, 4), 'high', r[5]] : r,
    );
    const mixed = table.map((r, i) =>
      i > 0 && r[0] === 'b2' && i % 8 === 1 ? [...r.slice(0, 4), 'high', r[5]] : r,
    );
    expect(
      nestedInBlocks(
        mixed.slice(1).map((r) => r[0]),
        mixed.slice(1).map((r) => r[4]),
      ),
    ).toBe(false);
    expect(
      nestedInBlocks(
        cells('block')
          .slice(1)
          .map((r) => r[0]),
        cells('block')
          .slice(1)
          .map((r) => r[4]),
      ),
    ).toBe(true);
    const h = heterogeneityRow(mixed, 'absence_days', plan, contrast, 'grade_band');
    expect(h.note ?? '').not.toMatch(/^not tested/);
  });

  it('is what pilot estimate --test gives on the same table', () => {
    const table = cells('g');
    const read = csvToColumns(
      table,
      {
        outcome: 'absence_days',
        treatment: 'treatment',
        blocks: 'block',
        clusters: 'cluster',
        covariates: ['prior_year_absence_rate', 'grade_band'],
      },
      't.csv',
    );
    if (!read.ok) throw new Error('unreadable');
    const run = runEstimate(read.columns, {
      method: 'lin',
      seType: 'CR2',
      alpha: 0.05,
      names: { treatment: 'treatment', blocks: 'block' },
      missingCovariates: 'impute',
      test: 'treatment:grade_band',
    });
    if (!run.ok) throw new Error(run.message);
    const h = heterogeneityRow(table, 'absence_days', plan, contrast, 'grade_band');
    expect(h.statistic).toBe(run.jointTest!.statistic);
    expect(h.p_value).toBe(run.jointTest!.pValue);
    expect([h.df, h.df_denominator]).toEqual([run.jointTest!.numDf, run.jointTest!.denDf]);
  });

  it('reads a subgroup coded in numbers as categorical (same test as with letters)', () => {
    const letters = heterogeneityRow(cells('g'), 'absence_days', plan, contrast, 'grade_band');
    const numbers = heterogeneityRow(cells('g', true), 'absence_days', plan, contrast, 'grade_band');
    expect(numbers.levels).toEqual(['1', '2', '3']);
    close(numbers.statistic, letters.statistic!);
  });

  it('keeps the text of levels written in digits (district LEAIDs keep their leading zeros)', () => {
    const letters = heterogeneityRow(cells('g'), 'absence_days', plan, contrast, 'grade_band');
    const leaid = { a: '0862667', b: '0100002', c: '3824240' } as Record<string, string>;
    const table = cells('g').map((r, i) => (i === 0 ? r : [...r.slice(0, 4), leaid[r[4]], r[5]]));
    const h = heterogeneityRow(table, 'absence_days', plan, contrast, 'grade_band');
    expect(h.levels).toEqual(['0100002', '0862667', '3824240']);
    // the same levels under other names: the same joint test (the reference level differs)
    close(h.statistic, letters.statistic!);
    close(h.p_value, letters.p_value!);
    expect([h.df, h.df_denominator]).toEqual([letters.df, letters.df_denominator]);
  });

  it('declines a subgroup with one level, naming why', () => {
    const one = cells('g').map((r, i) => (i === 0 ? r : [...r.slice(0, 4), 'a', r[5]]));
    const h = heterogeneityRow(one, 'absence_days', plan, contrast, 'grade_band');
    expect(h.statistic).toBeNull();
    expect(h.note).toMatch(/single level/);
  });
});
