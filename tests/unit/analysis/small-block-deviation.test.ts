import { describe, expect, it } from '@jest/globals';
import { blockCounts } from '../../../assignment/block-counts.ts';
import { differenceInMeans } from '../../../analysis/difference-in-means.ts';
import type { EstimateOutcome, EstimateResult } from '../../../analysis/types.ts';

// Pilot's small-block deviation rule (analysis/lone-block-variance.ts,
// docs/decisions/0005-small-block-deviation-variance.md): designs that `pilot randomize` produces but
// whose blocked difference in means estimatr refuses (one block with a single treated or control
// unit, a dominant small block, small blocks with clusters). estimatr has no such rule, so there is no
// R golden: these tests check a hand-computed example and enumerate every assignment pilot-v1 can
// draw for small populations (each block's arm counts by systematic sampling on u, then every subset
// of that size) to check that τ̂ is unbiased and the variance estimate conservative,
// E[V̂] ≥ Var(τ̂).

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

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
 * The assignments pilot-v1 draws in a block of n units randomized 50/50, with their probabilities:
 * the count of treated units is ⌊n/2⌋ or ⌈n/2⌉, each with probability 1/2 when n is odd (u uniform
 * on [0, 1): blockCounts gives the leftover place to control for u < 1/2), and then every subset of
 * that size is equally likely (the hash order is a uniformly random permutation).
 */
function blockAssignments(n: number): { treated: number[]; p: number }[] {
  const out: { treated: number[]; p: number }[] = [];
  const counts = new Map<number, number>();
  for (const u of [0n, (1n << 63n) + 1n]) {
    const [, treated] = blockCounts(n, [500000, 500000], u);
    counts.set(treated, (counts.get(treated) ?? 0) + 0.5);
  }
  for (const [k, p] of counts) {
    const subsets = combinations(n, k);
    for (const s of subsets) out.push({ treated: s, p: p / subsets.length });
  }
  return out;
}

/**
 * Every pilot-v1 assignment of a design whose randomization units are `units[b]` (each a list of
 * the rows of that unit) per block; returns E[τ̂], E[(τ̂ − SATE)²], E[V̂] and the rule's warnings.
 */
function enumerate(
  units: number[][][],
  y0: number[],
  y1: number[],
  clustered: boolean,
): { sate: number; bias: number; mse: number; meanVariance: number; total: number; codes: Set<string> } {
  const rows = y0.length;
  const blockOf = new Array<string>(rows);
  const clusterOf = new Array<string>(rows);
  units.forEach((block, b) =>
    block.forEach((unit, u) =>
      unit.forEach((r) => {
        blockOf[r] = `b${b}`;
        clusterOf[r] = `b${b}u${u}`;
      }),
    ),
  );
  const perBlock = units.map((block) => blockAssignments(block.length));
  const sate = y1.reduce((s, v, i) => s + v - y0[i], 0) / rows;
  let meanEstimate = 0;
  let mse = 0;
  let meanVariance = 0;
  let total = 0;
  const codes = new Set<string>();
  const walk = (b: number, z: number[], p: number) => {
    if (b === units.length) {
      const r = ok(
        differenceInMeans({
          outcome: z.map((t, i) => (t ? y1[i] : y0[i])),
          treatment: z,
          blocks: blockOf,
          clusters: clustered ? clusterOf : undefined,
        }),
      );
      for (const w of r.warnings) codes.add(w.code);
      const e = r.terms[0].estimate;
      meanEstimate += p * e;
      mse += p * (e - sate) ** 2;
      meanVariance += p * r.terms[0].stdError ** 2;
      total++;
      return;
    }
    for (const a of perBlock[b]) {
      const next = z.slice();
      for (const u of a.treated) for (const r of units[b][u]) next[r] = 1;
      walk(b + 1, next, p * a.p);
    }
  };
  walk(0, new Array<number>(rows).fill(0), 1);
  return { sate, bias: meanEstimate - sate, mse, meanVariance, total, codes };
}

/** Blocks of one-row units with the given sizes, rows numbered in order. */
function singletons(sizes: number[]): number[][][] {
  let r = 0;
  return sizes.map((n) => Array.from({ length: n }, () => [r++]));
}

const level = (i: number) => ((i * 7919) % 23) / 3 + (i % 5);

