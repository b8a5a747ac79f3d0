/**
 * Small symmetric positive (semi-)definite systems (p × p, p = number of event-time coefficients):
 * Cholesky with the collinearity rule of fixest (a column whose Cholesky pivot falls below
 * `tolerance` × its diagonal is collinear with the columns before it and is dropped), inverse, and
 * the quadratic form b′A⁻¹b of the Wald tests.
 */

export const COLLINEARITY_TOLERANCE = 1e-10;

/**
 * Columns of the Gram matrix A (row-major p × p) that are linearly independent of the columns
 * before them, in order.
 *
 * @example independentColumns(Float64Array.of(1, 1, 1, 1), 2) // [0]
 */
export function independentColumns(a: Float64Array, p: number, tolerance = COLLINEARITY_TOLERANCE): number[] {
  const kept: number[] = [];
  const l: number[][] = []; // rows of the Cholesky factor of the kept block
  for (let j = 0; j < p; j++) {
    const diag = a[j * p + j];
    if (!(diag > 0)) continue;
    const row = new Array<number>(kept.length);
    let pivot = diag;
    for (let r = 0; r < kept.length; r++) {
      let s = a[kept[r] * p + j];
      for (let c = 0; c < r; c++) s -= l[r][c] * row[c];
      row[r] = s / l[r][r];
      pivot -= row[r] * row[r];
    }
    if (pivot <= tolerance * diag) continue;
    row.push(Math.sqrt(pivot));
    l.push(row);
    kept.push(j);
  }
  return kept;
}

/** The submatrix of A (p × p) on the given rows and columns. */
export function submatrix(a: Float64Array, p: number, index: readonly number[]): Float64Array {
  const m = index.length;
  const out = new Float64Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) out[r * m + c] = a[index[r] * p + index[c]];
  return out;
}

/**
 * Lower-triangular L with A = L Lᵀ, or null when A is not positive definite.
 *
 * @example cholesky(Float64Array.of(4, 2, 2, 5), 2) // [2, 0, 1, 2]
 */
export function cholesky(a: Float64Array, m: number): Float64Array | null {
  const l = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j];
    for (let k = 0; k < j; k++) d -= l[j * m + k] ** 2;
    if (!(d > 0)) return null;
    l[j * m + j] = Math.sqrt(d);
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j];
      for (let k = 0; k < j; k++) s -= l[i * m + k] * l[j * m + k];
      l[i * m + j] = s / l[j * m + j];
    }
  }
  return l;
}

/**
 * A⁻¹ of a symmetric positive definite matrix, or null when it is singular.
 *
 * @example invertSymmetric(Float64Array.of(2, 0, 0, 4), 2) // [0.5, 0, 0, 0.25]
 */
export function invertSymmetric(a: Float64Array, m: number): Float64Array | null {
  const l = cholesky(a, m);
  if (l === null) return null;
  const inv = new Float64Array(m * m);
  const column = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    column.fill(0);
    column[c] = 1;
    solveInPlace(l, m, column);
    for (let r = 0; r < m; r++) inv[r * m + c] = column[r];
  }
  return inv;
}

/** Solve L Lᵀ x = b in place. */
function solveInPlace(l: Float64Array, m: number, b: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * m + k] * b[k];
    b[i] = s / l[i * m + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < m; k++) s -= l[k * m + i] * b[k];
    b[i] = s / l[i * m + i];
  }
}

/**
 * b′A⁻¹b, or NaN when A is singular.
 *
 * @example quadraticForm(Float64Array.of(1, 2), Float64Array.of(1, 0, 0, 4), 2) // 2
 */
export function quadraticForm(b: Float64Array, a: Float64Array, m: number): number {
  const l = cholesky(a, m);
  if (l === null) return Number.NaN;
  const x = Float64Array.from(b);
  solveInPlace(l, m, x);
  let s = 0;
  for (let i = 0; i < m; i++) s += b[i] * x[i];
  return s;
}
