import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { assignmentSha256 } from '../../../assignment/digests.ts';
import { drawAssignment } from '../../../assignment/draw.ts';

interface Vector {
  name: string;
  seed: string;
  /** Late-wave cases: the wave, the study seed S, and the commitment H(S_w) published at opening. */
  wave?: number;
  study_seed?: string;
  seed_commitment?: string;
  arms: { name: string; probability: string }[];
  units: { key: string; block: string }[];
  expected: {
    arms: string[];
    block_counts: { block: string; counts: number[] }[];
    assignment_sha256: string;
  };
}

const vectors: { cases: Vector[] } = JSON.parse(
  readFileSync(new URL('../../fixtures/assignment-vectors.json', import.meta.url), 'utf8'),
);
const h = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('pilot-v1 golden vectors (computed by the Python standard-library verifier)', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const draw = drawAssignment(
      c.seed,
      c.units.map((u) => ({ key: u.key, blockKey: u.block })),
      c.arms,
    );
    expect(Array.from(draw.armOf, (k) => draw.arms[k])).toEqual(c.expected.arms);
    expect(draw.blocks.map((b) => ({ block: b.blockKey, counts: b.counts }))).toEqual(
      c.expected.block_counts,
    );
    expect(assignmentSha256(c.units.map((u, i) => ({ unitKey: u.key, arm: c.expected.arms[i] })))).toBe(
      c.expected.assignment_sha256,
    );
  });

  it('draws a late wave with its own committed seed, not with one derived from the study seed', () => {
    const c = vectors.cases.find((x) => x.wave === 2)!;
    expect(c.seed_commitment).toBe(h(c.seed));
    expect(c.seed).not.toContain(c.study_seed!);
    const units = c.units.map((u) => ({ key: u.key, blockKey: u.block }));
    const fromS = drawAssignment(`${c.study_seed}|wave2`, units, c.arms);
    const armsFromS = Array.from(fromS.armOf, (k) => fromS.arms[k]);
    expect(armsFromS).not.toEqual(c.expected.arms);
  });

  it('has the cases the protocol needs', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(8);
    expect(
      vectors.cases.some((c) => c.arms.length === 3 && new Set(c.arms.map((a) => a.probability)).size === 3),
    ).toBe(true);
  });
});

describe('hand checks of the two smallest vectors', () => {
  // Seed "pilot", arms control 0.5 / treatment 0.5. First 16 hex digits of the ordering hashes
  // H("pilot-v1|pilot|unit|u<i>") (as printed by `printf 'pilot-v1|pilot|unit|u1' | sha256sum`):
  //   u1 cd9b051e188cfdbf   u2 e34cbb645c56d3f4   u3 2771369049697bbe   u4 d61343bf7aa8b2aa
  // so the order is u3 < u1 < u4 < u2.
  it('orders by hash and fills arms in declared order', () => {
    expect(h('pilot-v1|pilot|unit|u1').slice(0, 16)).toBe('cd9b051e188cfdbf');
    expect(h('pilot-v1|pilot|unit|u3').slice(0, 16)).toBe('2771369049697bbe');
    // 4 units: n·p = 2 for each arm, no leftover; u3 and u1 (first two in order) are control.
    const four = vectors.cases[0];
    expect(four.expected.arms).toEqual(['control', 'treatment', 'control', 'treatment']);
  });

  it('gives the leftover place by the block offset', () => {
    // 3 units in block "b": c = (1, 1), f = (0.5, 0.5), R = 1. u = 0x05b60a285509222a / 2⁶⁴ ≈ 0.022,
    // inside control's interval [0, 0.5), so counts are (2, 1): u3, u1 → control, u2 → treatment.
    expect(h('pilot-v1|pilot|block|b').slice(0, 16)).toBe('05b60a285509222a');
    expect(Number(BigInt('0x05b60a285509222a')) / 2 ** 64).toBeLessThan(0.5);
    const three = vectors.cases[1];
    expect(three.expected.block_counts).toEqual([{ block: 'b', counts: [2, 1] }]);
    expect(three.expected.arms).toEqual(['control', 'treatment', 'control']);
  });
});
