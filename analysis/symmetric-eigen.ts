/**
 * Eigen-decomposition of a small symmetric matrix by the cyclic Jacobi method, and the
 * pseudo-inverse square root of I − G that CR2 needs.
 *
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), §8.5 (cyclic Jacobi).
 */

export interface SymmetricEigen {
  /** Eigenvalues λ₀ … λₙ₋₁ (unordered). */
  values: Float64Array;
  /** Eigenvectors as columns of an n × n row-major matrix: vectors[i * n + j] is entry i of vector j. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric n × n row-major matrix (only its values are read;
 * the input is not modified). Converges quadratically; sweeps stop when the off-diagonal mass is
 * below 1e-30 of the total or after 100 sweeps.
 *
 * @example symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2).values // [1, 3] in some order
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  eigenInPlace(a, v, n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * The Jacobi iteration of `symmetricEigen` on `a` (the matrix, n × n, overwritten: its diagonal ends as
 * the eigenvalues) and `v` (set to the eigenvectors as columns). Same arithmetic, no allocation.
 */
function eigenInPlace(a: Float64Array, v: Float64Array, n: number): void {
  v.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    if (offDiagonalIsNegligible(a, n)) break;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) rotate(a, v, n, p, q);
  }
}

/**
 * Scratch space for `inverseSqrtPsdInto`, grown on demand: CR2 takes one inverse square root per
 * cluster (tens of thousands of small matrices at national scale), so they are made without allocating.
 */
export class EigenWorkspace {
  a = new Float64Array(64);
  v = new Float64Array(64);
  out = new Float64Array(64);

  ensure(n: number): void {
    if (this.a.length < n * n) {
      const size = 2 * n * n;
      this.a = new Float64Array(size);
      this.v = new Float64Array(size);
      this.out = new Float64Array(size);
    }
  }
}

/**
 * `inverseSqrtPsd` of the n × n matrix in `matrix` (its first n² entries, not modified) into the
 * workspace's `out` (its first n² entries), with the same arithmetic, so bit-identical results.
 * The result is valid until the workspace's next use.
 */
export function inverseSqrtPsdInto(matrix: Float64Array, n: number, ws: EigenWorkspace): Float64Array {
  if (n === 2) return inverseSqrtPsd2(matrix, ws);
  ws.ensure(n);
  const nn = n * n;
  const { a, v, out } = ws;
  for (let i = 0; i < nn; i++) a[i] = matrix[i];
  eigenInPlace(a, v, n);
  out.fill(0, 0, nn);
  for (let j = 0; j < n; j++) {
    const lambda = a[j * n + j];
    if (!(lambda > CR2_EIGEN_TOLERANCE)) continue;
    const phi = 1 / Math.sqrt(lambda);
    for (let r = 0; r < n; r++) {
      const vr = v[r * n + j] * phi;
      if (vr === 0) continue;
      for (let t = 0; t < n; t++) out[r * n + t] += vr * v[t * n + j];
    }
  }
  return out;
}

/**
 * `inverseSqrtPsdInto` of a 2 × 2 matrix (two-student households, CR2's commonest block) in scalars:
 * the very operations of eigenInPlace, offDiagonalIsNegligible and rotate(0, 1) for n = 2, in their
 * order, so bit-identical results without the loops' indexing.
 */
function inverseSqrtPsd2(matrix: Float64Array, ws: EigenWorkspace): Float64Array {
  let a00 = matrix[0];
  let a01 = matrix[1];
  let a10 = matrix[2];
  let a11 = matrix[3];
  let v00 = 1;
  let v01 = 0;
  let v10 = 0;
  let v11 = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    let x = a00 * a00;
    total += x;
    x = a01 * a01;
    total += x;
    off += x;
    x = a10 * a10;
    total += x;
    off += x;
    x = a11 * a11;
    total += x;
    if (off <= 1e-30 * total || total === 0) break;
    const apq = a01;
    if (apq === 0) continue;
    const tau = (a11 - a00) / (2 * apq);
    const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
    const c = 1 / Math.sqrt(1 + t * t);
    const s = t * c;
    // columns p = 0 and q = 1
    const c00 = c * a00 - s * a01;
    const c01 = s * a00 + c * a01;
    const c10 = c * a10 - s * a11;
    const c11 = s * a10 + c * a11;
    // rows p = 0 and q = 1
    a00 = c * c00 - s * c10;
    a10 = s * c00 + c * c10;
    a01 = c * c01 - s * c11;
    a11 = s * c01 + c * c11;
    // eigenvectors
    const w00 = c * v00 - s * v01;
    const w01 = s * v00 + c * v01;
    const w10 = c * v10 - s * v11;
    const w11 = s * v10 + c * v11;
    v00 = w00;
    v01 = w01;
    v10 = w10;
    v11 = w11;
  }
  let o00 = 0;
  let o01 = 0;
  let o10 = 0;
  let o11 = 0;
  // eigenvalue j = 0 (vector v00, v10), then j = 1 (v01, v11), as the loops add them
  if (a00 > CR2_EIGEN_TOLERANCE) {
    const phi = 1 / Math.sqrt(a00);
    const x0 = v00 * phi;
    if (x0 !== 0) {
      o00 += x0 * v00;
      o01 += x0 * v10;
    }
    const x1 = v10 * phi;
    if (x1 !== 0) {
      o10 += x1 * v00;
      o11 += x1 * v10;
    }
  }
  if (a11 > CR2_EIGEN_TOLERANCE) {
    const phi = 1 / Math.sqrt(a11);
    const x0 = v01 * phi;
    if (x0 !== 0) {
      o00 += x0 * v01;
      o01 += x0 * v11;
    }
    const x1 = v11 * phi;
    if (x1 !== 0) {
      o10 += x1 * v01;
      o11 += x1 * v11;
    }
  }
  const out = ws.out;
  out[0] = o00;
  out[1] = o01;
  out[2] = o10;
  out[3] = o11;
  return out;
}

