/**
 * The few distribution functions Pilot's estimators need, taken from @stdlib (never hand-written
 * special functions). Names follow R: `qt`, `pt`, `pf`.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import fCdf from '@stdlib/stats-base-dists-f-cdf';

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
 * Upper tail of the F distribution, R's `pf(f, df1, df2, lower.tail = FALSE)`. With one numerator
 * df, F = T² and the tail is computed as 2·P(T < −√f), which keeps tiny p-values (a strong first
 * stage has p ≈ 1e-186); otherwise 1 − cdf (absolute precision ~1e-16).
 *
 * @example fUpperTail(3.2, 1, 30) // 0.08374109385525595
 */
export function fUpperTail(value: number, numDf: number, denDf: number): number {
  if (!(numDf > 0) || !(denDf > 0) || Number.isNaN(value)) return Number.NaN;
  if (numDf === 1) return 2 * tCdf(-Math.sqrt(value), denDf);
  return 1 - fCdf(value, numDf, denDf);
}
