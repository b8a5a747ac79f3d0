/**
 * Classical and heteroskedasticity-consistent (HC0–HC3) covariance of OLS coefficients, as
 * estimatr 1.0.0's `lm_robust` computes them:
 *
 *   V = (XᵀX)⁻¹ (Σᵢ ωᵢ xᵢxᵢᵀ) (XᵀX)⁻¹ with ωᵢ = eᵢ² (HC0), eᵢ²·n/(n−k) (HC1, Stata's "robust"),
 *   eᵢ²/(1−hᵢ) (HC2), eᵢ²/(1−hᵢ)² (HC3); classical V = s²(XᵀX)⁻¹ with s² = Σeᵢ²/(n−k);
 *   hᵢ = xᵢᵀ(XᵀX)⁻¹xᵢ (plus 1/n_f for an absorbed fixed effect); df = n − k for every coefficient,
 *   k = rank including absorbed levels.
 *
 * Reference: MacKinnon & White (1985), J. Econometrics 29; estimatr `vignettes/mathematical-notes.Rmd`.
 */
import { sandwich } from './dense-matrix.ts';
import type { LeastSquaresFit } from './least-squares.ts';

export type HeteroskedasticSeType = 'classical' | 'HC0' | 'HC1' | 'HC2' | 'HC3';

export interface CoefficientVariance {
  /** p × p row-major covariance matrix of the coefficients. */
  vcov: Float64Array;
  /** Degrees of freedom per coefficient. */
  df: Float64Array;
  /** HC2/HC3 only: rows whose leverage is 1 (to rounding); they are fitted exactly and add nothing. */
  leverageOne?: number[];
}

/**
 * Leverage at or above this counts as 1. Such an observation (e.g. alone in a fixed-effect level)
 * is fitted exactly, so its residual is 0 and its HC2/HC3 term e²/(1 − h) is 0/0; it is taken as 0,
 * which is what estimatr 1.0.0 reports (its rounded 1 − h leaves 0/tiny = 0), and reported.
 */
const LEVERAGE_ONE = 1 - 1e-10;

/**
 * @example
 * // lm_robust(mpg ~ hp, mtcars, se_type = "HC2"): SE(hp) 0.014714733 (see tests/fixtures/estimators)
 */
export function heteroskedasticityRobustVariance(
  fit: LeastSquaresFit,
  seType: HeteroskedasticSeType,
): CoefficientVariance {
  const { n, p, rank } = fit;
  const df = new Float64Array(p).fill(n - rank);
  if (seType === 'classical') return { vcov: classicalVariance(fit), df };
  const meat = new Float64Array(p * p);
  const row = new Float64Array(p);
  const { q, residuals } = fit;
  const leverageOne: number[] = [];
  for (let i = 0; i < n; i++) {
    let h = 0;
    for (let j = 0; j < p; j++) {
      row[j] = q[j][i];
      h += row[j] * row[j];
    }
    if (fit.absorbed) {
      const s =
        fit.absorbed.inverseSqrtSize[fit.absorbed.codes[i]] *
        (fit.absorbed.rowScale ? fit.absorbed.rowScale[i] : 1);
      h += s * s;
    }
    const e2 = residuals[i] * residuals[i];
    let w = seType === 'HC2' ? e2 / (1 - h) : seType === 'HC3' ? e2 / ((1 - h) * (1 - h)) : e2;
    if ((seType === 'HC2' || seType === 'HC3') && h >= LEVERAGE_ONE) {
      leverageOne.push(i);
      w = 0;
    }
    for (let a = 0; a < p; a++) {
      const ra = row[a] * w;
      for (let b = a; b < p; b++) meat[a * p + b] += ra * row[b];
    }
  }
  symmetrizeUpper(meat, p);
  const vcov = sandwich(fit.rInv, meat, p);
  if (seType === 'HC1') for (let k = 0; k < vcov.length; k++) vcov[k] *= n / (n - rank);
  return leverageOne.length > 0 ? { vcov, df, leverageOne } : { vcov, df };
}

function classicalVariance(fit: LeastSquaresFit): Float64Array {
  const { n, p, rank, rInv } = fit;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += fit.residuals[i] * fit.residuals[i];
  const s2 = sse / (n - rank);
  const vcov = new Float64Array(p * p);
  // (XᵀX)⁻¹ = R⁻¹R⁻ᵀ
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let s = 0;
      for (let k = Math.max(a, b); k < p; k++) s += rInv[a * p + k] * rInv[b * p + k];
      vcov[a * p + b] = s2 * s;
    }
  }
  return vcov;
}

/** Copy the upper triangle of a p × p row-major matrix onto its lower triangle. */
export function symmetrizeUpper(m: Float64Array, p: number): void {
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) m[a * p + b] = m[b * p + a];
}
