/**
 * Least-squares fit in the form every sandwich estimator in Pilot consumes: coefficients,
 * residuals, an orthonormal basis Q of the column space and R⁻¹ (so (XᵀX)⁻¹Xᵀ = R⁻¹Qᵀ).
 */
import { invertUpperTriangular } from './dense-matrix.ts';
import { thinQr } from './householder-qr.ts';

/** A factor absorbed as fixed effects: its projection is added to the hat matrix of the basis. */
export interface AbsorbedFactor {
  codes: Int32Array;
  levelCount: number;
  /** 1/√(n_f) per level: the hat matrix of the dummies is Σ_f d_f d_fᵀ / n_f (with weights, 1/√W_f). */
  inverseSqrtSize: Float64Array;
  /** With weights, √wᵢ per row: the weighted dummies' hat matrix has entries √wᵢ√wⱼ / W_f. */
  rowScale?: Float64Array;
}

export interface LeastSquaresFit {
  n: number;
  /** Number of estimated coefficients (columns of X). */
  p: number;
  beta: Float64Array;
  residuals: Float64Array;
  /** Orthonormal basis of the columns of X (for 2SLS: of the fitted first-stage X̂). */
  q: Float64Array[];
  /** R⁻¹ (p × p, row-major, upper triangular). */
  rInv: Float64Array;
  /** Absorbed fixed effects, whose dummies are orthogonal to the (demeaned) columns. */
  absorbed: AbsorbedFactor | null;
  /** p plus the number of absorbed levels: the residual degrees of freedom are n − rank. */
  rank: number;
}

export type LeastSquaresOutcome = { ok: true; fit: LeastSquaresFit } | { ok: false; collinear: number[] };

/**
 * Ordinary least squares of y on the given columns.
 *
 * @example
 * const out = fitLeastSquares(Float64Array.of(1, 3, 5), [Float64Array.of(1, 1, 1), Float64Array.of(0, 1, 2)]);
 * out.ok && Array.from(out.fit.beta) // [1, 2]
 */
export function fitLeastSquares(
  y: Float64Array,
  columns: readonly Float64Array[],
  absorbed: AbsorbedFactor | null = null,
  /** report only the first collinear column (when the caller will choose what to drop itself) */
  stopAtCollinear = false,
): LeastSquaresOutcome {
  const basis = orthonormalBasis(columns, stopAtCollinear);
  if (!basis.ok) return basis;
  const { q, rInv } = basis;
  const beta = coefficientsFromBasis(q, rInv, y);
  const residuals = residualsOf(y, columns, beta);
  const p = columns.length;
  const rank = p + (absorbed ? absorbed.levelCount : 0);
  return { ok: true, fit: { n: y.length, p, beta, residuals, q, rInv, absorbed, rank } };
}

/** Q and R⁻¹ of the columns, or the indices of collinear columns. */
export function orthonormalBasis(
  columns: readonly Float64Array[],
  stopAtCollinear = false,
): { ok: true; q: Float64Array[]; rInv: Float64Array } | { ok: false; collinear: number[] } {
  const qr = thinQr(columns, undefined, stopAtCollinear);
  if (!qr.ok) return qr;
  return { ok: true, q: qr.qr.q, rInv: invertUpperTriangular(qr.qr.r, qr.qr.p) };
}

/** β = R⁻¹ Qᵀ y. */
export function coefficientsFromBasis(q: Float64Array[], rInv: Float64Array, y: Float64Array): Float64Array {
  const p = q.length;
  const qty = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const col = q[j];
    let s = 0;
    for (let i = 0; i < y.length; i++) s += col[i] * y[i];
    qty[j] = s;
  }
  const beta = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = i; j < p; j++) s += rInv[i * p + j] * qty[j];
    beta[i] = s;
  }
  return beta;
}

/** e = y − Xβ. */
export function residualsOf(
  y: Float64Array,
  columns: readonly Float64Array[],
  beta: Float64Array,
): Float64Array {
  const e = Float64Array.from(y);
  for (let j = 0; j < columns.length; j++) {
    const col = columns[j];
    const b = beta[j];
    for (let i = 0; i < e.length; i++) e[i] -= b * col[i];
  }
  return e;
}
