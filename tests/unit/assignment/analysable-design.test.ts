import fc from 'fast-check';
import { describe, expect, it } from '@jest/globals';
import {
  pooledBlocks,
  unanalysableDesign,
  unanalysableMessage,
} from '../../../assignment/analysable-design.ts';
import { differenceInMeans } from '../../../analysis/difference-in-means.ts';

const ARMS = ['control', 'treatment'];
const block = (blockKey: string, control: number, treatment: number) => ({
  blockKey,
  counts: [control, treatment],
});

describe('the randomization-time rule for the blocked difference in means', () => {
  it('refuses no block with both arms, a lone small block and a lone pair', () => {
    expect(unanalysableDesign([block('A', 1, 0), block('B', 0, 1)], ARMS)).toEqual({
      arms: ['control', 'treatment'],
      blocksWithBoth: [],
      singleArmBlocks: ['A', 'B'],
    });
    expect(unanalysableDesign([block('A', 2, 1), block('B', 1, 0)], ARMS)?.blocksWithBoth).toEqual(['A']);
    expect(unanalysableDesign([block('P', 1, 1)], ARMS)?.blocksWithBoth).toEqual(['P']);
  });

  it('lets through two blocks with both arms, or one with two units of each', () => {
    expect(unanalysableDesign([block('A', 2, 1), block('B', 1, 2)], ARMS)).toBeNull();
    expect(unanalysableDesign([block('A', 1, 1), block('B', 1, 1), block('C', 0, 1)], ARMS)).toBeNull();
    expect(unanalysableDesign([block('A', 2, 2), block('B', 1, 0)], ARMS)).toBeNull();
  });

  it('checks every pair of arms of a multi-arm study', () => {
    const arms = ['control', 'a', 'b'];
    const design = [
      { blockKey: 'X', counts: [2, 2, 1] },
      { blockKey: 'Y', counts: [2, 2, 0] },
    ];
    expect(unanalysableDesign(design, arms)).toMatchObject({ arms: ['control', 'b'], blocksWithBoth: ['X'] });
  });

  it('pools the units of every wave by block', () => {
    const units = [
      { blockKey: 'A', arm: 'control' },
      { blockKey: 'A', arm: 'treatment' },
      { blockKey: 'B', arm: 'treatment' },
      { blockKey: 'A', arm: 'control' },
    ];
    expect(pooledBlocks(units, ARMS)).toEqual([block('A', 2, 1), block('B', 0, 1)]);
  });

  it('names the blocks and the fix', () => {
    const d = unanalysableDesign([block('A', 2, 1), block('B', 1, 0)], ARMS)!;
    const message = unanalysableMessage(d, ['district', 'grade_band']);
    expect(message).toContain('only block "A" holds units of both control and treatment');
    expect(message).toContain('blocks with one arm only: "B"');
    expect(message).toContain('--block-by district,grade_band');
    expect(unanalysableMessage(d, [])).toContain('the study is not blocked');
  });

  it('refuses exactly the designs whose blocked difference in means has no finite standard error', () => {
    // every small design: 1–4 blocks of 0–3 control and 0–3 treated units, any outcomes
    const designArb = fc
      .array(
        fc
          .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
          .filter(([c, t]) => c + t > 0),
        { minLength: 1, maxLength: 4 },
      )
      .chain((counts) =>
        fc.tuple(
          fc.constant(counts),
          fc.array(fc.integer({ min: -50, max: 50 }), {
            minLength: counts.reduce((s, [c, t]) => s + c + t, 0),
            maxLength: counts.reduce((s, [c, t]) => s + c + t, 0),
          }),
        ),
      );
    let refused = 0;
    fc.assert(
      fc.property(designArb, ([counts, ys]) => {
        const z: number[] = [];
        const blocks: string[] = [];
        counts.forEach(([c, t], b) => {
          for (let k = 0; k < c + t; k++) {
            z.push(k < t ? 1 : 0);
            blocks.push(`b${b}`);
          }
        });
        const rule = unanalysableDesign(
          counts.map(([c, t], b) => block(`b${b}`, c, t)),
          ARMS,
        );
        const out = differenceInMeans({
          outcome: Float64Array.from(ys),
          treatment: Float64Array.from(z),
          blocks,
        });
        const estimated = out.ok && Number.isFinite(out.result.terms[0].stdError);
        if (rule) refused++;
        expect(rule === null).toBe(estimated);
      }),
      { numRuns: 2000 },
    );
    expect(refused).toBeGreaterThan(50);
  });
});
