/**
 * Cholesky solves for the small symmetric positive definite systems of the 2×2 DiD estimators
 * (k × k, k = covariates + 1), row-major.
 */

function cholesky(a: Float64Array, k: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j];
      for (let m = 0; m < j; m++) s -= l[i * k + m] * l[j * k + m];
      if (i === j) {
        if (!(s > 1e-12 * Math.abs(a[i * k + i]))) return null;
        l[i * k + i] = Math.sqrt(s);
      } else l[i * k + j] = s / l[j * k + j];
    }
  }
  return l;
}

export function choleskySolve(a: Float64Array, k: number, b: Float64Array): Float64Array | null {
  const l = cholesky(a, k);
  if (!l) return null;
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let m = 0; m < i; m++) s -= l[i * k + m] * z[m];
    z[i] = s / l[i * k + i];
  }
  const out = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i];
    for (let m = i + 1; m < k; m++) s -= l[m * k + i] * out[m];
    out[i] = s / l[i * k + i];
  }
  return out;
}

export function choleskyInverse(a: Float64Array, k: number): Float64Array | null {
  const inv = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    const e = new Float64Array(k);
    e[j] = 1;
    const col = choleskySolve(a, k, e);
    if (!col) return null;
    for (let i = 0; i < k; i++) inv[i * k + j] = col[i];
  }
  return inv;
}

/** Copies the lower triangle of a row-major k × k matrix onto the upper one. */
export function symmetrize(lower: Float64Array, k: number): Float64Array {
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) lower[b * k + a] = lower[a * k + b];
  return lower;
}
