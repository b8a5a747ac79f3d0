import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { clusteredDifference } from '../../../analysis/clustered-difference-in-means.ts';
import { cr2Variance } from '../../../analysis/cr2-variance.ts';
import { groupRows } from '../../../analysis/factor-codes.ts';
import { fitLeastSquares } from '../../../analysis/least-squares.ts';

// clusteredDifference computes a cluster-randomized design (every cluster in one arm, two or more
// clusters per arm) in closed form; the regression of y on [1, z] with CR2 and Bell–McCaffrey df
// (cr2Variance, golden-tested against estimatr) must give the same numbers.

function byRegression(y: Float64Array, z: Float64Array, clusters: Int32Array) {
  const out = fitLeastSquares(y, [new Float64Array(y.length).fill(1), z]);
  if (!out.ok) throw new Error('collinear');
  const groups = Math.max(...clusters) + 1;
  const v = cr2Variance(out.fit, groupRows(clusters, groups));
  return { estimate: out.fit.beta[1], stdError: Math.sqrt(v.vcov[3]), df: v.df[1] };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('clustered difference in means, closed form for cluster-randomized designs', () => {
  it('matches the regression (CR2, Bell–McCaffrey df) on random cluster-randomized designs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 5 }), treated: fc.boolean() }), {
          minLength: 4,
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (clusters, seed) => {
          const treated = clusters.filter((c) => c.treated).length;
          fc.pre(treated >= 2 && clusters.length - treated >= 2);
          const y: number[] = [];
          const z: number[] = [];
          const codes: number[] = [];
          let state = seed;
          const next = () => ((state = (state * 48271) % 2147483647) / 2147483647) * 10;
          clusters.forEach((c, h) => {
            const level = next();
            for (let k = 0; k < c.size; k++) {
              y.push(level + next() + (c.treated ? 1 : 0));
              z.push(c.treated ? 1 : 0);
              codes.push(h);
            }
          });
          const Y = Float64Array.from(y);
          const Z = Float64Array.from(z);
          const C = Int32Array.from(codes);
          const fast = clusteredDifference(
            Y,
            Z,
            C,
            Int32Array.from(y, (_, i) => i),
          );
          const slow = byRegression(Y, Z, C);
          expect(fast.clusters).toBe(clusters.length);
          expect(Math.abs(fast.estimate - slow.estimate)).toBeLessThan(1e-10 * (1 + Math.abs(slow.estimate)));
          expect(rel(fast.stdError, slow.stdError)).toBeLessThan(1e-9);
          expect(rel(fast.df, slow.df)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a cluster mixing arms takes the regression path', () => {
    const y = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 9);
    const z = Float64Array.of(1, 0, 1, 1, 0, 0, 1, 0);
    const c = Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3);
    const got = clusteredDifference(
      y,
      z,
      c,
      Int32Array.from(y, (_, i) => i),
    );
    const want = byRegression(y, z, c);
    expect(got.stdError).toBe(want.stdError);
    expect(got.df).toBe(want.df);
  });
});
