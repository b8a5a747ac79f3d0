import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  combinations,
  completeDesignFromData,
  countCompleteAssignments,
  enumerateCompleteAssignments,
  type CompleteDesign,
} from '../../../analysis/exact-assignments.ts';
import {
  differenceInMeansStatistic,
  randomizationInterval,
  randomizationTest,
  sampledAssignments,
} from '../../../analysis/randomization-inference.ts';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/design/ri-exact.json', import.meta.url), 'utf8'),
) as {
  outcome: number[];
  assignment: number[];
  estimate: number;
  assignments: number;
  p_two_sided: number;
  p_greater: number;
  p_less: number;
};

function designOf(
  treatment: number[],
  blocks?: (string | number)[],
  clusters?: (string | number)[],
): CompleteDesign {
  const r = completeDesignFromData(treatment, blocks, clusters);
  if (!r.ok) throw new Error(r.message);
  return r.design;
}

/** Independent enumeration by bitmask: every subset of size m of n units (no shared code with the module). */
function bitmaskAssignments(n: number, m: number): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let i = 0; i < n; i++) bits += (mask >> i) & 1;
    if (bits === m) out.push(Array.from({ length: n }, (_, i) => (mask >> i) & 1));
  }
  return out;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const dim = (y: number[], z: number[]) =>
  mean(y.filter((_, i) => z[i] === 1)) - mean(y.filter((_, i) => z[i] === 0));

describe('exact randomization inference, METHODS.md §6 case 10', () => {
  const y = fixture.outcome;
  const z = fixture.assignment;
  const design = designOf(z);

  it('enumerates all C(8,4) = 70 assignments, each distinct and with 4 treated', () => {
    expect(countCompleteAssignments(design)).toBe(70);
    const seen = new Set<string>();
    for (const a of enumerateCompleteAssignments(design)) {
      expect(a.reduce((s, v) => s + v, 0)).toBe(4);
      seen.add(a.join(''));
    }
    expect(seen.size).toBe(70);
  });

  it('gives p = 0.2 two-sided, as R enumeration (combn) and an independent bitmask enumeration', () => {
    const r = randomizationTest({
      outcome: y,
      treatment: z,
      assignments: enumerateCompleteAssignments(design),
      exact: true,
    });
    expect(r.estimate).toBe(fixture.estimate);
    expect(r.assignments).toBe(fixture.assignments);
    expect(r.asExtreme).toBe(14);
    expect(r.pValue).toBeCloseTo(fixture.p_two_sided, 14);
    const independent = bitmaskAssignments(8, 4).filter((a) => Math.abs(dim(y, a)) >= 3 - 1e-12).length / 70;
    expect(r.pValue).toBeCloseTo(independent, 14);
  });

  it('gives the one-sided p-values of the R fixture', () => {
    const greater = randomizationTest({
      outcome: y,
      treatment: z,
      assignments: enumerateCompleteAssignments(design),
      exact: true,
      alternative: 'greater',
    });
    const less = randomizationTest({
      outcome: y,
      treatment: z,
      assignments: enumerateCompleteAssignments(design),
      exact: true,
      alternative: 'less',
    });
    expect(greater.pValue).toBeCloseTo(fixture.p_greater, 14);
    expect(less.pValue).toBeCloseTo(fixture.p_less, 14);
  });

  it('tests a non-zero sharp null on the implied control outcomes', () => {
    const atEstimate = randomizationTest({
      outcome: y,
      treatment: z,
      assignments: enumerateCompleteAssignments(design),
      exact: true,
      sharpNull: 3,
    });
    expect(atEstimate.pValue).toBe(1);
    const tau0 = -2;
    const y0 = y.map((v, i) => v - tau0 * z[i]);
    const expected =
      bitmaskAssignments(8, 4).filter((a) => Math.abs(dim(y0, a)) >= Math.abs(dim(y0, z)) - 1e-12).length /
      70;
    const r = randomizationTest({
      outcome: y,
      treatment: z,
      assignments: enumerateCompleteAssignments(design),
      exact: true,
      sharpNull: tau0,
    });
    expect(r.pValue).toBeCloseTo(expected, 14);
    expect(r.pValue).toBeLessThan(0.2);
  });

  it('accepts any statistic function', () => {
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const medianDiff = (yy: Float64Array, zz: ArrayLike<number>) => {
      const ys = Array.from(yy);
      return median(ys.filter((_, i) => zz[i] === 1)) - median(ys.filter((_, i) => zz[i] === 0));
    };
    const r = randomizationTest({
      outcome: y,
      treatment: z,
      assignments: enumerateCompleteAssignments(design),
      exact: true,
      statistic: medianDiff,
    });
    const obs = medianDiff(Float64Array.from(y), z);
    const expected =
      bitmaskAssignments(8, 4).filter(
        (a) => Math.abs(medianDiff(Float64Array.from(y), a)) >= Math.abs(obs) - 1e-12,
      ).length / 70;
    expect(r.pValue).toBeCloseTo(expected, 14);
    expect(() =>
      randomizationInterval({
        outcome: y,
        treatment: z,
        assignments: enumerateCompleteAssignments(design),
        exact: true,
        statistic: medianDiff,
      }),
    ).toThrow(/linear/);
  });
});

