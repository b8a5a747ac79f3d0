import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { balanceTable, standardizedMeanDifference, wwcBand } from '../../../analysis/balance-table.ts';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/design/balance-mtcars.json', import.meta.url), 'utf8'),
) as {
  treatment: number[];
  covariates: { name: string; values: number[]; smd: number }[];
  categorical: { name: string; values: string[]; levels: string[]; smd: number[] };
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const smdOf = (r: ReturnType<typeof standardizedMeanDifference>) => {
  if (r.kind !== 'ok') throw new Error(`expected an SMD, got ${r.reason}`);
  return r.smd;
};

describe('standardized mean differences (golden from R on mtcars, treatment = am)', () => {
  const table = balanceTable(fixture.treatment, [
    ...fixture.covariates.map((c) => ({ name: c.name, kind: 'numeric' as const, values: c.values })),
    { name: fixture.categorical.name, kind: 'categorical' as const, values: fixture.categorical.values },
  ]);

  it.each(fixture.covariates.map((c) => [c.name, c.smd] as const))('%s', (name, expected) => {
    const row = table.find((r) => r.covariate === name)!;
    expect(rel(smdOf(row.smd), expected)).toBeLessThan(1e-12);
    expect(row.nTreatment + row.nControl).toBe(32);
  });

  it('gives one indicator row per level of a categorical covariate', () => {
    const rows = table.filter((r) => r.covariate === 'cyl');
    expect(rows.map((r) => r.level)).toEqual(fixture.categorical.levels);
    rows.forEach((r, i) => expect(rel(smdOf(r.smd), fixture.categorical.smd[i])).toBeLessThan(1e-12));
    // the level shares of each arm sum to one
    expect(rows.reduce((a, r) => a + r.meanTreatment, 0)).toBeCloseTo(1, 12);
  });
});

describe('missing values and edge cases', () => {
  it('drops and counts missing values per arm', () => {
    const [row] = balanceTable(
      [1, 1, 1, 0, 0, 0],
      [{ name: 'x', kind: 'numeric', values: [1, NaN, 3, 2, 4, NaN] }],
    );
    expect(row).toMatchObject({
      nTreatment: 2,
      nControl: 2,
      missingTreatment: 1,
      missingControl: 1,
      meanTreatment: 2,
      meanControl: 3,
    });
    // (2 − 3) / √((2 + 2)/2)
    expect(smdOf(row.smd)).toBeCloseTo(-1 / Math.SQRT2, 14);
    const cat = balanceTable(
      [1, 1, 0, 0],
      [{ name: 'g', kind: 'categorical', values: ['a', null, 'b', ''] }],
    );
    expect(cat.map((r) => r.level)).toEqual(['a', 'b']);
    expect(cat[0]).toMatchObject({ missingTreatment: 1, missingControl: 1, nTreatment: 1, nControl: 1 });
    expect(cat[0].smd).toEqual({ kind: 'undefined', reason: 'too_few' });
  });

  it('reports constant covariates: zero when equal, undefined when they differ', () => {
    expect(standardizedMeanDifference([2, 2, 2], [2, 2])).toEqual({ kind: 'ok', smd: 0, band: 'satisfies' });
    expect(standardizedMeanDifference([1, 1], [2, 2])).toEqual({ kind: 'undefined', reason: 'no_variance' });
  });

  it('applies the WWC bands by absolute value', () => {
    expect(wwcBand(0.05)).toBe('satisfies');
    expect(wwcBand(-0.0500001)).toBe('requires_adjustment');
    expect(wwcBand(0.25)).toBe('requires_adjustment');
    expect(wwcBand(-0.26)).toBe('fails');
    expect(standardizedMeanDifference([2, 4, 6], [1, 3, 5])).toEqual({ kind: 'ok', smd: 0.5, band: 'fails' });
  });

  it('refuses a non-binary treatment or a covariate of the wrong length', () => {
    expect(() => balanceTable([1, 2], [])).toThrow(/0\/1/);
    expect(() => balanceTable([1, 0], [{ name: 'x', kind: 'numeric', values: [1] }])).toThrow(/expected 2/);
  });
});
