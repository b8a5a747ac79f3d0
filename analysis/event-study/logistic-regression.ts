/**
 * Logistic regression by Newton–Raphson, the propensity score of DRDID (which fits it with
 * fastglm, converged): maximum-likelihood coefficients of P(d = 1 | x) = 1/(1 + exp(−x'β)).
 */
import { choleskySolve, symmetrize } from './cholesky.ts';

/** Logistic regression of d on x by Newton–Raphson (R's glm / fastglm to convergence); fitted probabilities. */
export function logisticFit(x: Float64Array, k: number, d: Uint8Array): Float64Array | null {
  const n = d.length;
  const beta = new Float64Array(k);
  const p = new Float64Array(n);
  let previousDeviance = Number.POSITIVE_INFINITY;
  for (let iter = 0; iter < 100; iter++) {
    const h = new Float64Array(k * k);
    const grad = new Float64Array(k);
    let deviance = 0;
    for (let i = 0; i < n; i++) {
      const eta = dot(x, i, k, beta);
      const pi = 1 / (1 + Math.exp(-eta));
      p[i] = pi;
      deviance -= 2 * (d[i] ? Math.log(pi) : Math.log1p(-pi));
      const w = pi * (1 - pi);
      for (let a = 0; a < k; a++) {
        grad[a] += (d[i] - pi) * x[i * k + a];
        for (let b = 0; b <= a; b++) h[a * k + b] += w * x[i * k + a] * x[i * k + b];
      }
    }
    const step = choleskySolve(symmetrize(h, k), k, grad);
    if (!step) return null;
    for (let a = 0; a < k; a++) beta[a] += step[a];
    if (Math.abs(deviance - previousDeviance) < 1e-14 * (Math.abs(deviance) + 0.1) && maxAbs(step) < 1e-13)
      break;
    previousDeviance = deviance;
    if (!beta.every(Number.isFinite)) return null;
  }
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