describe('confidence interval by test inversion', () => {
  // 12 units, 6 treated: C(12,6) = 924 assignments, enough for a finite 95 % interval.
  const y = [12, 7, 9, 15, 11, 8, 14, 10, 13, 6, 16, 9];
  const z = [1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0];
  const design = designOf(z);
  const interval = randomizationInterval({
    outcome: y,
    treatment: z,
    assignments: enumerateCompleteAssignments(design),
    exact: true,
    alpha: 0.05,
  });
  const pAt = (tau0: number) =>
    randomizationTest({
      outcome: y,
      treatment: z,
      assignments: enumerateCompleteAssignments(design),
      exact: true,
      sharpNull: tau0,
    }).pValue;

  it('contains the estimate and has finite ends', () => {
    expect(interval.estimate).toBeCloseTo(dim(y, z), 12);
    expect(interval.assignments).toBe(924);
    expect(interval.confLow).toBeLessThan(interval.estimate);
    expect(interval.confHigh).toBeGreaterThan(interval.estimate);
    expect(Number.isFinite(interval.confLow) && Number.isFinite(interval.confHigh)).toBe(true);
  });

  it('ends where the test at level α starts to reject', () => {
    const eps = 1e-6;
    expect(pAt(interval.confLow + eps)).toBeGreaterThan(0.05);
    expect(pAt(interval.confLow - eps)).toBeLessThanOrEqual(0.05);
    expect(pAt(interval.confHigh - eps)).toBeGreaterThan(0.05);
    expect(pAt(interval.confHigh + eps)).toBeLessThanOrEqual(0.05);
  });

  it('is infinite when there are too few assignments to reject at α', () => {
    const small = designOf([1, 0, 1, 0]);
    const r = randomizationInterval({
      outcome: [1, 2, 3, 4],
      treatment: [1, 0, 1, 0],
      assignments: enumerateCompleteAssignments(small),
      exact: true,
    });
    expect(r.confLow).toBe(-Infinity);
    expect(r.confHigh).toBe(Infinity);
  });
});

describe('blocked and clustered reference sets', () => {
  // two blocks; clusters (households) of sizes 2,1,1,2 | 1,1,2,1
  const blocks = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'];
  const clusters = [1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8];
  const z = [1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0];

  it('counts Π C(n_b, m_b) cluster assignments and keeps clusters and block counts intact', () => {
    const design = designOf(z, blocks, clusters);
    expect(design.units).toBe(8);
    expect(design.treatedByBlock).toEqual([2, 2]);
    expect(countCompleteAssignments(design)).toBe(6 * 6);
    const seen = new Set<string>();
    for (const a of enumerateCompleteAssignments(design)) {
      expect(a[0]).toBe(a[1]);
      expect(a[4]).toBe(a[5]);
      expect(a[8]).toBe(a[9]);
      const treatedClustersA = new Set(clusters.filter((c, i) => blocks[i] === 'a' && a[i] === 1)).size;
      const treatedClustersB = new Set(clusters.filter((c, i) => blocks[i] === 'b' && a[i] === 1)).size;
      expect([treatedClustersA, treatedClustersB]).toEqual([2, 2]);
      seen.add(a.join(''));
    }
    expect(seen.size).toBe(36);
  });

  it('refuses treatment that varies within a cluster or a cluster spanning blocks', () => {
    expect(completeDesignFromData([1, 0], undefined, ['h', 'h'])).toMatchObject({
      ok: false,
      reason: 'treatment-varies-within-cluster',
    });
    expect(completeDesignFromData([1, 1], ['a', 'b'], ['h', 'h'])).toMatchObject({
      ok: false,
      reason: 'cluster-spans-blocks',
    });
    expect(() => completeDesignFromData([2, 0])).toThrow(/0\/1/);
  });
});

describe('sampled assignments', () => {
  it('iterates a drawer j = 1..count and can be iterated again', () => {
    const calls: number[] = [];
    const it = sampledAssignments((j) => {
      calls.push(j);
      return j % 2 ? [1, 0] : [0, 1];
    }, 3);
    expect([...it].length).toBe(3);
    expect([...it].length).toBe(3);
    expect(calls).toEqual([1, 2, 3, 1, 2, 3]);
    expect(() => sampledAssignments(() => [1, 0], 0)).toThrow(RangeError);
  });

  it('refuses bad inputs and empty arms', () => {
    expect(() => differenceInMeansStatistic(Float64Array.of(1, 2), [1, 1])).toThrow(/empty/);
    expect(() =>
      randomizationTest({ outcome: [1, NaN], treatment: [1, 0], assignments: [[1, 0]], exact: false }),
    ).toThrow(/finite/);
    expect(() =>
      randomizationTest({ outcome: [1, 2], treatment: [1, 0], assignments: [], exact: false }),
    ).toThrow(/no reference/);
  });
});

describe('counting the reference set', () => {
  it("C(n, k) is exact against Pascal's triangle while a safe integer", () => {
    let row = [1];
    for (let n = 1; n <= 60; n++) {
      const next = [1];
      for (let k = 1; k < n; k++) next.push(row[k - 1] + row[k]);
      next.push(1);
      row = next;
      for (let k = 0; k <= n; k++)
        expect(combinations(n, k)).toBe(row[k] <= Number.MAX_SAFE_INTEGER ? row[k] : Infinity);
    }
    expect(combinations(5, 6)).toBe(0);
  });

  it('50,000 clusters half treated count as Infinity (sampled), without overflowing the stack', () => {
    const z = Array.from({ length: 100_000 }, (_, i) => (i % 4 < 2 ? 1 : 0));
    const clusters = Array.from({ length: 100_000 }, (_, i) => Math.floor(i / 2));
    const built = completeDesignFromData(z, undefined, clusters);
    if (!built.ok) throw new Error(built.message);
    expect(countCompleteAssignments(built.design)).toBe(Infinity);
  });
});