function offDiagonalIsNegligible(a: Float64Array, n: number): boolean {
  let off = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = a[i * n + j] * a[i * n + j];
      total += x;
      if (i !== j) off += x;
    }
  }
  return off <= 1e-30 * total || total === 0;
}

/** One Jacobi rotation annihilating a[p][q] (Golub & Van Loan Algorithm 8.5.1). */
function rotate(a: Float64Array, v: Float64Array, n: number, p: number, q: number): void {
  const apq = a[p * n + q];
  if (apq === 0) return;
  const tau = (a[q * n + q] - a[p * n + p]) / (2 * apq);
  const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
  const c = 1 / Math.sqrt(1 + t * t);
  const s = t * c;
  for (let k = 0; k < n; k++) {
    const akp = a[k * n + p];
    const akq = a[k * n + q];
    a[k * n + p] = c * akp - s * akq;
    a[k * n + q] = s * akp + c * akq;
  }
  for (let k = 0; k < n; k++) {
    const apk = a[p * n + k];
    const aqk = a[q * n + k];
    a[p * n + k] = c * apk - s * aqk;
    a[q * n + k] = s * apk + c * aqk;
  }
  for (let k = 0; k < n; k++) {
    const vkp = v[k * n + p];
    const vkq = v[k * n + q];
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}

/** Eigenvalues of I − H below this are treated as zero (estimatr and clubSandwich use 1e-12). */
export const CR2_EIGEN_TOLERANCE = 1e-12;

/**
 * The symmetric pseudo-inverse square root of a positive semi-definite n × n matrix (CR2's
 * A_h = (I − H_hh)^{−1/2} from the complement I − H_hh): eigenvalues at or below 1e-12 give 0.
 *
 * @example
 * inverseSqrtPsd(Float64Array.of(4, 0, 0, 0), 2); // => [0.5, 0, 0, 0]
 */
export function inverseSqrtPsd(matrix: Float64Array, n: number): Float64Array {
  return inverseSqrtPsdInto(matrix, n, new EigenWorkspace()).slice(0, n * n);
}

/**
 * For a cluster whose hat block is H_hh = U_h U_hᵀ (U_h of size n_h × m, G = U_hᵀU_h), return
 * the m × m matrix K with (I − H_hh)^{−1/2} = I + U_h K U_hᵀ, the symmetric pseudo-inverse square
 * root (eigenvalues of I − H_hh at or below 1e-12 give 0). Working with G instead of the n_h × n_h
 * block keeps CR2 linear in the cluster size.
 *
 * Derivation: with G = V S² Vᵀ, U_h = W S Vᵀ and I − H_hh = (I − WWᵀ) + W(I − S²)Wᵀ, so
 * (I − H_hh)^{−1/2} = I + W(ψ(S) − I)Wᵀ with ψ(s) = (1 − s²)^{−1/2} (or 0 when clamped), and
 * W = U_h V S⁻¹ gives K = V diag((ψ − 1)/s²) Vᵀ; (ψ − 1)/s² = 1/(√(1−s²)(1 + √(1−s²))).
 */
export function inverseSqrtComplementKernel(gram: Float64Array, m: number): Float64Array {
  const { values, vectors } = symmetricEigen(gram, m);
  const k = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    const s2 = values[j];
    const rest = 1 - s2;
    let coef: number;
    if (rest > CR2_EIGEN_TOLERANCE) {
      const root = Math.sqrt(rest);
      coef = 1 / (root * (1 + root));
    } else {
      coef = -1 / s2;
    }
    for (let a = 0; a < m; a++) {
      const va = vectors[a * m + j] * coef;
      if (va === 0) continue;
      for (let b = 0; b < m; b++) k[a * m + b] += va * vectors[b * m + j];
    }
  }
  return k;
}