describe('small-block deviation variance: conservative over every pilot-v1 assignment', () => {
  const cases: [string, number[], (i: number, b: number) => number, (i: number, b: number) => number][] = [
    ['one small block (3) beside a block of 4, constant effect', [4, 3], level, () => 1],
    [
      'one small block (3) beside a block of 6, effects differ by block',
      [6, 3],
      level,
      (_, b) => (b === 1 ? 8 : 0),
    ],
    [
      'one small block (3), blocks of 4 and 6 (two big blocks)',
      [6, 4, 3],
      (i, b) => level(i) + 10 * b,
      (i) => i % 3,
    ],
    [
      'one small block far from the others in level and effect',
      [5, 3],
      (i, b) => (b === 1 ? 40 + i : level(i)),
      (_, b) => (b === 1 ? -12 : 2),
    ],
  ];

  it.each(cases)('%s', (_, sizes, base, effect) => {
    const units = singletons(sizes);
    const blockOfRow = units.flatMap((block, b) => block.map(() => b));
    const y0 = blockOfRow.map((b, i) => base(i, b));
    const y1 = y0.map((v, i) => v + effect(i, blockOfRow[i]));
    const r = enumerate(units, y0, y1, false);
    expect(r.total).toBeGreaterThan(30);
    // the rule was exercised (in some assignments; others may have two small blocks of one size)
    expect(r.codes.has('small-blocks-deviation')).toBe(true);
    expect(Math.abs(r.bias)).toBeLessThan(1e-12 * (1 + Math.abs(r.sate)));
    expect(r.meanVariance).toBeGreaterThanOrEqual(r.mse);
  });

  it('clustered: a small block of three one-student households beside a block of four households', () => {
    // block 0: households of 2, 1, 3 and 2 students (rows 0–7); block 1: three one-student households (rows 8–10)
    const units = [
      [[0, 1], [2], [3, 4, 5], [6, 7]],
      [[8], [9], [10]],
    ];
    const y0 = Array.from({ length: 11 }, (_, i) => level(i) + (i >= 8 ? 5 : 0));
    const y1 = y0.map((v, i) => v + (i >= 8 ? 4 : 1) + (i % 2));
    const r = enumerate(units, y0, y1, true);
    expect(r.codes.has('small-blocks-deviation')).toBe(true);
    // the household-clustered difference in means weights households by size, a ratio estimator
    // with a small bias under cluster randomization (in estimatr too); not the rule's doing
    expect(Math.abs(r.bias)).toBeLessThan(0.05 * Math.sqrt(r.mse));
    expect(r.meanVariance).toBeGreaterThanOrEqual(r.mse);
  });
});

describe('small-block deviation variance: the formula', () => {
  it('one small block beside a big one: hand-computed τ̂, V̂ and df', () => {
    // big: treated 7, 9, control 1, 3 (τ̂ 6, V̂ = 2/2 + 2/2 = 2); tiny: treated 5, control 3, 5 (τ̂ 1)
    const r = ok(
      differenceInMeans({
        outcome: [7, 9, 1, 3, 5, 3, 5],
        treatment: [1, 1, 0, 0, 1, 0, 0],
        blocks: ['big', 'big', 'big', 'big', 'tiny', 'tiny', 'tiny'],
      }),
    );
    const a = (4 / 7) ** 2 * 2;
    const c = (3 / 7) ** 2 * (1 - 6) ** 2;
    expect(r.design).toBe('Blocked (small-block deviation)');
    expect(r.terms[0].estimate).toBeCloseTo((4 * 6 + 3 * 1) / 7, 12);
    expect(r.terms[0].stdError).toBeCloseTo(Math.sqrt(a + c), 12);
    // Welch–Satterthwaite: big part N − 2B = 4 − 2 = 2 df, the small block 1 df
    expect(r.terms[0].df).toBeCloseTo((a + c) ** 2 / (a ** 2 / 2 + c ** 2), 10);
    expect(r.warnings.map((w) => w.code)).toEqual(['small-blocks-deviation']);
    expect(r.warnings[0].details).toEqual({ blocks: ['tiny'] });
  });

  it('refuses when the only block with variation is small', () => {
    const out = differenceInMeans({ outcome: [1, 2, 3], treatment: [1, 0, 0], blocks: ['a', 'a', 'a'] });
    expect(out.ok).toBe(false);
  });
});
