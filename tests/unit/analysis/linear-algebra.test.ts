import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { thinQr } from '../../../analysis/householder-qr.ts';
import {
  CR2_EIGEN_TOLERANCE,
  EigenWorkspace,
  inverseSqrtComplementKernel,
  inverseSqrtPsdInto,
  symmetricEigen,
} from '../../../analysis/symmetric-eigen.ts';
import { invertUpperTriangular, multiply } from '../../../analysis/dense-matrix.ts';
import { fTail, tTails } from './distribution-values.ts';
import { fUpperTail, tQuantileAt, tTwoSidedPValue } from '../../../analysis/distributions.ts';
import {
  encodeFactor,
  firstAppearanceCodes,
  groupRows,
  subsetFactor,
} from '../../../analysis/factor-codes.ts';

const column = (xs: number[]) => Float64Array.from(xs);

describe('thinQr', () => {
  it('reconstructs X = QR with orthonormal Q', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }), {
          minLength: 3,
          maxLength: 3,
        }),
        (cols) => {
          const x = cols.map(column);
          const out = thinQr(x);
          if (!out.ok) return; // random columns can be collinear only with probability ~0
          const { q, r } = out.qr;
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) {
              const dot = q[a].reduce((s, v, i) => s + v * q[b][i], 0);
              expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-10);
            }
            for (let i = 0; i < 12; i++) {
              let v = 0;
              for (let k = 0; k <= a; k++) v += q[k][i] * r[k * 3 + a];
              expect(Math.abs(v - x[a][i])).toBeLessThan(1e-9 * (1 + Math.abs(x[a][i])));
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports every collinear column, by R’s 1e-7 rule', () => {
    const one = column([1, 1, 1, 1, 1]);
    const x = column([1, 2, 3, 4, 5]);
    const out = thinQr([
      one,
      x,
      column([3, 5, 7, 9, 11]),
      column([1, 4, 9, 16, 25]),
      column([0, 0, 0, 0, 0]),
    ]);
    expect(out).toEqual({ ok: false, collinear: [2, 4] });
    const nearly = thinQr([one, x, column([1, 2, 3, 4, 5 + 1e-9])]);
    expect(nearly.ok).toBe(false);
    expect(thinQr([one, x, column([1, 2, 3, 4, 5.001])]).ok).toBe(true);
  });

  it('treats a column of underflowing magnitude as zero rather than returning NaN', () => {
    expect(thinQr([column([0, 0, 0, -5e-324]), column([1, 2, 3, 4])])).toEqual({ ok: false, collinear: [0] });
    expect(thinQr([column([1, 1, 1, 1]), column([0, 0, 0, 1e-200])])).toEqual({ ok: false, collinear: [1] });
  });
});

describe('symmetric eigen-decomposition and the CR2 kernel', () => {
  it('reconstructs A = V Λ Vᵀ', () => {
    const a = Float64Array.of(4, 1, 0.5, 1, 3, -1, 0.5, -1, 2);
    const { values, vectors } = symmetricEigen(a, 3);
    const lambda = new Float64Array(9);
    for (let j = 0; j < 3; j++) lambda[j * 3 + j] = values[j];
    const vt = Float64Array.from({ length: 9 }, (_, k) => vectors[(k % 3) * 3 + Math.floor(k / 3)]);
    const back = multiply(multiply(vectors, lambda, 3), vt, 3);
    back.forEach((v, k) => expect(v).toBeCloseTo(a[k], 12));
  });

  it('I + U K Uᵀ is the pseudo-inverse square root of I − UUᵀ', () => {
    // U: 4 × 2 with small entries (a cluster block of an orthonormal basis)
    const u = [
      [0.3, 0.1],
      [0.2, -0.4],
      [0.1, 0.2],
      [0.4, 0.3],
    ];
    const gram = Float64Array.from({ length: 4 }, (_, k) =>
      u.reduce((s, row) => s + row[k >> 1] * row[k & 1], 0),
    );
    const kern = inverseSqrtComplementKernel(gram, 2);
    const a = Array.from({ length: 16 }, (_, k) => {
      const i = k >> 2;
      const j = k & 3;
      let v = i === j ? 1 : 0;
      for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) v += u[i][p] * kern[p * 2 + q] * u[j][q];
      return v;
    });
    const m = Array.from(
      { length: 16 },
      (_, k) => (k >> 2 === (k & 3) ? 1 : 0) - u[k >> 2][0] * u[k & 3][0] - u[k >> 2][1] * u[k & 3][1],
    );
    // A M A = I
    const am = multiply(Float64Array.from(a), Float64Array.from(m), 4);
    const ama = multiply(am, Float64Array.from(a), 4);
    ama.forEach((v, k) => expect(v).toBeCloseTo(k >> 2 === (k & 3) ? 1 : 0, 12));
  });

  it('clamps an eigenvalue of I − UUᵀ at zero (a unit alone in its arm) to a zero inverse root', () => {
    // U = 1 × 1 with u² = 1: I − UUᵀ = 0, so A = 0, i.e. 1 + 1·K·1 = 0
    const kern = inverseSqrtComplementKernel(Float64Array.of(1), 1);
    expect(1 + kern[0]).toBeCloseTo(0, 12);
  });

  it('inverts an upper-triangular matrix', () => {
    const r = Float64Array.of(2, 1, 3, 0, 4, -1, 0, 0, 5);
    const prod = multiply(r, invertUpperTriangular(r, 3), 3);
    prod.forEach((v, k) => expect(v).toBeCloseTo(k % 4 === 0 ? 1 : 0, 14));
    expect(() => invertUpperTriangular(Float64Array.of(1, 1, 0, 0), 2)).toThrow(RangeError);
  });
});

