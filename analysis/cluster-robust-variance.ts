/**
 * Cluster-robust covariance CR0 and Stata's CR1 ("stata"), as estimatr 1.0.0's `lm_robust`:
 *
 *   V_CR0 = (XᵀX)⁻¹ (Σ_h X_hᵀe_h e_hᵀX_h) (XᵀX)⁻¹,
 *   V_stata = V_CR0 · G(n−1) / ((G−1)(n−k)),  k = rank including absorbed levels,
 *   df = G − 1 for every coefficient.
 *
 * Reference: Cameron & Miller (2015), J. Human Resources 50(2); Stata `regress, vce(cluster)`.
 */
import { addOuter, sandwich } from './dense-matrix.ts';
import type { GroupedRows } from './factor-codes.ts';
import type { CoefficientVariance } from './heteroskedasticity-robust-variance.ts';
import type { LeastSquaresFit } from './least-squares.ts';

/**
 * @example
 * // lm_robust(mpg ~ hp, mtcars, clusters = cyl, se_type = "stata"): SE(hp) 0.018676814, df 2
 */
export function clusterRobustVariance(
  fit: LeastSquaresFit,
  clusters: GroupedRows,
  seType: 'CR0' | 'stata',
): CoefficientVariance {
  const { p, n, rank, q, residuals } = fit;
  const meat = new Float64Array(p * p);
  const score = new Float64Array(p);
  let g = 0;
  for (let h = 0; h < clusters.groupCount; h++) {
    const from = clusters.start[h];
    const to = clusters.start[h + 1];
    if (to === from) continue;
    g++;
    score.fill(0);
    for (let t = from; t < to; t++) {
      const i = clusters.order[t];
      const e = residuals[i];
      for (let j = 0; j < p; j++) score[j] += q[j][i] * e;
    }
    addOuter(meat, score, p);
  }
  const vcov = sandwich(fit.rInv, meat, p);
  if (seType === 'stata') {
    const factor = (g * (n - 1)) / ((g - 1) * (n - rank));
    for (let k = 0; k < vcov.length; k++) vcov[k] *= factor;
  }
  return { vcov, df: new Float64Array(p).fill(g - 1) };
}

/** Number of non-empty clusters. */
export function countClusters(clusters: GroupedRows): number {
  let g = 0;
  for (let h = 0; h < clusters.groupCount; h++) if (clusters.start[h + 1] > clusters.start[h]) g++;
  return g;
}
