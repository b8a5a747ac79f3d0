import { describe, expect, it } from '@jest/globals';
import { lmLin, lmLinDense } from '../../../analysis/lm-lin.ts';
import { loadGolden, numeric } from './golden-fixtures.ts';
import type { EstimateOutcome, EstimateResult } from '../../../analysis/types.ts';

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

// Households of one to a few students under Lin with block indicators: most clusters have fewer rows
// than coefficients, so CR2 runs in its n_h-dimensional form (cr2-variance.ts SmallCluster).
describe('CR2 degrees of freedom for the effect only (reports)', () => {
  const file = loadGolden('households.json');
  const input = {
    outcome: numeric(file, 'y'),
    treatment: numeric(file, 'z'),
    treatmentName: 'z',
    covariates: [
      { name: 'prior', values: numeric(file, 'prior') },
      { name: 'block', kind: 'factor' as const, values: file.data.block as string[] },
    ],
    clusters: file.data.hh as number[],
    seType: 'CR2' as const,
  };

  it('dense: gives the effect row exactly as the full computation, and NaN df for the other terms', () => {
    const full = ok(lmLinDense(input));
    const effect = ok(lmLinDense({ ...input, effectDfOnly: true }));
    expect(effect.terms.map((t) => t.term)).toEqual(full.terms.map((t) => t.term));
    const z = effect.terms.find((t) => t.term === 'z')!;
    const zFull = full.terms.find((t) => t.term === 'z')!;
    expect(z).toEqual(zFull);
    for (const t of effect.terms.filter((x) => x.term !== 'z')) {
      expect(Number.isNaN(t.df)).toBe(true);
      const f = full.terms.find((x) => x.term === t.term)!;
      if (Number.isFinite(f.estimate)) {
        expect(t.estimate).toBe(f.estimate);
        expect(t.stdError).toBe(f.stdError);
      }
    }
    expect(effect.covariance!.vcov).toEqual(full.covariance!.vcov);
  });

  // Every block has both arms, so lmLin takes the blocked cell form (lin-blocked.ts) for the effect.
  it('blocked fast path: the effect row is the one the full fit reports, every coefficient as the dense fit, no other inference', () => {
    const dense = ok(lmLinDense(input));
    const full = ok(lmLin(input));
    const effect = ok(lmLin({ ...input, effectDfOnly: true }));
    expect(effect.terms.map((t) => t.term)).toEqual(dense.terms.map((t) => t.term));
    // the full fit (every term, dense) reports the cell form's effect row, so reports and pilot estimate agree
    expect(effect.terms.find((t) => t.term === 'z')).toEqual(full.terms.find((t) => t.term === 'z'));
    const z = effect.terms.find((t) => t.term === 'z')!;
    const zDense = dense.terms.find((t) => t.term === 'z')!;
    for (const key of ['estimate', 'stdError', 'df', 'pValue', 'confLow', 'confHigh'] as const)
      expect(Math.abs(z[key] - zDense[key])).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(zDense[key])));
    for (const t of effect.terms.filter((x) => x.term !== 'z')) {
      const d = dense.terms.find((x) => x.term === t.term)!;
      expect(Math.abs(t.estimate - d.estimate)).toBeLessThanOrEqual(
        1e-10 * Math.max(1, Math.abs(d.estimate)),
      );
      expect(Number.isNaN(t.stdError)).toBe(true);
      expect(Number.isNaN(t.df)).toBe(true);
    }
    expect(effect.covariance).toBeUndefined();
    expect(effect.warnings.map((w) => w.code)).toEqual(
      ok(lmLinDense({ ...input, effectDfOnly: true })).warnings.map((w) => w.code),
    );
  });

  it('the n_h-dimensional form agrees with estimatr: df of every term finite and positive', () => {
    const full = ok(lmLinDense(input));
    for (const t of full.terms.filter((x) => Number.isFinite(x.estimate))) expect(t.df).toBeGreaterThan(0);
  });
});
