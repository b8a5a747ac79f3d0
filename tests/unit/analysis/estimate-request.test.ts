import { describe, expect, it } from '@jest/globals';
import { csvToColumns } from '../../../analysis/csv-columns.ts';
import { defaultMethod, numericColumns, runEstimate } from '../../../analysis/estimate-request.ts';

describe('estimate requests', () => {
  it('chooses IV with a receipt column, Lin with covariates, else the difference in means', () => {
    expect(defaultMethod({ covariates: 0, received: false })).toBe('dim');
    expect(defaultMethod({ covariates: 2, received: false })).toBe('lin');
    expect(defaultMethod({ covariates: 2, received: true })).toBe('iv');
  });

  it('codes a categorical covariate as R does: one dummy per level after the first (sorted)', () => {
    const cols = numericColumns([
      { name: 'x', kind: 'numeric', values: Float64Array.of(1, 2, 3) },
      { name: 'band', kind: 'factor', values: ['K-5', '6-8', '9-12'] },
    ]);
    expect(cols.map((c) => c.name)).toEqual(['x', 'band9-12', 'bandK-5']);
    expect(Array.from(cols[1].values)).toEqual([0, 0, 1]);
    expect(Array.from(cols[2].values)).toEqual([1, 0, 0]);
  });

  it('refuses option combinations that do not fit the method', () => {
    const read = csvToColumns(
      [
        ['y', 'z', 'd', 'b'],
        ['1', '1', '1', 'a'],
        ['2', '0', '0', 'a'],
        ['3', '1', '1', 'b'],
        ['4', '0', '1', 'b'],
      ],
      { outcome: 'y', treatment: 'z', received: 'd', blocks: 'b', covariates: [] },
      'f.csv',
    );
    if (!read.ok) throw new Error('expected columns');
    const names = { treatment: 'z', received: 'd', blocks: 'b' };
    expect(runEstimate(read.columns, { method: 'dim', alpha: 0.05, names })).toEqual({
      ok: false,
      message: '`received` is used only with `method` iv',
    });
    const noReceipt = { ...read.columns, received: null };
    expect(runEstimate(noReceipt, { method: 'ols', alpha: 0.05, names })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/`fixedEffects` or a covariate/),
    });
    expect(runEstimate(noReceipt, { method: 'dim', alpha: 0.05, names, seType: 'HC2' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/drop `seType`/),
    });
    expect(
      runEstimate(
        { ...read.columns, blocks: null },
        { method: 'iv', alpha: 0.05, names, ri: { sims: 10, seed: 's' } },
      ),
    ).toMatchObject({
      ok: false,
      message: expect.stringMatching(/intention-to-treat/),
    });
  });
});
