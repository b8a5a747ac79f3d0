/**
 * Clustered difference in means: the coefficient on z in the regression of y on [1, z] with CR2
 * standard errors and Bell–McCaffrey df, which is exactly what estimatr 1.0.0's
 * `difference_in_means(clusters = )` computes (it calls `lm_robust_fit(se_type = "CR2")`).
 * Used for the whole sample (design "Clustered") and within each block ("Block-clustered").
 *
 * Reference: estimatr `difference_in_means_internal`; Pustejovsky & Tipton (2018).
 */
import { cr2Variance } from './cr2-variance.ts';
import { groupRows } from './factor-codes.ts';
import { fitLeastSquares } from './least-squares.ts';

export interface ClusteredDifference {
  estimate: number;
  stdError: number;
  df: number;
  clusters: number;
}

/**
 * CR2 difference in means over rows[from..to) (cluster codes are global; they are re-coded here).
 *
 * @example
 * // formula data of METHODS.md §6 case 5: 2.7166667, SE 1.1229623, df 9.293849
 */
export function clusteredDifference(
  y: Float64Array,
  z: Float64Array,
  clusterCodes: Int32Array,
  rows: Int32Array,
  from = 0,
  to = rows.length,
  scratch: Int32Array = new Int32Array(maxCode(clusterCodes) + 1).fill(-1),
): ClusteredDifference {
  const n = to - from;
  const ySub = new Float64Array(n);
  const zSub = new Float64Array(n);
  const codes = new Int32Array(n);
  let count = 0;
  for (let t = 0; t < n; t++) {
    const i = rows[from + t];
    ySub[t] = y[i];
    zSub[t] = z[i];
    const c = clusterCodes[i];
    if (scratch[c] < 0) scratch[c] = count++;
    codes[t] = scratch[c];
  }
  for (let t = 0; t < n; t++) scratch[clusterCodes[rows[from + t]]] = -1;
  const fitted = fitLeastSquares(ySub, [new Float64Array(n).fill(1), zSub]);
  if (!fitted.ok) throw new RangeError('treatment must vary in a clustered difference in means');
  const variance = cr2Variance(fitted.fit, groupRows(codes, count));
  return {
    estimate: fitted.fit.beta[1],
    stdError: Math.sqrt(variance.vcov[3]),
    df: variance.df[1],
    clusters: count,
  };
}

function maxCode(codes: Int32Array): number {
  let m = -1;
  for (let i = 0; i < codes.length; i++) if (codes[i] > m) m = codes[i];
  return m;
}
