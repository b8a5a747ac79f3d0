import { describe, expect, it } from '@jest/globals';
import { lmLin } from '../../../analysis/lm-lin.ts';
import { meanImpute } from '../../../analysis/covariate-imputation.ts';
import { factorDummies } from '../../../analysis/factor-dummies.ts';
import { loadGolden, numeric, relativeError, runCase } from './golden-fixtures.ts';
import type { EstimateOutcome, EstimateResult } from '../../../analysis/types.ts';

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

describe('lmLin', () => {
  it('names terms as estimatr does and reports design Lin', () => {
    const file = loadGolden('mtcars.json');
    const r = ok(
      runCase(
        file,
        file.cases.find((c) => c.name === 'lin-am-wt-hc2')!,
      ),
    );
    expect(r.terms.map((t) => t.term)).toEqual(['(Intercept)', 'am', 'wt_c', 'am:wt_c']);
    expect(r.design).toBe('Lin');
    expect(r.warnings).toEqual([]);
  });

  it('mean-imputes missing covariate values, adds an indicator and reports it: the fit R gave on prior_imputed + prior_missing', () => {
    const file = loadGolden('households.json');
    const c = file.cases.find((x) => x.name === 'lin-imputed-cr2')!;
    const out = lmLin({
      outcome: numeric(file, 'y'),
      treatment: numeric(file, 'z'),
      treatmentName: 'z',
      covariates: [
        { name: 'prior', values: numeric(file, 'prior') },
        { name: 'block', kind: 'factor', values: file.data.block as string[] },
      ],
      clusters: file.data.hh as number[],
      seType: 'CR2',
    });
    const r = ok(out);
    const missing = numeric(file, 'prior').filter((v) => Number.isNaN(v)).length;
    expect(missing).toBeGreaterThan(0);
    expect(r.warnings[0].code).toBe('covariate-mean-imputed');
    expect(r.warnings[0].details).toEqual({ covariates: [{ name: 'prior', missing }] });
    expect(r.warnings[0].message).toContain(`prior: ${missing} of ${r.n}`);
    expect(r.terms.map((t) => t.term).slice(0, 4)).toEqual([
      '(Intercept)',
      'z',
      'prior_c',
      'prior_missing_c',
    ]);
    // R was given the imputed column as prior_imputed: same numbers, R's name for it
    for (const e of c.expected.terms) {
      const t = r.terms.find((x) => x.term === e.term.replace('prior_imputed', 'prior'))!;
      expect(relativeError(t.estimate, e.estimate)).toBeLessThan(1e-8);
      expect(relativeError(t.stdError, e.std_error)).toBeLessThan(1e-8);
      expect(relativeError(t.df, e.df)).toBeLessThan(1e-8);
    }
  });

  it('meanImpute keeps the observed mean and flags the imputed rows', () => {
    const out = meanImpute('x', [1, Number.NaN, 3]);
    expect(out.missing).toBe(1);
    expect(Array.from(out.columns[0].values)).toEqual([1, 2, 3]);
    expect(out.columns[1]).toEqual({ name: 'x_missing', values: Float64Array.of(0, 1, 0) });
    expect(meanImpute('x', [1, 2]).columns).toHaveLength(1);
  });

  it('factor dummies use sorted levels with the first as reference', () => {
    const d = factorDummies('b', ['B2', 'B1', 'B3', 'B2']);
    expect(d.map((x) => x.name)).toEqual(['bB2', 'bB3']);
    expect(Array.from(d[0].values)).toEqual([1, 0, 0, 1]);
  });

  it('drops a covariate collinear with another as estimatr does (its pivoting QR keeps the larger), and throws without covariates', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    const y = x.map((v) => v * v + (v % 3));
    const z = [0, 1, 0, 1, 0, 1, 0, 1];
    const out = ok(
      lmLin({
        outcome: y,
        treatment: z,
        covariates: [
          { name: 'x', values: x },
          { name: 'x2', values: x.map((v) => 2 * v + 1) },
        ],
        seType: 'HC1',
      }),
    );
    const alone = ok(
      lmLin({
        outcome: y,
        treatment: z,
        covariates: [{ name: 'x2', values: x.map((v) => 2 * v + 1) }],
        seType: 'HC1',
      }),
    );
    expect(out.warnings[0]).toMatchObject({
      code: 'collinear-dropped',
      details: { terms: ['x_c', 'treatment:x_c'] },
    });
    for (const t of alone.terms) {
      const same = out.terms.find((u) => u.term === t.term)!;
      expect(relativeError(same.estimate, t.estimate)).toBeLessThan(1e-10);
      expect(relativeError(same.stdError, t.stdError)).toBeLessThan(1e-10);
    }
    expect(Number.isNaN(out.terms.find((t) => t.term === 'x_c')!.estimate)).toBe(true);
    expect(() => lmLin({ outcome: x, treatment: [0, 1, 0, 1, 0, 1, 0, 1], covariates: [] })).toThrow(
      /at least one covariate/,
    );
  });
});
