/**
 * Thin QR decomposition X = Q R of a tall N × p matrix given as columns, by Householder
 * reflections, with the collinearity rule of R's `lm` (LINPACK dqrdc2): a column whose norm,
 * after removing its projection on the columns before it, falls to 1e-7 of its original norm
 * or below is collinear. Collinear columns are reported (never dropped silently).
 *
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), §5.2.2; R's `lm.fit(tol = 1e-7)`.
 */

export interface ThinQr {
  n: number;
  p: number;
  /** Columns of Q (N × p, orthonormal). */
  q: Float64Array[];
  /** R, p × p upper triangular, row-major. */
  r: Float64Array;
}

export type QrOutcome = { ok: true; qr: ThinQr } | { ok: false; collinear: number[] };

export const COLLINEARITY_TOLERANCE = 1e-7;

interface Reflection {
  column: number;
  row: number;
  /** 2 / vᵀv; v is stored in work[column] from `row` down. */
  scale: number;
}

/**
 * Decompose the columns (each of length N, not modified).
 *
 * @returns `{ ok: false, collinear }` with the indices of every collinear column
 * @example thinQr([Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3)]).ok // true
 */
/** Norms below this are zero for QR: their squares underflow, and reflections built on them overflow. */
const NEGLIGIBLE_NORM = 1e-150;

export function thinQr(
  columns: readonly Float64Array[],
  tolerance = COLLINEARITY_TOLERANCE,
  /** stop at the first collinear column (its index alone is reported): for callers that only need to know */
  stopAtCollinear = false,
): QrOutcome {
  const p = columns.length;
  const n = p === 0 ? 0 : columns[0].length;
  const work = columns.map((c) => Float64Array.from(c));
  const diag = new Float64Array(p);
  const reflections: Reflection[] = [];
  const collinear: number[] = [];
  for (let j = 0; j < p; j++) {
    const row = reflections.length;
    const original = norm(columns[j], 0);
    const remaining = norm(work[j], row);
    if (row >= n || remaining < NEGLIGIBLE_NORM || remaining <= tolerance * original) {
      collinear.push(j);
      if (stopAtCollinear) return { ok: false, collinear };
      continue;
    }
    const reflection = makeReflection(work[j], row, remaining, j);
    diag[j] = work[j][row] - reflection.vHead;
    work[j][row] = reflection.vHead;
    const step: Reflection = { column: j, row, scale: reflection.scale };
    for (let l = j + 1; l < p; l++) reflect(work[l], work[j], step);
    reflections.push(step);
  }
  if (collinear.length > 0) return { ok: false, collinear };
  return { ok: true, qr: { n, p, q: formQ(work, reflections, n, p), r: collectR(work, diag, p) } };
}

function norm(x: Float64Array, from: number): number {
  // One pass of plain squares when they can neither overflow nor underflow; the scaled two-pass
  // form (dnrm2's guard) otherwise.
  let sum = 0;
  for (let i = from; i < x.length; i++) sum += x[i] * x[i];
  if (sum > 1e-280 && sum < 1e280) return Math.sqrt(sum);
  return scaledNorm(x, from);
}

function scaledNorm(x: Float64Array, from: number): number {
  let scale = 0;
  for (let i = from; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]));
  if (scale === 0) return 0;
  let s = 0;
  for (let i = from; i < x.length; i++) {
    const t = x[i] / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** v = x − αe₁ with α = −sign(x₁)‖x‖ (no cancellation); returns v₁ and 2/vᵀv. */
function makeReflection(x: Float64Array, row: number, xNorm: number, _column: number) {
  const alpha = x[row] >= 0 ? -xNorm : xNorm;
  const vHead = x[row] - alpha;
  // vᵀv = ‖x‖² − x₁² + (x₁ − α)² = 2‖x‖² − 2αx₁ = 2α(α − x₁)
  const vtv = 2 * alpha * (alpha - x[row]);
  return { vHead, scale: 2 / vtv };
}

function reflect(target: Float64Array, v: Float64Array, step: Reflection): void {
  let s = 0;
  for (let i = step.row; i < target.length; i++) s += v[i] * target[i];
  s *= step.scale;
  if (s === 0) return;
  for (let i = step.row; i < target.length; i++) target[i] -= s * v[i];
}

function collectR(work: Float64Array[], diag: Float64Array, p: number): Float64Array {
  const r = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < j; i++) r[i * p + j] = work[j][i];
    r[j * p + j] = diag[j];
  }
  return r;
}

/** Q e_c for c < p, by applying the reflections in reverse order to unit vectors. */
function formQ(work: Float64Array[], reflections: Reflection[], n: number, p: number): Float64Array[] {
  const q: Float64Array[] = [];
  for (let c = 0; c < p; c++) {
    const col = new Float64Array(n);
    col[c] = 1;
    // Reflections that start below row c leave e_c unchanged (their vᵀe_c is 0), so they are skipped.
    for (let k = reflections.length - 1; k >= 0; k--)
      if (reflections[k].row <= c) reflect(col, work[reflections[k].column], reflections[k]);
    q.push(col);
  }
  return q;
}

/**
 * The columns a column-pivoting QR leaves out as rank deficient: Gram–Schmidt that always takes
 * next the remaining column of largest residual norm, stopping when that norm is below `tolerance`
 * times the first pivot's. This is the rule of Eigen's ColPivHouseholderQR, which estimatr's
 * `lm_robust` uses to drop collinear columns, so the same columns get an NA coefficient (and the
 * others the same values) as in estimatr. Norms equal to 1e-9 (relative) are exact ties that
 * Eigen and LAPACK break by rounding; in the case that matters (a block with a single unit, whose
 * dummy and its interaction with treatment tie) they take the later column, and so does this.
 *
 * @example pivotedRankDeficientColumns([Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3), Float64Array.of(2, 2, 2)]) // [0]
 */
export function pivotedRankDeficientColumns(
  columns: readonly Float64Array[],
  tolerance = COLLINEARITY_TOLERANCE,
): number[] {
  const residual = columns.map((c) => Float64Array.from(c));
  const remaining = columns.map((_, j) => j);
  const norm2 = (x: Float64Array) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i] * x[i];
    return s;
  };
  let first = 0;
  while (remaining.length > 0) {
    let best = 0;
    let bestNorm = -1;
    remaining.forEach((j, k) => {
      const v = norm2(residual[j]);
      if (v >= bestNorm * (1 - 1e-9)) {
        bestNorm = v;
        best = k;
      }
    });
    const norm = Math.sqrt(bestNorm);
    if (first === 0) first = norm;
    if (!(norm > tolerance * first)) break;
    const j = remaining.splice(best, 1)[0];
    const q = residual[j].map((v) => v / norm);
    for (const k of remaining) {
      const r = residual[k];
      let dot = 0;
      for (let i = 0; i < r.length; i++) dot += q[i] * r[i];
      for (let i = 0; i < r.length; i++) r[i] -= dot * q[i];
    }
  }
  return remaining.sort((a, b) => a - b);
}
