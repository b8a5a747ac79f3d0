/**
 * Joint Wald tests against tests/fixtures/estimators/hypotheses.json (estimatr 1.0.0's fits and
 * model F statistic, car::linearHypothesis), issue 10 item 13.
 */
import { describe, expect, it } from '@jest/globals';
import { selectTerms, waldTest } from '../../../analysis/linear-hypothesis.ts';
import { loadGolden, relativeError, runCase } from './golden-fixtures.ts';

interface Wald {
  terms: string[];
  statistic: number;
  num_df: number;
  den_df: number;
  p_value: number;
  estimatr_fstatistic?: { value: number; numdf: number; dendf: number };
}

const file = loadGolden('hypotheses.json');

describe('waldTest against estimatr 1.0.0 and car', () => {
  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const out = runCase(file, c);
    if (!out.ok) throw new Error(out.refusal.message);
    const { terms, covariance } = out.result;
    const names = terms.map((t) => t.term);
    const spec = (c.args as { test: string }).test;
    const chosen = spec === 'all' ? names.filter((n) => n !== '(Intercept)') : selectTerms(names, spec);
    const expected = (c as unknown as { wald: Wald }).wald;
    expect([...chosen].sort()).toEqual([...expected.terms].sort());
    const test = waldTest(
      names,
      terms.map((t) => t.estimate),
      covariance!.vcov,
      covariance!.denDf,
      chosen,
    );
    if (!test.ok) throw new Error(test.message);
    expect(relativeError(test.test.statistic, expected.statistic)).toBeLessThan(1e-8);
    expect(test.test.numDf).toBe(expected.num_df);
    expect(test.test.denDf).toBe(expected.den_df);
    expect(relativeError(test.test.pValue, expected.p_value)).toBeLessThan(1e-8);
    if (expected.estimatr_fstatistic)
      expect(relativeError(test.test.statistic, expected.estimatr_fstatistic.value)).toBeLessThan(1e-8);
  });

  it('selects by exact name first, else by prefix, without repeats', () => {
    const names = ['(Intercept)', 'z', 'z_c', 'z:gA_c', 'z:gB_c'];
    expect(selectTerms(names, 'z')).toEqual(['z']);
    expect(selectTerms(names, 'z:g, z:gA_c')).toEqual(['z:gA_c', 'z:gB_c']);
    expect(selectTerms(names, 'w')).toEqual([]);
  });

  it('refuses an empty or singular hypothesis with a message', () => {
    const vcov = Float64Array.of(1, 1, 1, 1);
    expect(waldTest(['a', 'b'], [1, 2], vcov, 10, [])).toEqual({
      ok: false,
      message: 'the hypothesis names no coefficient of the model',
    });
    const singular = waldTest(['a', 'b'], [1, 2], vcov, 10, ['a', 'b']);
    expect(singular.ok).toBe(false);
  });
});
