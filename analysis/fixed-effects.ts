/**
 * Absorbed fixed effects for one factor (estimatr's `fixed_effects = ~f`): every column is
 * demeaned within the levels of f, which by the Frisch–Waugh–Lovell theorem gives the same
 * coefficients, residuals and (with the dummies' leverage added back) the same HC2/HC3/CR2
 * variances as the regression with one dummy per level. With a single factor one pass is exact,
 * where estimatr's alternating projections stop at a 1e-8 tolerance.
 */
import type { AbsorbedFactor } from './least-squares.ts';
import type { FactorCodes } from './types.ts';

/**
 * Describe the factor: level sizes and 1/√size.
 *
 * @example absorbedFactor({ codes: Int32Array.of(0, 0, 1), levels: ['a', 'b'] }).inverseSqrtSize // [1/√2, 1]
 */
export function absorbedFactor(factor: FactorCodes): AbsorbedFactor {
  const levelCount = factor.levels.length;
  const size = new Float64Array(levelCount);
  for (let i = 0; i < factor.codes.length; i++) size[factor.codes[i]]++;
  const inverseSqrtSize = new Float64Array(levelCount);
  for (let f = 0; f < levelCount; f++) inverseSqrtSize[f] = size[f] > 0 ? 1 / Math.sqrt(size[f]) : 0;
  return { codes: factor.codes, levelCount, inverseSqrtSize };
}

/**
 * x − (mean of x within the row's level).
 *
 * @example demeanWithin(Float64Array.of(1, 3, 10), absorbedFactor({ codes: Int32Array.of(0, 0, 1), levels: [0, 1] })) // [-1, 1, 0]
 */
export function demeanWithin(x: ArrayLike<number>, factor: AbsorbedFactor): Float64Array {
  const sum = new Float64Array(factor.levelCount);
  const count = new Float64Array(factor.levelCount);
  for (let i = 0; i < x.length; i++) {
    sum[factor.codes[i]] += x[i];
    count[factor.codes[i]]++;
  }
  for (let f = 0; f < factor.levelCount; f++) if (count[f] > 0) sum[f] /= count[f];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - sum[factor.codes[i]];
  return out;
}
