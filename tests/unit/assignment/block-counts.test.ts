import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseArms } from '../../../assignment/arms.ts';
import { blockCounts } from '../../../assignment/block-counts.ts';

const TWO_64 = 1n << 64n;

describe('blockCounts', () => {
  it('matches the JSDoc examples', () => {
    expect(blockCounts(5, [500000, 500000], 0n)).toEqual([3, 2]);
    expect(blockCounts(5, [500000, 500000], 1n << 63n)).toEqual([2, 3]);
    expect(blockCounts(5, [500000, 500000], (1n << 63n) - 1n)).toEqual([3, 2]);
  });

  it('treats block_ra sizes (50, 100, 200) with p = .3 exactly (15, 30, 60)', () => {
    expect([50, 100, 200].map((n) => blockCounts(n, [700000, 300000], 12345n)[1])).toEqual([15, 30, 60]);
  });

  it('gives complete_ra(100, prob = .111) 11 or 12 treated with P(12) = 0.1', () => {
    // n·p = 11.1: the treated arm's fractional interval is [0.9, 1.0) after control's 0.9.
    // u is uniform on [0, 1), so 12 treated ⇔ u ∈ [0.9, 1): measure exactly on the boundaries.
    const arms = [889000, 111000];
    const ceilU = (num: bigint, den: bigint) => (num * TWO_64 + den - 1n) / den; // smallest U with U/2⁶⁴ ≥ num/den
    expect(blockCounts(100, arms, 0n)[1]).toBe(11);
    expect(blockCounts(100, arms, ceilU(9n, 10n) - 1n)[1]).toBe(11); // just below 0.9
    expect(blockCounts(100, arms, ceilU(9n, 10n))[1]).toBe(12); // at 0.9
    expect(blockCounts(100, arms, TWO_64 - 1n)[1]).toBe(12);
  });

  it('is exact where floating point is not: 0.1 + 0.2 + 0.7 over n = 10', () => {
    // 10·0.1 etc. are whole numbers: no leftover whatever u is (float would give 0.30000000000000004).
    for (const u of [0n, 1n << 62n, TWO_64 - 1n])
      expect(blockCounts(10, [100000, 200000, 700000], u)).toEqual([1, 2, 7]);
  });

  it('counts are floor or ceiling of n·p_k and sum to n (any arms, any n, any u)', () => {
    const armsArb = fc
      .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 6 })
      .map((cuts) => {
        const sorted = [0, ...cuts.sort((a, b) => a - b), 1_000_000];
        return sorted.slice(1).map((c, i) => c - sorted[i]);
      });
    fc.assert(
      fc.property(
        armsArb,
        fc.integer({ min: 0, max: 100_000 }),
        fc.bigInt({ min: 0n, max: TWO_64 - 1n }),
        (m, n, u) => {
          const counts = blockCounts(n, m, u);
          expect(counts.reduce((s, c) => s + c, 0)).toBe(n);
          counts.forEach((c, k) => {
            const lo = Math.floor((n * m[k]) / 1e6);
            expect(c === lo || (c === lo + 1 && (n * m[k]) % 1e6 !== 0)).toBe(true);
          });
        },
      ),
      { numRuns: 500, seed: 20261123 },
    );
  });

  it('gives each arm its extra place with probability f_k (exact sweep of u)', () => {
    // Arms 0.2 / 0.3 / 0.5 over n = 7: n·p = 1.4, 2.1, 3.5 → c = (1, 2, 3), R = 1, f = (.4, .1, .5).
    const m = parseArms([
      { name: 'a', probability: '0.2' },
      { name: 'b', probability: '0.3' },
      { name: 'c', probability: '0.5' },
    ]).millionths;
    const grid = 1000n;
    const extra = [0, 0, 0];
    for (let i = 0n; i < grid; i++) {
      const counts = blockCounts(7, m, (i * TWO_64 + grid - 1n) / grid); // u = ⌈i/1000 · 2⁶⁴⌉ / 2⁶⁴
      counts.forEach((c, k) => (extra[k] += c - [1, 2, 3][k]));
    }
    expect(extra).toEqual([400, 100, 500]);
  });

  it('rejects caller mistakes', () => {
    expect(() => blockCounts(-1, [500000, 500000], 0n)).toThrow(RangeError);
    expect(() => blockCounts(3, [500000, 500000], TWO_64)).toThrow(RangeError);
  });
});

describe('parseArms', () => {
  it('keeps declared order in integer millionths', () => {
    expect(
      parseArms([
        { name: 'c', probability: '0.333334' },
        { name: 't', probability: '0.666666' },
      ]),
    ).toEqual({
      names: ['c', 't'],
      millionths: [333334, 666666],
    });
  });
  it.each([
    [[{ name: 'a', probability: '0.5' }]],
    [
      [
        { name: 'a', probability: '0.5' },
        { name: 'a', probability: '0.5' },
      ],
    ],
    [
      [
        { name: 'a', probability: '0.3333333' },
        { name: 'b', probability: '0.6666667' },
      ],
    ],
    [
      [
        { name: 'a', probability: '0.3' },
        { name: 'b', probability: '0.6' },
      ],
    ],
    [
      [
        { name: 'a', probability: '1.5' },
        { name: 'b', probability: '0' },
      ],
    ],
    [
      [
        { name: 'a,b', probability: '0.5' },
        { name: 'c', probability: '0.5' },
      ],
    ],
  ])('rejects %j', (arms) => {
    expect(() => parseArms(arms)).toThrow(RangeError);
  });
});
