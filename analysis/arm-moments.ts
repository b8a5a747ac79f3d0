/**
 * Per-arm means and variances (divisor n − 1), computed in two passes for accuracy.
 */

export interface ArmMoments {
  n1: number;
  n0: number;
  mean1: number;
  mean0: number;
  /** Sample variances with divisor n − 1 (NaN for an arm of one unit). */
  var1: number;
  var0: number;
}

/**
 * Moments of y by arm over the given rows (all rows when `rows` is omitted).
 *
 * @example armMoments(Float64Array.of(1, 2, 3, 5), Float64Array.of(0, 0, 1, 1)) // mean1 4, mean0 1.5, var1 2, var0 0.5
 */
export function armMoments(
  y: Float64Array,
  z: Float64Array,
  rows?: Int32Array,
  from = 0,
  to = rows ? rows.length : y.length,
): ArmMoments {
  let n1 = 0;
  let n0 = 0;
  let s1 = 0;
  let s0 = 0;
  for (let t = from; t < to; t++) {
    const i = rows ? rows[t] : t;
    if (z[i] === 1) {
      n1++;
      s1 += y[i];
    } else {
      n0++;
      s0 += y[i];
    }
  }
  const mean1 = s1 / n1;
  const mean0 = s0 / n0;
  let ss1 = 0;
  let ss0 = 0;
  for (let t = from; t < to; t++) {
    const i = rows ? rows[t] : t;
    const d = y[i] - (z[i] === 1 ? mean1 : mean0);
    if (z[i] === 1) ss1 += d * d;
    else ss0 += d * d;
  }
  return { n1, n0, mean1, mean0, var1: ss1 / (n1 - 1), var0: ss0 / (n0 - 1) };
}

/** Neyman variance s₁²/n₁ + s₀²/n₀ of the difference in means. */
export function neymanVariance(m: ArmMoments): number {
  return m.var1 / m.n1 + m.var0 / m.n0;
}

/**
 * Welch–Satterthwaite degrees of freedom V² / [(s₁²/n₁)²/(n₁−1) + (s₀²/n₀)²/(n₀−1)].
 *
 * @example welchDf(armMoments(...)) // R's t.test(var.equal = FALSE)$parameter
 */
export function welchDf(m: ArmMoments): number {
  const a = m.var1 / m.n1;
  const b = m.var0 / m.n0;
  return ((a + b) * (a + b)) / ((a * a) / (m.n1 - 1) + (b * b) / (m.n0 - 1));
}
