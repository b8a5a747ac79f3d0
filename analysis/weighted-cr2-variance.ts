/**
 * CR2 cluster-robust covariance of a weighted least-squares fit, with Bell–McCaffrey degrees of
 * freedom per coefficient, as estimatr 1.0.0's `lm_robust(weights = w, se_type = "CR2")` computes
 * it (estimatr follows clubSandwich's CR2 for weighted fits, the working model being W⁻¹). With
 * X the unweighted design, W = diag(w / w̄), M = (XᵀWX)⁻¹ and e the unweighted residuals:
 *
 *   H_h  = X_h M X_hᵀW_h,   T_h = I − H_h − H_hᵀ + X_h M (XᵀW²X) M X_hᵀ
 *   A_h  = T_h^{−1/2}  (symmetric pseudo-inverse square root, eigenvalues ≤ 1e-12 → 0)
 *   V    = M [Σ_h X_hᵀW_h A_h e_h e_hᵀ A_h W_h X_h] M
 *
 * Degrees of freedom for coefficient j (Pustejovsky & Tipton 2018, as estimatr's helper): with
 * E_h = (M / w̄) (A_h W_h X_h)ᵀ, L_M and L_Ω the Cholesky factors of M and of M XᵀW²X M, and per
 * cluster the rows j of a_h = E_h X_h L_Ω, b_h = E_h X_h L_M, c_h = E_h W_h X_h L_M,
 *   P = AᵀA − BᵀC − CᵀB + diag(Σ_t E_h[j,t]²),   df_j = tr(P)² / ‖P‖²_F,
 * evaluated through p × p sums (never the G × G matrix P).
 *
 * Without weights (W = I) this is the ordinary CR2 of cr2-variance.ts.
 *
 * References: Pustejovsky & Tipton (2018), J. Business & Economic Statistics 36(4); estimatr
 * `lm_robust` (src/lm_robust_helper.cpp); clubSandwich `vcovCR(type = "CR2")`.
 */
import { sandwich } from './dense-matrix.ts';
import type { GroupedRows } from './factor-codes.ts';
import type { CoefficientVariance } from './heteroskedasticity-robust-variance.ts';
import type { LeastSquaresFit } from './least-squares.ts';
import type { ObservationWeights } from './observation-weights.ts';
import { CR2_EIGEN_TOLERANCE, symmetricEigen } from './symmetric-eigen.ts';

export interface WeightedCr2Input {
  /** unweighted regressors (intercept included), p columns */
  columns: readonly Float64Array[];
  /** weights divided by their mean */
  weights: Float64Array;
  /** mean of the weights as given (estimatr divides the df terms by it) */
  weightMean: number;
  /** unweighted residuals y − Xβ̂ */
  residuals: Float64Array;
  /** M = (XᵀWX)⁻¹, p × p row-major */
  bread: Float64Array;
}

/**
 * @example
 * // lm_robust(y ~ z, weights = w, clusters = hh, se_type = "CR2"): see tests/fixtures/estimators/weights.json
 */
export function weightedCr2Variance(input: WeightedCr2Input, clusters: GroupedRows): CoefficientVariance {
  const { columns, weights, weightMean, residuals, bread } = input;
  const p = columns.length;
  const omega = sandwich(bread, weightedGram(columns, weights, 2), p);
  const lM = cholesky(bread, p);
  const lOmega = cholesky(omega, p);
  const meat = new Float64Array(p * p);
  const df = Array.from({ length: p }, () => new DfSums(p));
  for (let h = 0; h < clusters.groupCount; h++) {
    const rows = clusters.order.subarray(clusters.start[h], clusters.start[h + 1]);
    if (rows.length === 0) continue;
    const c = new ClusterTerms(columns, weights, bread, omega, rows);
    const ax = c.adjustedDesign(); // A_h W_h X_h, m × p
    const half = new Float64Array(p);
    for (let t = 0; t < rows.length; t++)
      for (let k = 0; k < p; k++) half[k] += residuals[rows[t]] * ax[t * p + k];
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) meat[a * p + b] += half[a] * half[b];
    const e = multiplyTransposed(bread, ax, p, rows.length, 1 / weightMean); // p × m
    const eu = timesRows(e, c.xu, p, rows.length); // E_h X_h, p × p
    const ew = timesRows(e, c.xw, p, rows.length); // E_h W_h X_h, p × p
    const h1 = multiplySquare(eu, lM, p);
    const h2 = multiplySquare(ew, lM, p);
    const h3 = multiplySquare(eu, lOmega, p);
    for (let j = 0; j < p; j++) {
      let diag = 0;
      for (let t = 0; t < rows.length; t++) diag += e[j * rows.length + t] ** 2;
      df[j].add(
        h3.subarray(j * p, j * p + p),
        h1.subarray(j * p, j * p + p),
        h2.subarray(j * p, j * p + p),
        diag,
      );
    }
  }
  return { vcov: sandwich(bread, meat, p), df: Float64Array.from(df, (s) => s.df()) };
}

