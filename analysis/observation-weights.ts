/**
 * Observation weights as estimatr normalises them: divided by their mean, so that weighted
 * least squares minimises Σ (wᵢ/w̄)(yᵢ − xᵢᵀβ)², and applied as √(wᵢ/w̄) to every row of X and y.
 * The mean itself is kept: estimatr's weighted CR2 degrees of freedom depend on it.
 *
 * Reference: estimatr `lm_robust` (R/helper_lm_robust_fit.R, `prep_data`).
 */
import type { EstimatorRefusal } from './types.ts';

export interface ObservationWeights {
  /** w / mean(w) */
  normalized: Float64Array;
  /** √(w / mean(w)) */
  root: Float64Array;
  /** mean of the weights as given */
  mean: number;
}

/**
 * @throws {TypeError} when a weight is negative or not finite (a caller mistake: the CSV reader refuses these)
 * @example normalizeWeights([1, 3], 2) // { ok: true, weights: { normalized: [0.5, 1.5], root: [√.5, √1.5], mean: 2 } }
 */
export function normalizeWeights(
  values: ArrayLike<number>,
  n: number,
): { ok: true; weights: ObservationWeights } | { ok: false; refusal: EstimatorRefusal } {
  if (values.length !== n) throw new RangeError(`weights has ${values.length} rows but the outcome has ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = values[i];
    if (!(Number.isFinite(w) && w >= 0))
      throw new TypeError(`weights[${i}] must be a non-negative number (got ${w})`);
    sum += w;
  }
  if (!(sum > 0))
    return {
      ok: false,
      refusal: { code: 'empty-data', message: 'Every weight is zero; there is nothing to estimate from.' },
    };
  const mean = sum / n;
  const normalized = Float64Array.from(values, (w) => w / mean);
  return { ok: true, weights: { normalized, root: normalized.map(Math.sqrt), mean } };
}

/**
 * x − (weighted mean of x within the row's level), the weighted within transformation.
 *
 * @example demeanWithinWeighted([1, 3, 10], Int32Array.of(0, 0, 1), 2, Float64Array.of(1, 3, 1)) // [-1.5, 0.5, 0]
 */
export function demeanWithinWeighted(
  x: ArrayLike<number>,
  codes: Int32Array,
  levelCount: number,
  w: Float64Array,
): Float64Array {
  const sum = new Float64Array(levelCount);
  const total = new Float64Array(levelCount);
  for (let i = 0; i < x.length; i++) {
    sum[codes[i]] += w[i] * x[i];
    total[codes[i]] += w[i];
  }
  for (let f = 0; f < levelCount; f++) if (total[f] > 0) sum[f] /= total[f];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - sum[codes[i]];
  return out;
}
