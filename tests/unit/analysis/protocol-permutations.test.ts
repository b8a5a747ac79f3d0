import { describe, expect, it } from '@jest/globals';
import { drawAssignment, drawPermutation, type DrawUnit } from '../../../assignment/draw.ts';
import { completeDesignFromData } from '../../../analysis/exact-assignments.ts';
import { observedCountsDrawer, protocolTreatmentDrawer } from '../../../analysis/protocol-permutations.ts';
import {
  randomizationInterval,
  randomizationTest,
  sampledAssignments,
} from '../../../analysis/randomization-inference.ts';

// 40 households in two districts, 1–3 students each (sizes cycle 1, 2, 3), randomized by household.
const arms = [
  { name: 'control', probability: '0.5' },
  { name: 'treatment', probability: '0.5' },
];
const seed = '00112233445566778899aabbccddeeff';
const units: DrawUnit[] = Array.from({ length: 40 }, (_, h) => ({
  key: `household:${h < 20 ? 'A' : 'B'}:${h}`,
  blockKey: h < 20 ? 'A' : 'B',
}));
const unitOfRowList: number[] = [];
units.forEach((_, h) => {
  for (let s = 0; s < (h % 3) + 1; s++) unitOfRowList.push(h);
});
const unitOfRow = Int32Array.from(unitOfRowList);
const observed = drawAssignment(seed, units, arms).armOf;
const treatment = Array.from(unitOfRow, (u) => observed[u]);

describe('protocol-based randomization-inference draws (seeds S|ri|j)', () => {
  const draw = protocolTreatmentDrawer({ seed, units, arms, treatmentArm: 'treatment', unitOfRow });

  it('re-runs pilot-v1 with seed S|ri|j and gives every student its household arm', () => {
    for (const j of [1, 2, 17]) {
      const z = draw(j);
      const armOf = drawPermutation(seed, units, arms, j);
      expect(drawAssignment(`${seed}|ri${j}`, units, arms).armOf).toEqual(armOf);
      z.forEach((v, i) => expect(v).toBe(armOf[unitOfRow[i]]));
      // each district of 20 households keeps 10 treated households, as the real draw
      for (const block of ['A', 'B']) {
        const treated = units.filter((u, h) => u.blockKey === block && armOf[h] === 1).length;
        expect(treated).toBe(10);
      }
    }
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('rejects a large effect and not a null one', () => {
    const noise = treatment.map((_, i) => ((i * 37) % 11) - 5);
    const withEffect = noise.map((v, i) => v + 20 * treatment[i]);
    const draws = sampledAssignments(draw, 200);
    const big = randomizationTest({ outcome: withEffect, treatment, assignments: draws, exact: false });
    expect(big.assignments).toBe(200);
    expect(big.pValue).toBe(0);
    const atTruth = randomizationTest({
      outcome: withEffect,
      treatment,
      assignments: draws,
      exact: false,
      sharpNull: 20,
    });
    expect(atTruth.pValue).toBeGreaterThan(0.05);
    const ci = randomizationInterval({ outcome: withEffect, treatment, assignments: draws, exact: false });
    expect(ci.confLow).toBeLessThan(20);
    expect(ci.confHigh).toBeGreaterThan(20);
  });

  it('refuses designs it cannot test', () => {
    expect(() => protocolTreatmentDrawer({ seed, units, arms, treatmentArm: 'nope', unitOfRow })).toThrow(
      /unknown/,
    );
    const three = [
      ...arms.map((a) => ({ ...a, probability: '0.25' })),
      { name: 'visit', probability: '0.5' },
    ];
    expect(() =>
      protocolTreatmentDrawer({ seed, units, arms: three, treatmentArm: 'visit', unitOfRow }),
    ).toThrow(/two arms/);
    expect(() =>
      protocolTreatmentDrawer({ seed, units, arms, treatmentArm: 'treatment', unitOfRow: Int32Array.of(40) }),
    ).toThrow(/no unit/);
  });
});

describe('observed-counts draws for data without a study record', () => {
  const blocks = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'];
  const clusters = ['h1', 'h1', 'h2', 'h3', 'h4', 'h4', 'h5', 'h6', 'h7', 'h7', 'h8'];
  const z = [1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0];
  const built = completeDesignFromData(z, blocks, clusters);
  if (!built.ok) throw new Error(built.message);
  const design = built.design;
  const draw = observedCountsDrawer(design, ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8'], 'seed');

  it('keeps clusters whole and each block at its observed treated count, reproducibly', () => {
    const seen = new Set<string>();
    for (let j = 1; j <= 300; j++) {
      const a = draw(j);
      expect(a[0]).toBe(a[1]);
      expect(a[4]).toBe(a[5]);
      expect(a[8]).toBe(a[9]);
      expect(new Set(clusters.filter((_, i) => blocks[i] === 'a' && a[i] === 1)).size).toBe(2);
      expect(new Set(clusters.filter((_, i) => blocks[i] === 'b' && a[i] === 1)).size).toBe(2);
      seen.add(a.join(''));
    }
    // 300 draws from 36 equally likely assignments reach nearly all of them
    expect(seen.size).toBeGreaterThanOrEqual(34);
    expect(draw(5)).toEqual(draw(5));
  });

  it('refuses keys that do not match the units', () => {
    expect(() => observedCountsDrawer(design, ['h1'], 's')).toThrow(/expected 8/);
    expect(() => observedCountsDrawer(design, ['h1', 'h1', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8'], 's')).toThrow(
      /repeat/,
    );
  });
});