/**
 * Weighted CR2 of a fit made on √w-scaled data (`fit.rInv` gives M = (XᵀWX)⁻¹), from the unweighted
 * regressors and the unweighted residuals.
 */
export function weightedCr2FromFit(
  fit: LeastSquaresFit,
  columns: readonly Float64Array[],
  residuals: Float64Array,
  weights: ObservationWeights,
  clusters: GroupedRows,
): CoefficientVariance {
  const p = fit.p;
  const identity = new Float64Array(p * p);
  for (let k = 0; k < p; k++) identity[k * p + k] = 1;
  return weightedCr2Variance(
    {
      columns,
      weights: weights.normalized,
      weightMean: weights.mean,
      residuals,
      bread: sandwich(fit.rInv, identity, p),
    },
    clusters,
  );
}

/** The m × m quantities of one cluster. */
class ClusterTerms {
  readonly xu: Float64Array;
  readonly xw: Float64Array;
  private readonly m: number;

  constructor(
    columns: readonly Float64Array[],
    weights: Float64Array,
    private readonly bread: Float64Array,
    private readonly omega: Float64Array,
    rows: Int32Array,
  ) {
    const p = columns.length;
    this.m = rows.length;
    this.xu = new Float64Array(this.m * p);
    this.xw = new Float64Array(this.m * p);
    for (let t = 0; t < this.m; t++) {
      for (let k = 0; k < p; k++) {
        const x = columns[k][rows[t]];
        this.xu[t * p + k] = x;
        this.xw[t * p + k] = x * weights[rows[t]];
      }
    }
  }

  /** A_h W_h X_h with A_h = T_h^{−1/2}. */
  adjustedDesign(): Float64Array {
    const { m, xu, xw } = this;
    const p = xu.length / m;
    const xuM = rowsTimes(xu, this.bread, m, p);
    const xuOmega = rowsTimes(xu, this.omega, m, p);
    const t = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        let hab = 0;
        let hba = 0;
        let o = 0;
        for (let k = 0; k < p; k++) {
          hab += xuM[a * p + k] * xw[b * p + k];
          hba += xuM[b * p + k] * xw[a * p + k];
          o += xuOmega[a * p + k] * xu[b * p + k];
        }
        t[a * m + b] = (a === b ? 1 : 0) - hab - hba + o;
      }
    }
    const { values, vectors } = symmetricEigen(t, m);
    const scale = Float64Array.from(values, (v) => (v > CR2_EIGEN_TOLERANCE ? 1 / Math.sqrt(v) : 0));
    const out = new Float64Array(m * p);
    // A X = V diag(s) Vᵀ X
    const vtx = new Float64Array(m * p);
    for (let j = 0; j < m; j++)
      for (let k = 0; k < p; k++) {
        let s = 0;
        for (let a = 0; a < m; a++) s += vectors[a * m + j] * xw[a * p + k];
        vtx[j * p + k] = s * scale[j];
      }
    for (let a = 0; a < m; a++)
      for (let k = 0; k < p; k++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += vectors[a * m + j] * vtx[j * p + k];
        out[a * p + k] = s;
      }
    return out;
  }
}

/**
 * Running p × p sums from which tr(P) and ‖P‖²_F follow for P = AᵀA − BᵀC − CᵀB + D:
 * ‖AᵀA − BᵀC − CᵀB‖² = ‖S_aa‖² + 2 tr(S_bb S_cc) − 4 tr(S_ac S_ba) + 2 tr(S_cb S_cb).
 */
