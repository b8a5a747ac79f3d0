import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { sampleRatioCheck } from '../../../analysis/sample-ratio.ts';

interface SrmCase {
  name: string;
  observed: number[];
  weights: number[];
  chi_square: number;
  df: number;
  p_value: number;
  flagged: boolean;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/design/sample-ratio.json', import.meta.url), 'utf8'),
) as {
  cases: SrmCase[];
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('sampleRatioCheck (golden from R chisq.test)', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = sampleRatioCheck(c.observed, c.weights);
    expect(rel(r.chiSquare, c.chi_square)).toBeLessThan(1e-10);
    expect(r.df).toBe(c.df);
    expect(rel(r.pValue, c.p_value)).toBeLessThan(1e-8);
    expect(r.flagged).toBe(c.flagged);
  });

  it('reproduces METHODS.md §6 case 8', () => {
    const two = sampleRatioCheck([5200, 4800], [0.5, 0.5]);
    expect(two.chiSquare).toBeCloseTo(16, 12);
    expect(rel(two.pValue, 6.3342484e-5)).toBeLessThan(1e-7);
    expect(two.flagged).toBe(true);
    const three = sampleRatioCheck([980, 1020, 1100], [1, 1, 1]);
    expect(rel(three.chiSquare, 7.2258065)).toBeLessThan(1e-7);
    expect(rel(three.pValue, 0.026973423)).toBeLessThan(1e-7);
    expect(three.flagged).toBe(false);
  });

  it('uses the threshold given and reports expected counts from normalised weights', () => {
    const r = sampleRatioCheck([980, 1020, 1100], [2, 2, 2], 0.05);
    r.expected.forEach((e) => expect(e).toBeCloseTo(3100 / 3, 10));
    const uneven = sampleRatioCheck([600, 400], [3, 2]);
    expect(uneven.expected).toEqual([600, 400]);
    expect(uneven.chiSquare).toBe(0);
    expect(uneven.pValue).toBe(1);
    expect(r.flagged).toBe(true);
  });

  it('refuses caller mistakes', () => {
    expect(() => sampleRatioCheck([10], [1])).toThrow(/two arms/);
    expect(() => sampleRatioCheck([10, 5], [1])).toThrow(/length/);
    expect(() => sampleRatioCheck([10, -5], [1, 1])).toThrow(/non-negative/);
    expect(() => sampleRatioCheck([10, 5], [1, 0])).toThrow(/positive/);
    expect(() => sampleRatioCheck([0, 0], [1, 1])).toThrow(/no units/);
  });
});
