/**
 * Dispatch from a standard-error type to its covariance estimator.
 */
import { clusterRobustVariance } from './cluster-robust-variance.ts';
import { cr2Variance } from './cr2-variance.ts';
import type { GroupedRows } from './factor-codes.ts';
import {
  heteroskedasticityRobustVariance,
  type CoefficientVariance,
} from './heteroskedasticity-robust-variance.ts';
import type { LeastSquaresFit } from './least-squares.ts';
import type { SeType } from './types.ts';

/**
 * Covariance and df of the coefficients of `fit` (seType already resolved by `resolveSeType`).
 *
 * @throws {RangeError} when a clustered type is asked for without clusters, or "stata" is unresolved
 */
export function coefficientVariance(
  fit: LeastSquaresFit,
  seType: SeType,
  clusters: GroupedRows | null,
  /** CR2: 1 for each coefficient whose degrees of freedom are wanted (default all). */
  dfMask?: Uint8Array,
): CoefficientVariance {
  if (seType === 'CR0' || seType === 'CR2' || (seType === 'stata' && clusters)) {
    if (!clusters) throw new RangeError(`${seType} needs clusters`);
    return seType === 'CR2'
      ? cr2Variance(fit, clusters, dfMask)
      : clusterRobustVariance(fit, clusters, seType);
  }
  if (seType === 'stata') throw new RangeError('resolve "stata" to HC1 without clusters first');
  return heteroskedasticityRobustVariance(fit, seType);
}
