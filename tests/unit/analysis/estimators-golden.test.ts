/**
 * Every case of tests/fixtures/estimators/*.json: every number Pilot reports (estimate, standard
 * error, statistic, df, p-value, interval ends) agrees with what estimatr 1.0.0 printed to 1e-8
 * relative to its own size, however small (no absolute floor), and terms are matched by name: Pilot
 * reports exactly R's term names, in any order.
 */
import { describe, expect, it } from '@jest/globals';
import { loadGolden, relativeError, runCase, type GoldenCase, type GoldenFile } from './golden-fixtures.ts';

const TOLERANCE = 1e-8;
const FILES = [
  'mtcars.json',
  'sleep.json',
  'formula-clusters.json',
  'alo-star-men.json',
  'noncompliance.json',
  'households.json',
  'blocks.json',
  'weights.json',
  'hypotheses.json',
  'small-blocks.json',
  'fixed-effects.json',
];

function cases(): [string, string, GoldenFile, GoldenCase][] {
  return FILES.flatMap((f) => {
    const file = loadGolden(f);
    return file.cases.map((c) => [f, c.name, file, c] as [string, string, GoldenFile, GoldenCase]);
  });
}

function expectClose(actual: number, expected: number | null, what: string): void {
  // R's NA (a dropped collinear coefficient) is null in the JSON and NaN in Pilot
  if (expected === null) {
    if (!Number.isNaN(actual)) throw new Error(`${what}: got ${actual}, R printed NA`);
    return;
  }
  if (!(relativeError(actual, expected) <= TOLERANCE))
    throw new Error(
      `${what}: got ${actual}, R printed ${expected} (relative error ${relativeError(actual, expected).toExponential(2)})`,
    );
}

describe('golden fixtures from estimatr 1.0.0 (R 4.2.2)', () => {
  it('records its provenance', () => {
    for (const f of FILES) {
      const file = loadGolden(f);
      expect(file.provenance.estimatr).toBe('1.0.0');
      expect(file.provenance.clubSandwich).toBe('0.5.8');
      expect(file.provenance.script).toMatch(
        /make-(estimator|weights|hypotheses|small-blocks|fixed-effects)-fixtures\.R$/,
      );
    }
  });

  it.each(cases())('%s %s matches estimatr term by term', (_file, _name, file, c) => {
    const out = runCase(file, c);
    if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
    const { result } = out;
    expect(result.terms.map((t) => t.term).sort()).toEqual(c.expected.terms.map((e) => e.term).sort());
    for (const e of c.expected.terms) {
      const t = result.terms.find((r) => r.term === e.term)!;
      expectClose(t.estimate, e.estimate, `${e.term} estimate`);
      expectClose(t.stdError, e.std_error, `${e.term} std.error`);
      expectClose(t.df, e.df, `${e.term} df`);
      expectClose(t.statistic, e.statistic, `${e.term} statistic`);
      expectClose(t.pValue, e.p_value, `${e.term} p.value`);
      expectClose(t.confLow, e.conf_low, `${e.term} conf.low`);
      expectClose(t.confHigh, e.conf_high, `${e.term} conf.high`);
    }
    expect(result.n).toBe(c.expected.nobs);
    if (c.expected.design) expect(result.design).toBe(c.expected.design);
    // estimatr reports nclusters 0 for an unclustered blocked design; Pilot reports null
    if (c.expected.nclusters !== undefined) expect(result.nClusters ?? 0).toBe(c.expected.nclusters);
    if (c.expected.nblocks !== undefined) expect(result.nBlocks).toBe(c.expected.nblocks);
  });
});
