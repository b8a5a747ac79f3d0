import { describe, expect, it } from '@jest/globals';
import { attrition, wwcDifferentialBoundary } from '../../../analysis/attrition.ts';
import {
  WWC_CAUTIOUS_BOUNDARY,
  WWC_OPTIMISTIC_BOUNDARY,
} from '../../../analysis/wwc-attrition-boundaries.ts';

describe('attrition rates', () => {
  it('computes overall, per-arm and differential attrition', () => {
    const r = attrition({
      randomizedTreatment: 500,
      analyzedTreatment: 450,
      randomizedControl: 500,
      analyzedControl: 470,
    });
    expect(r.treatment).toBeCloseTo(0.1, 14);
    expect(r.control).toBeCloseTo(0.06, 14);
    expect(r.overall).toBeCloseTo(0.08, 14);
    expect(r.differential).toBeCloseTo(0.04, 14);
    expect(r.wwc.cautious).toEqual({ rating: 'low', boundary: 0.063 });
    expect(r.wwc.optimistic).toEqual({ rating: 'low', boundary: 0.109 });
  });

  it('rates low under the optimistic boundary only when the differential lies between the two', () => {
    // overall 20 %, differential 8 points: cautious boundary 5.4, optimistic 10.2
    const r = attrition({
      randomizedTreatment: 1000,
      analyzedTreatment: 760,
      randomizedControl: 1000,
      analyzedControl: 840,
    });
    expect(r.overall).toBeCloseTo(0.2, 14);
    expect(r.differential).toBeCloseTo(0.08, 14);
    expect(r.wwc.cautious).toEqual({ rating: 'high', boundary: 0.054 });
    expect(r.wwc.optimistic).toEqual({ rating: 'low', boundary: 0.102 });
  });

  it('counts a differential exactly at the boundary as low', () => {
    // overall 10 %, differential exactly 6.3 points (13.15 % vs 6.85 %)
    const r = attrition({
      randomizedTreatment: 2000,
      analyzedTreatment: 1737,
      randomizedControl: 2000,
      analyzedControl: 1863,
    });
    expect(r.overall).toBeCloseTo(0.1, 14);
    expect(r.differential).toBeCloseTo(0.063, 14);
    expect(r.wwc.cautious.rating).toBe('low');
  });

  it('reports overall attrition above the encoded table as beyond it', () => {
    const r = attrition({
      randomizedTreatment: 100,
      analyzedTreatment: 40,
      randomizedControl: 100,
      analyzedControl: 40,
    });
    expect(r.overall).toBeCloseTo(0.6, 14);
    expect(r.wwc.cautious).toEqual({ rating: 'beyond_table', boundary: null });
  });

  it('refuses impossible counts', () => {
    expect(() =>
      attrition({ randomizedTreatment: 0, analyzedTreatment: 0, randomizedControl: 5, analyzedControl: 5 }),
    ).toThrow(/at least one/);
    expect(() =>
      attrition({ randomizedTreatment: 5, analyzedTreatment: 6, randomizedControl: 5, analyzedControl: 5 }),
    ).toThrow(/more units/);
    expect(() =>
      attrition({ randomizedTreatment: 5.5, analyzedTreatment: 1, randomizedControl: 5, analyzedControl: 5 }),
    ).toThrow(/integer/);
  });
});

describe('WWC boundary table', () => {
  it('has 58 rows per boundary, optimistic above cautious, cautious reaching 0 at 57 %', () => {
    expect(WWC_CAUTIOUS_BOUNDARY).toHaveLength(58);
    expect(WWC_OPTIMISTIC_BOUNDARY).toHaveLength(58);
    WWC_CAUTIOUS_BOUNDARY.forEach((c, i) => expect(WWC_OPTIMISTIC_BOUNDARY[i]).toBeGreaterThan(c));
    expect(WWC_CAUTIOUS_BOUNDARY[57]).toBe(0);
    // both decline monotonically once overall attrition passes their peak
    for (let i = 11; i < 58; i++)
      expect(WWC_CAUTIOUS_BOUNDARY[i]).toBeLessThanOrEqual(WWC_CAUTIOUS_BOUNDARY[i - 1]);
    for (let i = 14; i < 58; i++)
      expect(WWC_OPTIMISTIC_BOUNDARY[i]).toBeLessThanOrEqual(WWC_OPTIMISTIC_BOUNDARY[i - 1]);
  });

  it('takes the smaller neighbouring row between whole percents', () => {
    expect(wwcDifferentialBoundary(0.3, 'optimistic')).toBeCloseTo(0.084, 14);
    expect(wwcDifferentialBoundary(0.305, 'optimistic')).toBeCloseTo(0.082, 14);
    expect(wwcDifferentialBoundary(0.035, 'cautious')).toBeCloseTo(0.059, 14); // rows 3 (5.9) and 4 (6.0)
    expect(wwcDifferentialBoundary(0.571, 'cautious')).toBeNull();
    expect(() => wwcDifferentialBoundary(1.2, 'cautious')).toThrow(RangeError);
  });
});
