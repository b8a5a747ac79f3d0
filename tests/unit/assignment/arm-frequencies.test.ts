import { describe, expect, it } from '@jest/globals';
import { drawAssignment, type DrawUnit } from '../../../assignment/draw.ts';

/**
 * Each unit's probability of each arm must be exactly p_k (DESIGN.md §4 step 4). Over S independent
 * seeds a unit's count in arm k is Binomial(S, p_k); we accept |count − S·p_k| ≤ 4.5·√(S·p_k(1−p_k)).
 * With ~100 unit×arm cells the chance that any cell of a correct implementation exceeds 4.5 SD is
 * about 100 · 6.8e-6 < 0.001, and the seeds are fixed, so the test is deterministic. A bias of a few
 * percentage points (e.g. always giving the leftover place to the first arm) is far outside the band.
 */
function frequencies(units: DrawUnit[], arms: { name: string; probability: string }[], seeds: number) {
  const counts = units.map(() => new Array<number>(arms.length).fill(0));
  for (let s = 0; s < seeds; s++) {
    const d = drawAssignment(`freq-${s}`, units, arms);
    for (let i = 0; i < units.length; i++) counts[i][d.armOf[i]]++;
  }
  return counts;
}

function expectWithinSamplingError(counts: number[][], probabilities: number[], seeds: number) {
  let worst = 0;
  for (const row of counts) {
    probabilities.forEach((p, k) => {
      const z = Math.abs(row[k] - seeds * p) / Math.sqrt(seeds * p * (1 - p));
      worst = Math.max(worst, z);
    });
  }
  expect(worst).toBeLessThan(4.5);
  return worst;
}

describe('each unit lands in arm k with probability p_k', () => {
  const SEEDS = 2500;

  it('three unequal arms (0.2 / 0.3 / 0.5) in blocks of 1, 2, 3, 4, 7 and 10 units', () => {
    const arms = [
      { name: 'control', probability: '0.2' },
      { name: 'text', probability: '0.3' },
      { name: 'visit', probability: '0.5' },
    ];
    const units = [1, 2, 3, 4, 7, 10].flatMap((n) =>
      Array.from({ length: n }, (_, i) => ({ key: `b${n}-u${i}`, blockKey: `n${n}` })),
    );
    const counts = frequencies(units, arms, SEEDS);
    expectWithinSamplingError(counts, [0.2, 0.3, 0.5], SEEDS);
    // The leftover places really move: a block of one unit is in every arm at some seed.
    expect(counts[0].every((c) => c > 0)).toBe(true);
  });

  it('a rare arm (0.111) and six-place probabilities (0.333333 / 0.333333 / 0.333334)', () => {
    const rare = frequencies(
      Array.from({ length: 9 }, (_, i) => ({ key: `r${i}`, blockKey: 'nine' })),
      [
        { name: 'c', probability: '0.889' },
        { name: 't', probability: '0.111' },
      ],
      SEEDS,
    );
    expectWithinSamplingError(rare, [0.889, 0.111], SEEDS);
    const thirds = frequencies(
      Array.from({ length: 5 }, (_, i) => ({ key: `t${i}`, blockKey: 'five' })),
      [
        { name: 'a', probability: '0.333333' },
        { name: 'b', probability: '0.333333' },
        { name: 'c', probability: '0.333334' },
      ],
      SEEDS,
    );
    expectWithinSamplingError(thirds, [0.333333, 0.333333, 0.333334], SEEDS);
  });

  it('the block counts themselves take the ceiling with probability f_k', () => {
    // Block of 7 with 0.2 / 0.3 / 0.5: n·p = 1.4, 2.1, 3.5, so P(count = 2, 3, 4) = 0.4, 0.1, 0.5.
    const units = Array.from({ length: 7 }, (_, i) => ({ key: `s${i}`, blockKey: 'seven' }));
    const arms = [
      { name: 'a', probability: '0.2' },
      { name: 'b', probability: '0.3' },
      { name: 'c', probability: '0.5' },
    ];
    const ceilings = [0, 0, 0];
    for (let s = 0; s < SEEDS; s++) {
      const [b] = drawAssignment(`ceil-${s}`, units, arms).blocks;
      b.counts.forEach((c, k) => (ceilings[k] += c === [2, 3, 4][k] ? 1 : 0));
    }
    expectWithinSamplingError([ceilings], [0.4, 0.1, 0.5], SEEDS);
    expect(ceilings.reduce((s, c) => s + c, 0)).toBe(SEEDS); // exactly one arm takes the leftover place
  });
});