describe('the 2 × 2 inverse square root', () => {
  /** inverseSqrtPsdInto's general arithmetic: the Jacobi decomposition, then Σ_j φ_j v_j v_jᵀ in its loops' order. */
  function general(m: Float64Array): Float64Array {
    const { values, vectors: v } = symmetricEigen(m, 2);
    const out = new Float64Array(4);
    for (let j = 0; j < 2; j++) {
      if (!(values[j] > CR2_EIGEN_TOLERANCE)) continue;
      const phi = 1 / Math.sqrt(values[j]);
      for (let r = 0; r < 2; r++) {
        const vr = v[r * 2 + j] * phi;
        if (vr === 0) continue;
        for (let t = 0; t < 2; t++) out[r * 2 + t] += vr * v[t * 2 + j];
      }
    }
    return out;
  }

  it('is bit for bit the general path, for any symmetric 2 × 2 matrix', () => {
    const entry = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -2, max: 2 }),
      fc.constantFrom(0, -0, 1, 0.5, 1e-13, 1 - 1e-13, 1e-300),
    );
    const ws = new EigenWorkspace();
    fc.assert(
      fc.property(entry, entry, entry, (d0, off, d1) => {
        const m = Float64Array.of(d0, off, off, d1);
        const got = Array.from(inverseSqrtPsdInto(m, 2, ws).subarray(0, 4));
        const want = Array.from(general(m));
        expect(got.every((x, i) => Object.is(x, want[i]))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives A with A(I − H)A = I on a household block', () => {
    // I − H for two rows of an orthonormal basis: eigenvalues 0.5 and 0.8
    const m = Float64Array.of(0.65, 0.15, 0.15, 0.65);
    const a = inverseSqrtPsdInto(m, 2, new EigenWorkspace()).slice(0, 4);
    const ama = multiply(multiply(a, m, 2), a, 2);
    [1, 0, 0, 1].forEach((x, i) => expect(ama[i]).toBeCloseTo(x, 12));
  });
});

describe('distributions from @stdlib agree with R', () => {
  it.each(tTails)('qt / pt at df %p', (df, q975, t, p) => {
    expect(Math.abs(tQuantileAt(0.975, df) - q975) / q975).toBeLessThan(1e-12);
    expect(Math.abs(tTwoSidedPValue(t, df) - p) / p).toBeLessThan(1e-10);
  });

  it('pf upper tail', () => {
    for (const [f, d1, d2, p] of fTail) expect(Math.abs(fUpperTail(f, d1, d2) - p) / p).toBeLessThan(1e-10);
  });

  it('returns NaN for df ≤ 0', () => {
    expect(tQuantileAt(0.975, 0)).toBeNaN();
    expect(tTwoSidedPValue(2, -1)).toBeNaN();
  });
});

describe('factor codes', () => {
  it('encodes in order of first appearance and groups rows stably', () => {
    const f = encodeFactor(['b', 'a', 'b', 'c']);
    expect(Array.from(f.codes)).toEqual([0, 1, 0, 2]);
    expect(f.levels).toEqual(['b', 'a', 'c']);
    const g = groupRows(f.codes, 3);
    expect(Array.from(g.start)).toEqual([0, 2, 3, 4]);
    expect(Array.from(g.order)).toEqual([0, 2, 1, 3]);
    const s = subsetFactor(f, Uint8Array.of(0, 1, 1, 0));
    expect(Array.from(s.codes)).toEqual([0, 1]);
    expect(s.levels).toEqual(['a', 'b']);
  });

  it('throws on a missing label', () => {
    expect(() => encodeFactor(['a', Number.NaN])).toThrow(/row 1 is missing/);
  });

  it('codes labels as match(x, unique(x)) does, missing ones as the caller says', () => {
    const rng = seedrandom('first-appearance');
    for (let trial = 0; trial < 50; trial++) {
      const labels = Array.from({ length: Math.floor(rng() * 60) }, () =>
        rng() < 0.1 ? 'NA' : `l${Math.floor(rng() * 12)}`,
      );
      const unique = [...new Set(labels.filter((l) => l !== 'NA'))];
      const missing: number[] = [];
      const got = firstAppearanceCodes(
        labels.length,
        (i) => labels[i],
        (l) => l === 'NA',
        (i) => (missing.push(i), -1),
      );
      expect(got.levels).toEqual(unique);
      expect(Array.from(got.codes)).toEqual(labels.map((l) => (l === 'NA' ? -1 : unique.indexOf(l))));
      expect(missing).toEqual(labels.flatMap((l, i) => (l === 'NA' ? [i] : [])));
      if (!missing.length) expect(Array.from(encodeFactor(labels).codes)).toEqual(Array.from(got.codes));
    }
  });
});
