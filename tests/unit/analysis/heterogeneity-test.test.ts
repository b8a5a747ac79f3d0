import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { heterogeneityTest } from '../../../analysis/heterogeneity-test.ts';

const golden = JSON.parse(
  readFileSync(new URL('../../fixtures/report/heterogeneity.json', import.meta.url), 'utf8'),
) as Record<'by_g' | 'by_block', { statistic: number; df: number; p_value: number }>;

/** The data of tests/fixtures/report/make-heterogeneity.R, rebuilt from its formulas. */
function data() {
  const n = 120;
  const rows = Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const block = 1 + (i % 4);
    const hh = Math.ceil(i / 2);
    const z = Math.floor(hh / 2) % 2;
    const g = ['a', 'b', 'c'][1 + (hh % 3) - 1];
    const x = i % 11 === 0 ? NaN : ((i * 7) % 13) / 13;
    const y =
      (5 * (i % 17)) / 3 + // R: 5 * i %% 17 is 5 * (i %% 17)
      z * (1 + (g === 'b' ? 0.8 : 0) - (g === 'c' ? 0.4 : 0)) +
      2 * (Number.isNaN(x) ? 0.5 : x) +
      block * 0.3;
    return { block: String(block), hh: String(hh), z, g, x, y };
  });
  return rows;
}

const close = (a: number, b: number) => expect(Math.abs(a - b) / Math.abs(b)).toBeLessThan(1e-8);

describe('joint heterogeneity test (clubSandwich Wald_test, CR2, chi-square)', () => {
  const rows = data();
  const base = {
    outcome: rows.map((r) => r.y),
    treatment: rows.map((r) => r.z),
    blocks: rows.map((r) => r.block),
    clusters: rows.map((r) => r.hh),
    covariates: [{ name: 'x', values: rows.map((r) => r.x) }],
  };

  it('matches R for a subgroup that varies within blocks', () => {
    const t = heterogeneityTest({ ...base, levels: rows.map((r) => r.g) });
    if (!t.ok) throw new Error(t.reason);
    expect(t.df).toBe(golden.by_g.df);
    close(t.statistic, golden.by_g.statistic);
    close(t.pValue, golden.by_g.p_value);
  });

  it('matches R for a subgroup nested in the blocks (main effects absorbed)', () => {
    const t = heterogeneityTest({ ...base, levels: rows.map((r) => r.block) });
    if (!t.ok) throw new Error(t.reason);
    expect(t.df).toBe(golden.by_block.df);
    close(t.statistic, golden.by_block.statistic);
    close(t.pValue, golden.by_block.p_value);
  });

  it('declines a subgroup with one level', () => {
    const t = heterogeneityTest({ ...base, levels: rows.map(() => 'all') });
    expect(t.ok).toBe(false);
  });
});
