/**
 * Inference on a vector of event-time coefficients with covariance V and t(df) reference: pointwise
 * intervals, the average post-treatment effect, the joint pre-trend F test and a sup-t
 * simultaneous band.
 */
import { fUpperTail, tQuantileAt, tTwoSidedPValue } from '../distributions.ts';
import type {
  EventStudyOverall,
  EventStudyTerm,
  PretrendTest,
  UniformBandOptions,
} from './event-study-types.ts';
import { cholesky, quadraticForm, submatrix } from './symmetric-solve.ts';

/**
 * @example pointwiseTerms([0], Float64Array.of(2), Float64Array.of(1), Float64Array.of(10), [5], 0.05)[0].pValue // 0.0734
 */
export function pointwiseTerms(
  eventTimes: readonly number[],
  beta: Float64Array,
  vcov: Float64Array,
  df: Float64Array,
  n: readonly number[],
  alpha: number,
): EventStudyTerm[] {
  const m = eventTimes.length;
  return eventTimes.map((eventTime, k) => {
    const stdError = Math.sqrt(vcov[k * m + k]);
    const half = tQuantileAt(1 - alpha / 2, df[k]) * stdError;
    return {
      eventTime,
      estimate: beta[k],
      stdError,
      df: df[k],
      pValue: tTwoSidedPValue(beta[k] / stdError, df[k]),
      confLow: beta[k] - half,
      confHigh: beta[k] + half,
      uniformLow: null,
      uniformHigh: null,
      n: n[k],
    };
  });
}

/**
 * The mean of the coefficients at event times ≥ 0, with variance a′Va (a = 1/L on those terms),
 * or null when there is none.
 */
export function averagePostEffect(
  eventTimes: readonly number[],
  beta: Float64Array,
  vcov: Float64Array,
  df: number,
  alpha: number,
): EventStudyOverall | null {
  const post = eventTimes.flatMap((e, k) => (e >= 0 ? [k] : []));
  if (post.length === 0) return null;
  const m = eventTimes.length;
  const w = 1 / post.length;
  let estimate = 0;
  let variance = 0;
  for (const a of post) {
    estimate += w * beta[a];
    for (const b of post) variance += w * w * vcov[a * m + b];
  }
  const stdError = Math.sqrt(variance);
  const half = tQuantileAt(1 - alpha / 2, df) * stdError;
  return {
    estimate,
    stdError,
    df,
    pValue: tTwoSidedPValue(estimate / stdError, df),
    confLow: estimate - half,
    confHigh: estimate + half,
  };
}

/**
 * Wald test that the coefficients at event times < −1 are jointly 0: F = b′V⁻¹b / q on (q, df2).
 * Null when there is no such coefficient or their covariance is singular.
 */
export function pretrendTest(
  eventTimes: readonly number[],
  beta: Float64Array,
  vcov: Float64Array,
  df2: number,
): PretrendTest | null {
  const pre = eventTimes.flatMap((e, k) => (e < -1 ? [k] : []));
  if (pre.length === 0) return null;
  const q = pre.length;
  const wald = quadraticForm(
    Float64Array.from(pre, (k) => beta[k]),
    submatrix(vcov, eventTimes.length, pre),
    q,
  );
  if (!Number.isFinite(wald)) return null;
  const statistic = wald / q;
  return { statistic, df1: q, df2, pValue: fUpperTail(statistic, q, df2) };
}

/**
 * Sup-t critical value: the (1 − α) quantile (type 1) of max_k |Z_k| for Z ~ N(0, corr(V)), drawn
 * with Box–Muller normals from the caller's generator; then band β ± c·se on every term.
 */
export function addUniformBand(
  terms: EventStudyTerm[],
  vcov: Float64Array,
  alpha: number,
  options: UniformBandOptions,
): number | null {
  const m = terms.length;
  if (m === 0) return null;
  const corr = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) corr[a * m + b] = vcov[a * m + b] / (terms[a].stdError * terms[b].stdError);
  }
  for (let a = 0; a < m; a++) corr[a * m + a] += 1e-12;
  const l = cholesky(corr, m);
  if (l === null) return null;
  const maxima = new Float64Array(options.draws);
  const z = new Float64Array(m);
  for (let d = 0; d < options.draws; d++) {
    for (let k = 0; k < m; k++) z[k] = standardNormal(options.rng);
    let max = 0;
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let k = 0; k <= a; k++) s += l[a * m + k] * z[k];
      max = Math.max(max, Math.abs(s));
    }
    maxima[d] = max;
  }
  maxima.sort();
  const critical = maxima[Math.max(0, Math.ceil((1 - alpha) * options.draws) - 1)];
  for (const term of terms) {
    term.uniformLow = term.estimate - critical * term.stdError;
    term.uniformHigh = term.estimate + critical * term.stdError;
  }
  return critical;
}

function standardNormal(rng: () => number): number {
  let u = rng();
  while (u <= 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
