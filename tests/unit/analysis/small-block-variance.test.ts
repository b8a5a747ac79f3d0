import { describe, expect, it } from '@jest/globals';
import { differenceInMeans } from '../../../analysis/difference-in-means.ts';
import { groupRows } from '../../../analysis/factor-codes.ts';
import { smallBlockDifference } from '../../../analysis/small-block-variance.ts';
import type { EstimateOutcome, EstimateResult } from '../../../analysis/types.ts';

// estimatr 1.0.0 (the installed R) refuses every design here, so there is no R golden: the numbers
// are computed by hand from Pashley & Miratrix (2021) as estimatr 2.0 documents them, and the
// variance is checked to be conservative by enumerating every assignment of a fixed population.

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

function refusal(out: EstimateOutcome) {
  if (out.ok) throw new Error('expected a refusal');
  return out.refusal;
}

// Three blocks of three units, one treated each: τ̂_a = 5 − 4 = 1, τ̂_b = 6 − 4 = 2, τ̂_c = 10 − 4 = 6.
const equal = {
  outcome: [5, 3, 5, 6, 4, 4, 10, 4, 4],
  treatment: [1, 0, 0, 1, 0, 0, 1, 0, 0],
  blocks: ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'],
};
// Block c with a fourth unit (a control at 4): sizes 3, 3, 4, τ̂ still 1, 2, 6.
const unequal = {
  outcome: [...equal.outcome, 4],
  treatment: [...equal.treatment, 0],
  blocks: [...equal.blocks, 'c'],
};
// A block of four with two treated (7, 9) and two control (1, 3): τ̂ = 6, V̂ = 2/2 + 2/2 = 2.
const big = { outcome: [7, 9, 1, 3], treatment: [1, 1, 0, 0], blocks: ['big', 'big', 'big', 'big'] };

