/**
 * Callaway–Sant'Anna on did's own mpdta data (tests/fixtures/event-study/mpdta/mpdta.csv, copied
 * from bcallaway11/did data/mpdta.rda) against the numbers did prints in its README and vignettes
 * (4 decimals; the point estimates and the analytic Wald pre-test do not depend on the bootstrap).
 */
import { describe, expect, test } from '@jest/globals';
import {
  callawaySantAnna,
  type CsOptions,
  type CsResult,
} from '../../../../analysis/event-study/callaway-santanna.ts';
import { readCsvPanel } from './fixture-panels.ts';

const MPDTA = new URL('../../../fixtures/event-study/mpdta/mpdta.csv', import.meta.url);
const spec = { id: 'countyreal', time: 'year', cohort: 'first.treat', outcome: 'lemp' };

function fit(options: CsOptions, covariates: string[] = []): CsResult {
  const out = callawaySantAnna(readCsvPanel(MPDTA, { ...spec, covariates }), options);
  if (!out.ok) throw new Error(out.refusal.message);
  return out.result;
}

const att = (r: CsResult, g: number, t: number) =>
  r.attGt.find((c) => c.group === g && c.time === t)!.estimate;

// did README: att_gt(yname = "lemp", gname = "first.treat", idname = "countyreal", tname = "year", xformla = ~1, data = mpdta)
const UNCONDITIONAL: [number, number, number][] = [
  [2004, 2004, -0.0105],
  [2004, 2005, -0.0704],
  [2004, 2006, -0.1373],
  [2004, 2007, -0.1008],
  [2006, 2004, 0.0065],
  [2006, 2005, -0.0028],
  [2006, 2006, -0.0046],
  [2006, 2007, -0.0412],
  [2007, 2004, 0.0305],
  [2007, 2005, -0.0027],
  [2007, 2006, -0.0311],
  [2007, 2007, -0.0261],
];
// did README "Using covariates": att_gt(..., xformla = ~lpop, data = mpdta) (est_method "dr")
const WITH_LPOP: [number, number, number][] = [
  [2004, 2004, -0.0145],
  [2004, 2005, -0.0764],
  [2004, 2006, -0.1404],
  [2004, 2007, -0.1069],
  [2006, 2004, -0.0005],
  [2006, 2005, -0.0062],
  [2006, 2006, 0.001],
  [2006, 2007, -0.0413],
  [2007, 2004, 0.0267],
  [2007, 2005, -0.0046],
  [2007, 2006, -0.0284],
  [2007, 2007, -0.0288],
];

describe("mpdta: did's published numbers", () => {
  const r = fit({});

  test('ATT(g,t), never-treated controls, varying base period', () => {
    expect(r.nUnits).toBe(500);
    expect(r.attGt).toHaveLength(12);
    for (const [g, t, v] of UNCONDITIONAL) expect(Math.abs(att(r, g, t) - v)).toBeLessThanOrEqual(5e-5);
  });

  test("pre-test p-value 0.16812 (did's Wald test on the analytic covariance)", () => {
    expect(r.pretrend!.df1).toBe(5);
    expect(Number(r.pretrend!.pValue.toFixed(5))).toBe(0.16812);
  });

  test('dynamic aggregation and its overall effect', () => {
    const expected = [
      [-3, 0.0305],
      [-2, -0.0006],
      [-1, -0.0245],
      [0, -0.0199],
      [1, -0.051],
      [2, -0.1373],
      [3, -0.1008],
    ];
    expect(r.terms.map((t) => t.eventTime)).toEqual(expected.map(([e]) => e));
    r.terms.forEach((t, k) => expect(Math.abs(t.estimate - expected[k][1])).toBeLessThanOrEqual(5e-5));
    expect(Math.abs(r.overall.estimate - -0.0772)).toBeLessThanOrEqual(5e-5);
  });

  test('dynamic aggregation with balance_e = 1', () => {
    const b = fit({ balanceE: 1 });
    const expected = [
      [-2, 0.0065],
      [-1, -0.0028],
      [0, -0.0066],
      [1, -0.051],
    ];
    expect(b.terms.map((t) => t.eventTime)).toEqual(expected.map(([e]) => e));
    b.terms.forEach((t, k) => expect(Math.abs(t.estimate - expected[k][1])).toBeLessThanOrEqual(5e-5));
    expect(Math.abs(b.overall.estimate - -0.0288)).toBeLessThanOrEqual(5e-5);
  });

  test('doubly robust ATT(g,t) with the covariate lpop', () => {
    const x = fit({ estMethod: 'dr' }, ['lpop']);
    expect(x.estMethod).toBe('dr');
    for (const [g, t, v] of WITH_LPOP) expect(Math.abs(att(x, g, t) - v)).toBeLessThanOrEqual(5e-5);
  });

  test('post-treatment ATT(g,t) are the same under the universal and the varying base period', () => {
    for (const control of ['never', 'notyet'] as const) {
      const v = fit({ control, basePeriod: 'varying' });
      const u = fit({ control, basePeriod: 'universal' });
      for (const cell of v.attGt.filter((c) => c.time >= c.group)) {
        const other = u.attGt.find((c) => c.group === cell.group && c.time === cell.time)!;
        expect(other.estimate).toBeCloseTo(cell.estimate, 12);
        expect(other.stdError).toBeCloseTo(cell.stdError!, 12);
      }
      // universal: the reference cell g − 1 is 0 with no standard error
      const ref = u.attGt.find((c) => c.group === 2006 && c.time === 2005)!;
      expect(ref.estimate).toBe(0);
      expect(ref.stdError).toBeNull();
    }
  });

  test("bootstrap SEs and uniform critical values agree with did's published bootstrap ones", () => {
    // did README (bstrap = TRUE, biters = 1000, its own Monte Carlo error ≈ 4%): SEs of ATT(g,t) in
    // the order of UNCONDITIONAL, and the simultaneous band of ATT(2004,2004): −0.0753 … 0.0543
    const published = [
      0.0243, 0.0331, 0.0412, 0.0358, 0.023, 0.021, 0.0175, 0.0196, 0.0147, 0.0156, 0.0179, 0.0175,
    ];
    const b = fit({ bootstrap: { draws: 10000, seed: 'mpdta' } });
    UNCONDITIONAL.forEach(([g, t], k) => {
      const se = b.attGt.find((c) => c.group === g && c.time === t)!.stdError!;
      expect(Math.abs(se / published[k] - 1)).toBeLessThan(0.12);
    });
    const didCritical = (0.0543 - -0.0105) / 0.0243;
    expect(Math.abs(b.bootstrap!.criticalValue / didCritical - 1)).toBeLessThan(0.08);
    // aggte dynamic: e = −3 band 0.0305 ± c·0.0157 with upper end 0.0694
    const didDynamicCritical = (0.0694 - 0.0305) / 0.0157;
    expect(Math.abs(b.aggregation.criticalValue / didDynamicCritical - 1)).toBeLessThan(0.08);
  });
});