class DfSums {
  private readonly saa: Float64Array;
  private readonly sbb: Float64Array;
  private readonly scc: Float64Array;
  private readonly sac: Float64Array;
  private readonly sba: Float64Array;
  private readonly scb: Float64Array;
  private trace = 0;
  private diagonalCross = 0;
  private diagonalSquares = 0;

  constructor(private readonly p: number) {
    this.saa = new Float64Array(p * p);
    this.sbb = new Float64Array(p * p);
    this.scc = new Float64Array(p * p);
    this.sac = new Float64Array(p * p);
    this.sba = new Float64Array(p * p);
    this.scb = new Float64Array(p * p);
  }

  add(a: Float64Array, b: Float64Array, c: Float64Array, d: number): void {
    const p = this.p;
    let aa = 0;
    let bc = 0;
    for (let i = 0; i < p; i++) {
      aa += a[i] * a[i];
      bc += b[i] * c[i];
      for (let k = 0; k < p; k++) {
        this.saa[i * p + k] += a[i] * a[k];
        this.sbb[i * p + k] += b[i] * b[k];
        this.scc[i * p + k] += c[i] * c[k];
        this.sac[i * p + k] += a[i] * c[k];
        this.sba[i * p + k] += b[i] * a[k];
        this.scb[i * p + k] += c[i] * b[k];
      }
    }
    const shh = aa - 2 * bc;
    this.trace += shh + d;
    this.diagonalCross += d * shh;
    this.diagonalSquares += d * d;
  }

  df(): number {
    const { p } = this;
    const tr = (x: Float64Array, y: Float64Array) => {
      let s = 0;
      for (let i = 0; i < p; i++) for (let k = 0; k < p; k++) s += x[i * p + k] * y[k * p + i];
      return s;
    };
    const sNorm =
      tr(this.saa, this.saa) +
      2 * tr(this.sbb, this.scc) -
      4 * tr(this.sac, this.sba) +
      2 * tr(this.scb, this.scb);
    const norm = sNorm + 2 * this.diagonalCross + this.diagonalSquares;
    return (this.trace * this.trace) / norm;
  }
}

/** Σᵢ wᵢ^power xᵢxᵢᵀ. */
function weightedGram(columns: readonly Float64Array[], w: Float64Array, power: number): Float64Array {
  const p = columns.length;
  const out = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = a; b < p; b++) {
      let s = 0;
      const ca = columns[a];
      const cb = columns[b];
      for (let i = 0; i < w.length; i++) s += w[i] ** power * ca[i] * cb[i];
      out[a * p + b] = s;
      out[b * p + a] = s;
    }
  return out;
}

/** Lower Cholesky factor L of a symmetric positive-definite p × p matrix (A = LLᵀ). */
export function cholesky(a: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      l[i * p + j] = i === j ? Math.sqrt(Math.max(s, 0)) : s / l[j * p + j];
    }
  return l;
}

/** (m × p) · (p × p). */
function rowsTimes(x: Float64Array, b: Float64Array, m: number, p: number): Float64Array {
  const out = new Float64Array(m * p);
  for (let t = 0; t < m; t++)
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += x[t * p + j] * b[j * p + k];
      out[t * p + k] = s;
    }
  return out;
}

/** scale · B (p × p) · Xᵀ (X m × p): p × m. */
function multiplyTransposed(
  b: Float64Array,
  x: Float64Array,
  p: number,
  m: number,
  scale: number,
): Float64Array {
  const out = new Float64Array(p * m);
  for (let j = 0; j < p; j++)
    for (let t = 0; t < m; t++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += b[j * p + k] * x[t * p + k];
      out[j * m + t] = s * scale;
    }
  return out;
}

/** (p × m) · (m × p). */
function timesRows(e: Float64Array, x: Float64Array, p: number, m: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let j = 0; j < p; j++)
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += e[j * m + t] * x[t * p + k];
      out[j * p + k] = s;
    }
  return out;
}

/** (p × p) · (p × p). */
function multiplySquare(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += a[i * p + j] * b[j * p + k];
      out[i * p + k] = s;
    }
  return out;
}
