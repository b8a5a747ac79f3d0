/**
 * Joint test of treatment-effect heterogeneity across the levels of a subgroup variable: the Wald
 * test that every treatment × level interaction is zero in
 *
 *   y = α_block + τ·z + Σ_ℓ γ_ℓ·1[level ℓ] + Σ_ℓ δ_ℓ·z·1[level ℓ] + β·x + ε   (ℓ ≠ the first level)
 *
 * with block fixed effects (level main effects are left out when the subgroup is constant within
 * every block, since the blocks absorb them), covariates mean-imputed with missingness indicators,
 * and the cluster-robust CR2 covariance of the coefficients. W = δ̂ᵀ V̂_δ⁻¹ δ̂ is referred to χ²(q),
 * q = levels − 1: the large-sample Wald test, as clubSandwich's `Wald_test(..., test = "chi-sq")`
 * (Pustejovsky & Tipton 2018). Computed here from the existing coefficient covariance; a
 * small-sample (HTZ) version is the estimators room's to add. Pure.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { setupClusters } from './cluster-setup.ts';
import { coefficientVariance } from './coefficient-variance.ts';
import { encodeFactor } from './factor-codes.ts';
import { absorbedFactor, demeanWithin } from './fixed-effects.ts';
import { fitLeastSquares } from './least-squares.ts';
import { symmetricEigen } from './symmetric-eigen.ts';

export interface HeterogeneityInput {
  outcome: ArrayLike<number>;
  treatment: ArrayLike<number>;
  /** subgroup level of each row (no missing values: drop those rows first) */
  levels: readonly string[];
  blocks: readonly string[];
  clusters: readonly string[];
  /** numeric covariates, NaN = missing (imputed with an indicator) */
  covariates: readonly { name: string; values: ArrayLike<number> }[];
}

export type HeterogeneityTest =
  | { ok: true; statistic: number; df: number; pValue: number; test: 'wald_chisq_cr2'; levels: string[] }
  | { ok: false; reason: string };

/** Joint Wald test of the treatment × subgroup interactions (see the file comment). */
export function heterogeneityTest(input: HeterogeneityInput): HeterogeneityTest {
  const n = input.outcome.length;
  const levels = [...new Set(input.levels)].sort();
  if (levels.length < 2) return { ok: false, reason: 'the subgroup has a single level here' };
  const nested = constantWithinBlocks(input.levels, input.blocks);
  const columns: Float64Array[] = [Float64Array.from(input.treatment)];
  const interactions: number[] = [];
  for (const level of levels.slice(1)) {
    const d = Float64Array.from(input.levels, (l) => (l === level ? 1 : 0));
    if (!nested) columns.push(d);
    interactions.push(columns.length);
    columns.push(Float64Array.from(d, (v, i) => v * input.treatment[i]));
  }
  for (const c of input.covariates) {
    const values = Float64Array.from(c.values);
    let sum = 0;
    let present = 0;
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      sum += v;
      present += 1;
    }
    if (present === 0) continue;
    const mean = sum / present;
    const missing = Float64Array.from(values, (v) => (Number.isNaN(v) ? 1 : 0));
    columns.push(Float64Array.from(values, (v) => (Number.isNaN(v) ? mean : v)));
    if (present < n) columns.push(missing);
  }
  const absorbed = absorbedFactor(encodeFactor(input.blocks));
  const fitted = fitLeastSquares(
    demeanWithin(input.outcome, absorbed),
    columns.map((c) => demeanWithin(c, absorbed)),
    absorbed,
  );
  if (!fitted.ok)
    return { ok: false, reason: 'the interaction model is collinear (too few students in a level)' };
  const clusters = setupClusters(input.clusters, n);
  if (!clusters.ok) return { ok: false, reason: clusters.refusal.message };
  const { vcov } = coefficientVariance(fitted.fit, 'CR2', clusters.grouped);
  const p = fitted.fit.p;
  const q = interactions.length;
  const b = Float64Array.from(interactions, (j) => fitted.fit.beta[j]);
  const v = new Float64Array(q * q);
  for (let r = 0; r < q; r++)
    for (let c = 0; c < q; c++) v[r * q + c] = vcov[interactions[r] * p + interactions[c]];
  const statistic = quadraticFormInverse(v, b, q);
  if (!Number.isFinite(statistic)) return { ok: false, reason: 'the interaction covariance is singular' };
  return {
    ok: true,
    statistic,
    df: q,
    pValue: 1 - chisquareCdf(statistic, q),
    test: 'wald_chisq_cr2',
    levels,
  };
}

function constantWithinBlocks(levels: readonly string[], blocks: readonly string[]): boolean {
  const seen = new Map<string, string>();
  for (let i = 0; i < levels.length; i++) {
    const prior = seen.get(blocks[i]);
    if (prior === undefined) seen.set(blocks[i], levels[i]);
    else if (prior !== levels[i]) return false;
  }
  return true;
}

/** bᵀ V⁻¹ b for a symmetric positive-definite V, through its eigen-decomposition. */
function quadraticFormInverse(v: Float64Array, b: Float64Array, q: number): number {
  const { values, vectors } = symmetricEigen(v, q);
  const largest = Math.max(...values);
  let sum = 0;
  for (let j = 0; j < q; j++) {
    if (!(values[j] > largest * 1e-12)) return NaN;
    let proj = 0;
    for (let i = 0; i < q; i++) proj += vectors[i * q + j] * b[i];
    sum += (proj * proj) / values[j];
  }
  return sum;
}
