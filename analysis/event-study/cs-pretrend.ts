/**
 * did's pre-test of parallel trends: the Wald statistic W = n·θ'V⁻¹θ over the pre-treatment
 * ATT(g,t) with a non-zero variance, V = Ψ'Ψ/n from their influence functions (cluster sums when
 * clustered), chi-square with as many degrees of freedom as cells (did's W and Wpval).
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import type { CsPretrend, CsWarning } from './cs-types.ts';
import type { PreparedPanel } from './cs-prepare.ts';
import type { GtCell } from './cs-cells.ts';
import { choleskySolve } from './cholesky.ts';

const TINY = Math.sqrt(2.220446049250313e-16) * 10;

/** did's pre-test: W = n θ'V⁻¹θ over pre-treatment cells with a non-zero variance, V = Ψ'Ψ/n. */
export function pretrend(
  prep: PreparedPanel,
  cells: GtCell[],
  clusters: Int32Array | null,
  warnings: CsWarning[],
): CsPretrend | null {
  const pre = cells.filter(
    (c) => c.group > c.time && !c.reference && Number.isFinite(c.att) && analyticSe(c.inf, clusters) > TINY,
  );
  if (pre.length === 0) return null;
  const q = pre.length;
  const n = prep.n;
  const gram =
    !clusters && pre.every((c) => c.rep)
      ? repGram(
          prep,
          pre.map((c) => c.rep!),
        )
      : denseGram(pre.map((c) => (clusters ? clusterSum(c.inf, clusters) : c.inf)));
  const v = gram.map((x) => x / n);
  const theta = Float64Array.from(pre, (c) => c.att);
  const solved = choleskySolve(v, q, theta);
  if (!solved) {
    warnings.push({
      code: 'pretrend-singular',
      message:
        'The pre-trend Wald test is not reported: the covariance matrix of the pre-treatment effects is singular.',
    });
    return null;
  }
  let w = 0;
  for (let a = 0; a < q; a++) w += theta[a] * solved[a];
  w *= n;
  return { statistic: w, df1: q, df2: null, pValue: 1 - chisquareCdf(w, q) };
}

/** Ψ'Ψ of influence-function vectors. */
function denseGram(cols: Float64Array[]): Float64Array {
  const q = cols.length;
  const out = new Float64Array(q * q);
  for (let a = 0; a < q; a++) {
    for (let b = 0; b <= a; b++) {
      const x = cols[a];
      const y = cols[b];
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i] * y[i];
      out[a * q + b] = out[b * q + a] = s;
    }
  }
  return out;
}

/** Ψ'Ψ from by-cohort representations: Σ_c A_a[c]' M_c A_b[c], M_c = Σ_{i∈c} x_i x_i', x_i = (Y_i·, 1). */
function repGram(prep: PreparedPanel, reps: Float64Array[]): Float64Array {
  const nT = prep.tlist.length;
  const w = nT + 1;
  const nc = prep.cohorts.length;
  const moments = new Float64Array(nc * w * w);
  const x = new Float64Array(w);
  for (let i = 0; i < prep.n; i++) {
    for (let t = 0; t < nT; t++) x[t] = prep.y[i * nT + t];
    x[nT] = 1;
    const off = prep.cohortIndex[i] * w * w;
    for (let a = 0; a < w; a++) for (let b = 0; b <= a; b++) moments[off + a * w + b] += x[a] * x[b];
  }
  for (let c = 0; c < nc; c++)
    for (let a = 0; a < w; a++)
      for (let b = 0; b < a; b++) moments[c * w * w + b * w + a] = moments[c * w * w + a * w + b];
  const q = reps.length;
  const out = new Float64Array(q * q);
  for (let a = 0; a < q; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let c = 0; c < nc; c++) {
        const m = c * w * w;
        for (let r = 0; r < w; r++) {
          const ar = reps[a][c * w + r];
          if (ar === 0) continue;
          for (let k = 0; k < w; k++) s += ar * moments[m + r * w + k] * reps[b][c * w + k];
        }
      }
      out[a * q + b] = out[b * q + a] = s;
    }
  }
  return out;
}

export function clusterSum(inf: Float64Array, clusters: Int32Array): Float64Array {
  let g = 0;
  for (let i = 0; i < clusters.length; i++) g = Math.max(g, clusters[i] + 1);
  const out = new Float64Array(g);
  for (let i = 0; i < inf.length; i++) out[clusters[i]] += inf[i];
  return out;
}

/** √(Σψ²)/n, or with clusters √(Σ_c S_c²)/n. */
export function analyticSe(inf: Float64Array, clusters: Int32Array | null): number {
  const n = inf.length;
  if (!clusters) {
    let s = 0;
    for (let i = 0; i < n; i++) s += inf[i] * inf[i];
    return Math.sqrt(s) / n;
  }
  const sums = clusterSum(inf, clusters);
  let s = 0;
  for (let g = 0; g < sums.length; g++) s += sums[g] * sums[g];
  return Math.sqrt(s) / n;
}
