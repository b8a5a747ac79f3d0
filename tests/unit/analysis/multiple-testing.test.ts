import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { adjustPValues, benjaminiHochberg, bonferroni, holm } from '../../../analysis/multiple-testing.ts';

interface PAdjustCase {
  name: string;
  p: (number | null)[];
  holm: (number | null)[];
  BH: (number | null)[];
  bonferroni: (number | null)[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/design/p-adjust.json', import.meta.url), 'utf8'),
) as {
  cases: PAdjustCase[];
};
const nan = (xs: (number | null)[]) => xs.map((x) => (x === null ? NaN : x));

function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    if (Number.isNaN(expected[i])) expect(a).toBeNaN();
    else expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[i])));
  });
}

describe('p.adjust equivalents (golden from R)', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    '%s matches R holm, BH and bonferroni',
    (_name, c) => {
      const p = nan(c.p);
      expectClose(holm(p), nan(c.holm));
      expectClose(benjaminiHochberg(p), nan(c.BH));
      expectClose(bonferroni(p), nan(c.bonferroni));
    },
  );

  it('reproduces METHODS.md §6 case 9 as published', () => {
    const p = [0.01, 0.04, 0.03, 0.005, 0.2];
    expectClose(adjustPValues(p, 'holm'), [0.04, 0.09, 0.09, 0.025, 0.2]);
    expectClose(adjustPValues(p, 'BH'), [0.025, 0.05, 0.05, 0.025, 0.2]);
    expectClose(adjustPValues(p, 'fdr'), [0.025, 0.05, 0.05, 0.025, 0.2]);
    expectClose(adjustPValues(p, 'bonferroni'), [0.05, 0.2, 0.15, 0.025, 1]);
  });
});

describe('properties', () => {
  it('never lowers a p-value and keeps the order of the raw p-values', () => {
    const p = [0.3, 0.001, 0.04, 0.04, 0.7, 0.012, 0.5];
    for (const method of ['holm', 'BH', 'bonferroni'] as const) {
      const adj = adjustPValues(p, method);
      adj.forEach((a, i) => expect(a).toBeGreaterThanOrEqual(p[i]));
      for (let i = 0; i < p.length; i++)
        for (let j = 0; j < p.length; j++) if (p[i] < p[j]) expect(adj[i]).toBeLessThanOrEqual(adj[j]);
    }
  });

  it('orders Bonferroni ≥ Holm ≥ BH', () => {
    const p = [0.002, 0.01, 0.02, 0.03, 0.2];
    const [bo, ho, bh] = [bonferroni(p), holm(p), benjaminiHochberg(p)];
    p.forEach((_, i) => {
      expect(bo[i]).toBeGreaterThanOrEqual(ho[i]);
      expect(ho[i]).toBeGreaterThanOrEqual(bh[i]);
    });
  });

  it('handles empty input and refuses p-values outside [0, 1] or unknown methods', () => {
    expect(holm([])).toEqual([]);
    expect(() => holm([0.5, 1.2])).toThrow(RangeError);
    expect(() => benjaminiHochberg([-0.1])).toThrow(RangeError);
    expect(() => adjustPValues([0.1], 'sidak' as never)).toThrow(/unknown/);
  });
});
