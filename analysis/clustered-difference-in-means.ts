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
import { CR2_EIGEN_TOLERANCE } from './symmetric-eigen.ts';
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
  const fast = armClusteredDifference(y, z, clusterCodes, rows, from, to, scratch);
  if (fast) return fast;
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

/**
 * The same numbers in closed form, O(n) with no regression, when every cluster lies in one arm and
 * each arm has at least two clusters (what a cluster-randomized design gives); null otherwise (the
 * caller then fits the regression).
 *
 * With X = [1, z] and N_a rows in arm a, a cluster h of n_h rows in arm a has H_hh = J/N_a (J all
 * ones), so A_h = (I − H_hh)^{−1/2} = I + (s_h − 1)J/n_h with s_h = (1 − n_h/N_a)^{−1/2}, and
 * X_h(XᵀX)⁻¹e_z = b_a·1 with b₁ = 1/N₁, b₀ = −1/N₀. Hence, with E_h the sum of the cluster's residuals
 * y − ȳ_a,
 *
 *   V(τ̂) = Σ_h b_a² s_h² E_h²,
 *
 * and the Bell–McCaffrey terms p_hᵀp_g = δ_hg α_h − [same arm] ν_h ν_g / N_a with α_h = b_a² s_h² n_h,
 * ν_h = b_a s_h n_h (clusters of different arms are orthogonal), so
 *
 *   df = (Σ_h α_h − Σ_a Σ_{h∈a} ν_h²/N_a)² / Σ_a [Σ α_h² − 2 Σ α_h ν_h²/N_a + (Σ ν_h²)²/N_a²].
 *
 * Checked against the regression path in tests/unit/analysis/clustered-difference-fast.test.ts.
 */
function armClusteredDifference(
  y: Float64Array,
  z: Float64Array,
  clusterCodes: Int32Array,
  rows: Int32Array,
  from: number,
  to: number,
  scratch: Int32Array,
): ClusteredDifference | null {
  // local cluster index of each row, the cluster's arm, size and residual sum
  const n = to - from;
  const local = new Int32Array(n);
  const arm = new Uint8Array(n);
  const size = new Int32Array(n);
  let count = 0;
  let mixed = false;
  const sum = [0, 0];
  const rowsIn = [0, 0];
  for (let t = 0; t < n; t++) {
    const i = rows[from + t];
    const c = clusterCodes[i];
    const a = z[i] === 1 ? 1 : 0;
    if (scratch[c] < 0) {
      arm[count] = a;
      scratch[c] = count++;
    }
    const h = scratch[c];
    local[t] = h;
    if (arm[h] !== a) mixed = true;
    size[h]++;
    sum[a] += y[i];
    rowsIn[a]++;
  }
  for (let t = 0; t < n; t++) scratch[clusterCodes[rows[from + t]]] = -1;
  if (mixed) return null;
  const clustersIn = [0, 0];
  for (let h = 0; h < count; h++) clustersIn[arm[h]]++;
  if (clustersIn[0] < 2 || clustersIn[1] < 2) return null;
  const mean = [sum[0] / rowsIn[0], sum[1] / rowsIn[1]];
  const residualSum = new Float64Array(count);
  for (let t = 0; t < n; t++) {
    const i = rows[from + t];
    residualSum[local[t]] += y[i] - mean[z[i] === 1 ? 1 : 0];
  }
  const b = [-1 / rowsIn[0], 1 / rowsIn[1]];
  let variance = 0;
  const alphaSum = [0, 0];
  const alpha2Sum = [0, 0];
  const nu2Sum = [0, 0];
  const alphaNu2Sum = [0, 0];
  for (let h = 0; h < count; h++) {
    const a = arm[h];
    const complement = 1 - size[h] / rowsIn[a];
    if (complement <= CR2_EIGEN_TOLERANCE) return null;
    const s2 = 1 / complement;
    variance += b[a] * b[a] * s2 * residualSum[h] * residualSum[h];
    const alpha = b[a] * b[a] * s2 * size[h];
    const nu2 = alpha * size[h]; // ν_h² = b² s² n_h²
    alphaSum[a] += alpha;
    alpha2Sum[a] += alpha * alpha;
    nu2Sum[a] += nu2;
    alphaNu2Sum[a] += alpha * nu2;
  }
  let numerator = 0;
  let denominator = 0;
  for (const a of [0, 1]) {
    const N = rowsIn[a];
    numerator += alphaSum[a] - nu2Sum[a] / N;
    denominator += alpha2Sum[a] - (2 * alphaNu2Sum[a]) / N + (nu2Sum[a] * nu2Sum[a]) / (N * N);
  }
  return {
    estimate: mean[1] - mean[0],
    stdError: Math.sqrt(variance),
    df: (numerator * numerator) / denominator,
    clusters: count,
  };
}
