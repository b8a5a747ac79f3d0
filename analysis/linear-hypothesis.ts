/**
 * Joint Wald test that several coefficients are all zero (a linear hypothesis Rβ = 0 with R
 * selecting q coefficients), with the covariance of the chosen standard-error type:
 *
 *   F = β̂_Sᵀ V̂_S⁻¹ β̂_S / q   on (q, ν) df,   ν = n − rank, or G − 1 with clusters,
 *
 * the convention of estimatr 1.0.0's model F statistic (`fstatistic`, which tests every
 * non-intercept coefficient this way) and of `car::linearHypothesis(test = "F")` on an
 * `lm_robust` fit. Used for heterogeneity: all treatment-by-subgroup interactions zero.
 *
 * Reference: Wooldridge (2010), Econometric Analysis of Cross Section and Panel Data, §4.2.3;
 * estimatr `lm_robust` (`get_fstat`).
 */
import { fUpperTail } from './distributions.ts';

export interface WaldTest {
  terms: string[];
  statistic: number;
  numDf: number;
  denDf: number;
  pValue: number;
}

export type WaldTestOutcome = { ok: true; test: WaldTest } | { ok: false; message: string };

/**
 * Terms chosen by a specification: comma-separated names, each matching the term of that name or,
 * failing that, every term that starts with it (so `z:grade_band` selects `z:grade_band6-8_c`, …).
 *
 * @example selectTerms(['(Intercept)', 'z', 'z:gA_c', 'z:gB_c'], 'z:g') // ['z:gA_c', 'z:gB_c']
 */
export function selectTerms(names: readonly string[], spec: string): string[] {
  const chosen: string[] = [];
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const matches = names.includes(item) ? [item] : names.filter((n) => n.startsWith(item));
    for (const m of matches) if (!chosen.includes(m)) chosen.push(m);
  }
  return chosen;
}

/**
 * @param vcov p × p covariance of all coefficients (row-major, order of `names`)
 * @example
 * // lm_robust(...)$fstatistic equals waldTest over every term but the intercept (tests/fixtures/estimators/hypotheses.json)
 */
export function waldTest(
  names: readonly string[],
  beta: ArrayLike<number>,
  vcov: Float64Array,
  denDf: number,
  chosen: readonly string[],
): WaldTestOutcome {
  if (chosen.length === 0) return { ok: false, message: 'the hypothesis names no coefficient of the model' };
  const p = names.length;
  const idx = chosen.map((t) => names.indexOf(t));
  const q = idx.length;
  const v = new Float64Array(q * q);
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) v[a * q + b] = vcov[idx[a] * p + idx[b]];
  const b = Float64Array.from(idx, (k) => beta[k]);
  const solved = solveSymmetric(v, b, q);
  if (!solved)
    return {
      ok: false,
      message: `the covariance of ${chosen.join(', ')} is singular, so they cannot be tested jointly (drop a redundant one)`,
    };
  let quad = 0;
  for (let k = 0; k < q; k++) quad += b[k] * solved[k];
  const statistic = quad / q;
  return {
    ok: true,
    test: { terms: [...chosen], statistic, numDf: q, denDf, pValue: fUpperTail(statistic, q, denDf) },
  };
}

/** x with Ax = b by Gaussian elimination with partial pivoting; null when A is (numerically) singular. */
function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(m[i * n + i]));
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[pivot * n + c])) pivot = r;
    if (!(Math.abs(m[pivot * n + c]) > 1e-14 * scale)) return null;
    if (pivot !== c) {
      for (let k = 0; k < n; k++) [m[c * n + k], m[pivot * n + k]] = [m[pivot * n + k], m[c * n + k]];
      [x[c], x[pivot]] = [x[pivot], x[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c] / m[c * n + c];
      for (let k = c; k < n; k++) m[r * n + k] -= f * m[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c];
    for (let k = c + 1; k < n; k++) s -= m[c * n + k] * x[k];
    x[c] = s / m[c * n + c];
  }
  return x;
}
