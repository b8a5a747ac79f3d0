/**
 * t-based inference for each coefficient, as estimatr's `add_cis_pvals`: statistic = b/se,
 * p = 2·P(T_df > |statistic|), interval b ± t_{df, 1−α/2}·se. A df ≤ 0 gives NaN p-value and
 * interval (estimatr sets such df to NA) and a warning.
 */
import { tQuantileAt, tTwoSidedPValue } from './distributions.ts';
import type { EstimatorWarning, TermEstimate } from './types.ts';

/**
 * @example termEstimate('z', 2, 1, 10, 0.05) // { statistic: 2, pValue: 0.0734, confLow: -0.228, … }
 */
export function termEstimate(
  term: string,
  estimate: number,
  stdError: number,
  df: number,
  alpha: number,
): TermEstimate {
  const usableDf = df > 0 ? df : Number.NaN;
  const statistic = estimate / stdError;
  const half = tQuantileAt(1 - alpha / 2, usableDf) * stdError;
  return {
    term,
    estimate,
    stdError,
    statistic,
    df: usableDf,
    pValue: tTwoSidedPValue(statistic, usableDf),
    confLow: estimate - half,
    confHigh: estimate + half,
  };
}

/** Terms of a fitted model from its coefficients, p × p covariance and per-coefficient df. */
export function termsFromFit(
  names: readonly string[],
  beta: ArrayLike<number>,
  vcov: Float64Array,
  df: ArrayLike<number>,
  alpha: number,
): TermEstimate[] {
  const p = names.length;
  return names.map((name, k) => termEstimate(name, beta[k], Math.sqrt(vcov[k * p + k]), df[k], alpha));
}

/** The warning for terms whose df is not positive, or null. */
export function nonpositiveDfWarning(terms: readonly TermEstimate[]): EstimatorWarning | null {
  const bad = terms.filter((t) => Number.isNaN(t.df)).map((t) => t.term);
  if (bad.length === 0) return null;
  return {
    code: 'nonpositive-df',
    message: `Degrees of freedom were estimated as zero or negative for ${bad.join(', ')}; their p-values and confidence intervals are not available.`,
    details: { terms: bad },
  };
}