describe('blocked difference in means with small blocks (Pashley–Miratrix, as estimatr 2.0)', () => {
  it('equal-size small blocks: the matched-pairs form Σ(τ̂_j − τ̄)²/(S(S−1)), df S − 1, with a warning naming them', () => {
    const r = ok(differenceInMeans(equal));
    expect(r.design).toBe('Small blocks');
    expect(r.terms[0].estimate).toBeCloseTo(3, 12);
    // ((1−3)² + (2−3)² + (6−3)²) / (3·2) = 14/6
    expect(r.terms[0].stdError).toBeCloseTo(Math.sqrt(14 / 6), 12);
    expect(r.terms[0].df).toBe(2);
    expect(r.warnings.map((w) => w.code)).toEqual(['small-blocks-pooled']);
    expect(r.warnings[0].message).toContain('"a", "b", "c"');
    expect(r.warnings[0].details).toEqual({ blocks: ['a', 'b', 'c'], form: 'equal-size' });
  });

  it('small blocks of different sizes: eq. 8, by hand', () => {
    const r = ok(differenceInMeans(unequal));
    // τ̄ = (3·1 + 3·2 + 4·6)/10 = 3.3; ω = 9/4, 9/4, 16/2; Σω = 12.5
    // V̂ = (2.25·2.3² + 2.25·1.3² + 8·2.7²) / (10 + 12.5) = 74.025 / 22.5 = 3.29
    expect(r.terms[0].estimate).toBeCloseTo(3.3, 12);
    expect(r.terms[0].stdError).toBeCloseTo(Math.sqrt(3.29), 12);
    expect(r.terms[0].df).toBe(2);
    expect(r.warnings[0].details).toEqual({ blocks: ['a', 'b', 'c'], form: 'unequal-size' });
  });

  it('hybrid: Neyman for estimable blocks, pooled for small ones, Welch–Satterthwaite df, by hand', () => {
    const r = ok(
      differenceInMeans({
        outcome: [...equal.outcome, ...big.outcome],
        treatment: [...equal.treatment, ...big.treatment],
        blocks: [...equal.blocks, ...big.blocks],
      }),
    );
    expect(r.design).toBe('Blocked (small blocks pooled)');
    expect(r.nBlocks).toBe(4);
    // τ̂ = (3·1 + 3·2 + 3·6 + 4·6)/13 = 51/13
    expect(r.terms[0].estimate).toBeCloseTo(51 / 13, 12);
    // a = 4²·2/13² = 32/169, c = (9/13)²·14/6 = 189/169, V̂ = 221/169
    expect(r.terms[0].stdError).toBeCloseTo(Math.sqrt(221 / 169), 12);
    // df = (a + c)² / (a²/2 + c²/2) = 2·221² / (32² + 189²)
    expect(r.terms[0].df).toBeCloseTo((2 * 221 * 221) / (32 * 32 + 189 * 189), 12);
    expect(r.warnings[0].details).toEqual({ blocks: ['a', 'b', 'c'], form: 'equal-size' });
  });

  it('a block with a single control unit counts as small', () => {
    const flipped = { ...equal, treatment: [1, 0, 0, 1, 0, 0, 0, 1, 1] };
    const r = ok(differenceInMeans(flipped));
    // τ̂_c = 4 − 10 = −6
    expect(r.terms[0].estimate).toBeCloseTo((1 + 2 - 6) / 3, 12);
    const mean = -1;
    expect(r.terms[0].stdError).toBeCloseTo(
      Math.sqrt(((1 - mean) ** 2 + (2 - mean) ** 2 + (-6 - mean) ** 2) / 6),
      12,
    );
  });

  it('designs estimatr 1.0.0 already estimates keep its numbers (no small-block warning with blocks of ≥ 2 per arm)', () => {
    const r = ok(
      differenceInMeans({
        outcome: [...big.outcome, 1, 2, 6, 8],
        treatment: [...big.treatment, 0, 0, 1, 1],
        blocks: [...big.blocks, 'x', 'x', 'x', 'x'],
      }),
    );
    expect(r.design).toBe('Blocked');
    expect(r.warnings).toEqual([]);
    expect(r.terms[0].df).toBe(4);
  });

  it("exactly one small block: Pilot's deviation rule (small-block-deviation.test.ts), naming it", () => {
    const r = ok(
      differenceInMeans({
        outcome: [...big.outcome, 5, 3, 5],
        treatment: [...big.treatment, 1, 0, 0],
        blocks: [...big.blocks, 'tiny', 'tiny', 'tiny'],
      }),
    );
    expect(r.design).toBe('Blocked (small-block deviation)');
    expect(r.warnings.map((w) => w.code)).toEqual(['small-blocks-deviation']);
    expect(r.warnings[0].message).toContain('"tiny"');
    expect(r.warnings[0].message).toMatch(/only such block/);
  });

  it('small blocks of different sizes where one holds half or more of their units: the deviation rule', () => {
    // sizes 3 and 5: 5 ≥ 8/2; τ̂_a = 5 − 4 = 1, τ̂_b = 6 − 4 = 2
    const r = ok(
      differenceInMeans({
        outcome: [5, 3, 5, 6, 4, 4, 4, 4],
        treatment: [1, 0, 0, 1, 0, 0, 0, 0],
        blocks: ['a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'],
      }),
    );
    expect(r.terms[0].estimate).toBeCloseTo((3 * 1 + 5 * 2) / 8, 12);
    // each block against the other: (3/8)²(1 − 2)² + (5/8)²(2 − 1)², df (Σc)²/Σc²
    const c = [(3 / 8) ** 2, (5 / 8) ** 2];
    expect(r.terms[0].stdError).toBeCloseTo(Math.sqrt(c[0] + c[1]), 12);
    expect(r.terms[0].df).toBeCloseTo((c[0] + c[1]) ** 2 / (c[0] ** 2 + c[1] ** 2), 12);
    expect(r.warnings[0].details).toEqual({ blocks: ['a', 'b'] });
    expect(r.warnings[0].message).toMatch(/"b" holds half or more/);
  });

  it('small blocks with clusters: the deviation rule; with weights still refused', () => {
    expect(refusal(differenceInMeans({ ...equal, weights: equal.outcome.map(() => 1) })).code).toBe(
      'block-arm-too-small',
    );
    const clustered = ok(differenceInMeans({ ...equal, clusters: equal.outcome.map((_, i) => `c${i}`) }));
    expect(clustered.design).toBe('Block-clustered (small-block deviation)');
    expect(clustered.nClusters).toBe(9);
    expect(clustered.warnings.map((w) => w.code)).toEqual(['small-blocks-deviation']);
  });

  it('the pure function reports the small blocks and the form', () => {
    const codes = Int32Array.from(unequal.blocks, (b) => 'abc'.indexOf(b));
    const out = smallBlockDifference(
      Float64Array.from(unequal.outcome),
      Float64Array.from(unequal.treatment),
      groupRows(codes, 3),
    );
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.value.smallBlocks).toEqual([0, 1, 2]);
      expect(out.value.smallForm).toBe('unequal-size');
    }
  });
});

/** Every way of choosing k of n indices. */
function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === k) return void out.push(chosen.slice());
    for (let i = start; i < n; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return out;
}

