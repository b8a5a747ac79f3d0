/**
 * Small dense square matrices (p × p, p = number of coefficients), stored row-major in a
 * Float64Array. Only what the sandwich estimators need.
 */

/** C = A B for n × n row-major matrices. */
export function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/** Aᵀ for an n × n row-major matrix. */
export function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}

/** B M Bᵀ, the sandwich that maps a meat in basis coordinates to coefficient space. */
export function sandwich(bread: Float64Array, meat: Float64Array, n: number): Float64Array {
  return multiply(multiply(bread, meat, n), transpose(bread, n), n);
}

/**
 * Inverse of an upper-triangular n × n matrix by back substitution.
 *
 * @throws {RangeError} when a diagonal entry is zero
 */
export function invertUpperTriangular(r: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = n - 1; j >= 0; j--) {
    const d = r[j * n + j];
    if (d === 0) throw new RangeError('singular triangular matrix');
    inv[j * n + j] = 1 / d;
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r[i * n + k] * inv[k * n + j];
      inv[i * n + j] = -s / r[i * n + i];
    }
  }
  return inv;
}

/** Add the outer product w wᵀ (scaled) into the n × n accumulator. */
export function addOuter(acc: Float64Array, w: Float64Array, n: number, scale = 1): void {
  for (let i = 0; i < n; i++) {
    const wi = w[i] * scale;
    if (wi === 0) continue;
    for (let j = 0; j < n; j++) acc[i * n + j] += wi * w[j];
  }
}
