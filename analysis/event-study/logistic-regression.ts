/**
 * Logistic regression by Newton–Raphson, the propensity score of DRDID (which fits it with
 * fastglm, converged): maximum-likelihood coefficients of P(d = 1 | x) = 1/(1 + exp(−x'β)).
 */
import { choleskySolve, symmetrize } from './cholesky.ts';

/**
 * Logistic regression of d on x by Newton–Raphson (R's glm / fastglm run to convergence): the
 * fitted probabilities, or null when the fit fails (collinear columns, perfect separation). Newton
 * converges quadratically, so iterating until a step is below 1e-9 (relative) leaves an error of
 * order 1e-18 in the coefficients.
 */
export function logisticFit(x: Float64Array, k: number, d: Uint8Array): Float64Array | null {
  const n = d.length;
  const beta = new Float64Array(k);
  const p = new Float64Array(n);
  let converged = false;
  for (let iter = 0; iter < 60 && !converged; iter++) {
    const h = new Float64Array(k * k);
    const grad = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const pi = 1 / (1 + Math.exp(-dot(x, i, k, beta)));
      const w = pi * (1 - pi);
      const r = d[i] - pi;
      const o = i * k;
      for (let a = 0; a < k; a++) {
        const xa = x[o + a];
        grad[a] += r * xa;
        for (let b = 0; b <= a; b++) h[a * k + b] += w * xa * x[o + b];
      }
    }
    const step = choleskySolve(symmetrize(h, k), k, grad);
    if (!step) return null;
    for (let a = 0; a < k; a++) beta[a] += step[a];
    if (!beta.every(Number.isFinite)) return null;
    converged = maxAbs(step) < 1e-9 * (1 + maxAbs(beta));
  }
  if (!converged) return null;
  for (let i = 0; i < n; i++) p[i] = 1 / (1 + Math.exp(-dot(x, i, k, beta)));
  return p;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

function dot(x: Float64Array, i: number, k: number, v: Float64Array): number {
  let s = 0;
  for (let a = 0; a < k; a++) s += x[i * k + a] * v[a];
  return s;
}
