/**
 * The few distribution functions Pilot's estimators need, taken from @stdlib (never hand-written
 * special functions). Names follow R: `qt`, `pt`, `pf`.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import betainc from '@stdlib/math-base-special-betainc';

/**
 * Quantile of Student's t distribution, R's `qt(p, df)`.
 *
 * @param p probability in (0, 1)
 * @param df degrees of freedom (> 0, need not be an integer); NaN when df ≤ 0 or NaN
 * @example tQuantileAt(0.975, 30) // 2.0422724563012373
 */
export function tQuantileAt(p: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  return tQuantile(p, df);
}

/**
 * Two-sided p-value of a t statistic, R's `2 * pt(abs(t), df, lower.tail = FALSE)`. The lower tail
 * at −|t| is used so that small p-values keep their relative precision.
 *
 * @example tTwoSidedPValue(2, 10) // 0.07338803477074...
 */
export function tTwoSidedPValue(statistic: number, df: number): number {
  if (!(df > 0) || Number.isNaN(statistic)) return Number.NaN;
  return 2 * tCdf(-Math.abs(statistic), df);
}

/**
 * Upper tail of the F distribution, R's `pf(f, df1, df2, lower.tail = FALSE)`, as the complemented
 * regularized incomplete beta P(F > f) = I_{df2/(df2 + df1·f)}(df2/2, df1/2), which keeps its
 * relative precision far into the tail (a strong first stage has p ≈ 1e-186; 1 − cdf would give 0).
 *
 * Reference: Abramowitz & Stegun 26.6.2; R's `pf` (nmath/pf.c calls pbeta the same way).
 *
 * @example fUpperTail(3.2, 1, 30) // 0.08374109385525595
 * @example fUpperTail(400, 3, 500) // 2.0e-132 (R: pf(400, 3, 500, lower.tail = FALSE))
 */
export function fUpperTail(value: number, numDf: number, denDf: number): number {
  if (!(numDf > 0) || !(denDf > 0) || Number.isNaN(value)) return Number.NaN;
  if (value <= 0) return 1;
  if (value === Infinity) return 0;
  return betainc(denDf / (denDf + numDf * value), denDf / 2, numDf / 2, true, false);
}
