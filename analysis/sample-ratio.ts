import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/** Result of a sample-ratio check: the chi-square test and whether it crosses the alarm threshold. */
export interface SampleRatioCheck {
  observed: number[];
  expected: number[];
  chiSquare: number;
  df: number;
  pValue: number;
  threshold: number;
  /** true when pValue < threshold: the arms' counts are unlikely under the designed ratio. */
  flagged: boolean;
}

/**
 * Sample-ratio mismatch (SRM) check: Pearson's chi-square goodness-of-fit test of the observed arm
 * counts against the counts the design's arm probabilities imply,
 * χ² = Σₖ (Oₖ − Eₖ)² / Eₖ with Eₖ = N·wₖ/Σw, on K − 1 degrees of freedom.
 * Flagged when p < threshold (default 0.001, GrowthBook's and Statsig's alarm level).
 *
 * In a complete or blocked randomization the assigned counts are fixed by design, so run this on
 * the analysed sample (students with outcomes): a mismatch there is a differential-attrition alarm.
 *
 * Reference: Fabijan et al. (2019), "Diagnosing sample ratio mismatch in online controlled
 * experiments", KDD. Matches GrowthBook's `check_srm` (gbstats/utils.py) and R
 * `chisq.test(x = observed, p = weights / sum(weights))`.
 *
 * @param observed counts per arm (non-negative integers)
 * @param weights designed arm weights or probabilities (positive; normalised here)
 * @param threshold alarm level for the p-value
 * @throws {RangeError} on fewer than two arms, mismatched lengths, negative counts, non-positive weights
 *   or a total count of zero
 * @example
 * sampleRatioCheck([5200, 4800], [0.5, 0.5]).pValue; // => 6.3342484e-5 (χ² = 16, flagged)
 */
export function sampleRatioCheck(
  observed: readonly number[],
  weights: readonly number[],
  threshold = 0.001,
): SampleRatioCheck {
  if (observed.length < 2) throw new RangeError('a sample-ratio check needs at least two arms');
  if (observed.length !== weights.length)
    throw new RangeError('observed counts and weights differ in length');
  if (observed.some((o) => !(o >= 0) || !Number.isFinite(o)))
    throw new RangeError('counts must be non-negative');
  if (weights.some((w) => !(w > 0) || !Number.isFinite(w))) throw new RangeError('weights must be positive');
  if (!(threshold > 0 && threshold < 1)) throw new RangeError('threshold must be in (0, 1)');
  const total = observed.reduce((a, b) => a + b, 0);
  if (total === 0) throw new RangeError('no units observed');
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  let chiSquare = 0;
  observed.forEach((o, k) => {
    chiSquare += (o - expected[k]) ** 2 / expected[k];
  });
  const df = observed.length - 1;
  // Upper tail as 1 − F(χ²): absolute error ~1e-16, ample for a check flagged at 1e-3.
  const pValue = Math.max(0, 1 - chisquareCdf(chiSquare, df));
  return { observed: [...observed], expected, chiSquare, df, pValue, threshold, flagged: pValue < threshold };
}