/**
 * Enumerates every complete within-block assignment of a fixed finite population and returns the
 * true SATE, the mean and variance of τ̂ over assignments, and the mean of V̂.
 */
function enumerate(design: { size: number; treated: number }[], y0: number[], y1: number[]) {
  const blocks = design.flatMap((d, b) => Array<string>(d.size).fill(`b${b}`));
  const offsets = design.map((_, b) => design.slice(0, b).reduce((s, d) => s + d.size, 0));
  const choices = design.map((d) => combinations(d.size, d.treated));
  const total = choices.reduce((p, c) => p * c.length, 1);
  const estimates: number[] = [];
  let meanVariance = 0;
  for (let k = 0; k < total; k++) {
    const z = new Array<number>(y0.length).fill(0);
    let rest = k;
    choices.forEach((c, b) => {
      for (const i of c[rest % c.length]) z[offsets[b] + i] = 1;
      rest = Math.floor(rest / c.length);
    });
    const r = ok(differenceInMeans({ outcome: z.map((t, i) => (t ? y1[i] : y0[i])), treatment: z, blocks }));
    estimates.push(r.terms[0].estimate);
    meanVariance += r.terms[0].stdError ** 2 / total;
  }
  const meanEstimate = estimates.reduce((s, e) => s + e, 0) / total;
  const trueVariance = estimates.reduce((s, e) => s + (e - meanEstimate) ** 2, 0) / total;
  const sate = y1.reduce((s, v, i) => s + v - y0[i], 0) / y0.length;
  return { total, sate, meanEstimate, trueVariance, meanVariance };
}

describe('small-block variance is conservative over every re-randomization of a fixed population', () => {
  const population = (n: number, effect: (i: number) => number) => {
    const y0 = Array.from({ length: n }, (_, i) => ((i * 7919) % 23) / 3 + (i % 5));
    return { y0, y1: y0.map((v, i) => v + effect(i)) };
  };

  it.each([
    [
      'hybrid, small blocks of sizes 3, 3, 4, 5 (one a single control) and two estimable blocks',
      [
        { size: 3, treated: 1 },
        { size: 3, treated: 2 },
        { size: 4, treated: 1 },
        { size: 5, treated: 1 },
        { size: 4, treated: 2 },
        { size: 5, treated: 2 },
      ],
      (i: number) => 1 + ((i * 13) % 7) / 2,
    ],
    [
      'equal-size small blocks only, strongly heterogeneous effects',
      [
        { size: 3, treated: 1 },
        { size: 3, treated: 1 },
        { size: 3, treated: 2 },
        { size: 3, treated: 1 },
        { size: 3, treated: 1 },
      ],
      (i: number) => (i % 3 === 0 ? 6 : -1),
    ],
    [
      'unequal small blocks only, block effects trending with size',
      [
        { size: 3, treated: 1 },
        { size: 4, treated: 1 },
        { size: 4, treated: 3 },
        { size: 5, treated: 1 },
        { size: 6, treated: 1 },
      ],
      (i: number) => i / 4,
    ],
  ])('%s', (_, design, effect) => {
    const n = design.reduce((s, d) => s + d.size, 0);
    const { y0, y1 } = population(n, effect);
    const r = enumerate(design, y0, y1);
    expect(r.total).toBeGreaterThan(100);
    expect(r.meanEstimate).toBeCloseTo(r.sate, 10); // τ̂ is unbiased for the SATE
    expect(r.trueVariance).toBeGreaterThan(0);
    expect(r.meanVariance).toBeGreaterThanOrEqual(r.trueVariance * (1 - 1e-12));
  });

  it('the check can fail: without the small-block correction (pooled Neyman ignoring singletons) it would not hold', () => {
    // With constant effects, the small blocks' true variance is positive, but the estimable-blocks
    // part alone (what one would get by pretending small blocks contribute nothing) understates it.
    const design = [
      { size: 3, treated: 1 },
      { size: 3, treated: 1 },
      { size: 3, treated: 1 },
      { size: 4, treated: 2 },
    ];
    const n = design.reduce((s, d) => s + d.size, 0);
    const { y0, y1 } = population(n, () => 2);
    const r = enumerate(design, y0, y1);
    expect(r.meanVariance).toBeGreaterThanOrEqual(r.trueVariance * (1 - 1e-12));
    // the estimable block's share: 4²·V(τ̂_big)/13², far below the truth
    const bigOnly = enumerate([{ size: 4, treated: 2 }], y0.slice(9), y1.slice(9));
    expect(((4 * 4) / (13 * 13)) * bigOnly.trueVariance).toBeLessThan(r.trueVariance / 2);
  });
});
