/**
 * Exact fast path of Lin's blocked estimator with further factor covariates nested in the blocks
 * (every block within one level of each: the report's heterogeneity test by district or by grade band
 * when the blocks are district × grade band), two arms, no weights.
 *
 * A nested factor's dummies are functions of the block, so the dense design [1, z, x_c, z·x_c] (x =
 * numeric covariates, nested factors' dummies, block dummies) spans the same space as the blocked
 * model without the nested factors (lin-blocked.ts's cell form): fitted values, residuals, leverages
 * and CR2 adjustments are those of that fit. Only the parametrisation differs, and some columns are
 * collinear: estimatr drops the ones its pivoting QR finds rank deficient (householder-qr.ts's
 * pivotedRankDeficientColumns), and which ones matters for the other coefficients.
 *
 * Every dense column lies in the span of the cell form's orthonormal basis U = [Q_0, Q_1, cell
 * indicators/√n_c], so it is represented exactly by its D = 2k + C coordinates UᵀX (a cell function f
 * by √n_c(f_c − f̄); a numeric x_c by the columns of R_t and √n_c(x̄_c − x̄)). The pivoting QR's choices
 * depend only on inner products of the columns, which the coordinates keep, so the same pivoted
 * Gram–Schmidt on the D-dimensional coordinates drops the same columns without the n × P design. The
 * kept columns' coordinates A_K are square (D × D) and invertible: the coefficients are A_K⁻¹Uᵀy and
 * their rows L = A_K⁻¹ give every robust covariance as L M Lᵀ with the cell form's meat
 * (lin-blocked.ts's basisInference). The effect (z's coefficient) is the blocked fit's τ.
 *
 * Costs O(n·k²) for the cell form and O(P²·D) for the pivoting and the inverse (P = 2 + 2 × expanded
 * columns; a few hundred at national scale), instead of O(n·P²) for the dense QR.
 */
import {
  blockedLin,
  isAbsorbedDummy,
  type BasisRow,
  type BlockedLinFit,
  type BlockedLinInput,
} from './lin-blocked.ts';
import type { LinCovariate } from './estimator-inputs.ts';
import { encodeFactor } from './factor-codes.ts';
import { COLLINEARITY_TOLERANCE } from './householder-qr.ts';
import type { FactorInput } from './types.ts';

export interface NestedLinFit {
  /** the blocked fit of the model without the nested factors (same span) */
  fit: BlockedLinFit;
  /** the dense fit's columns: (Intercept), the effect, x_c per expanded column, then effect:x_c */
  names: string[];
  /** indices of `names` the pivoting QR drops (estimatr's NA) */
  dropped: number[];
  /** indices of `names` kept, ascending; `rows[a]` belongs to `kept[a]` */
  kept: number[];
  /** every coefficient (NaN for the dropped), the effect's from the blocked fit */
  estimate: Float64Array;
  /** the kept coefficients as dense rows in basis coordinates */
  rows: BasisRow[];
}

/**
 * The factor covariates other than the absorbed one when every one of them is nested in it (each
 * absorbed level within a single level of theirs); empty when there is none or one is not nested.
 */
export function nestedFactorNames(covariates: readonly LinCovariate[], absorbed: string): string[] {
  const block = covariates.find((c) => c.name === absorbed);
  if (!block || block.kind !== 'factor') return [];
  const codes = encodeFactor(block.values).codes;
  const out: string[] = [];
  for (const c of covariates) {
    if (c.kind !== 'factor' || c.name === absorbed) continue;
    const f = encodeFactor(c.values as FactorInput).codes;
    if (f.length !== codes.length) return [];
    const levelOfBlock = new Map<number, number>();
    for (let i = 0; i < codes.length; i++) {
      const seen = levelOfBlock.get(codes[i]);
      if (seen === undefined) levelOfBlock.set(codes[i], f[i]);
      else if (seen !== f[i]) return [];
    }
    out.push(c.name);
  }
  return out;
}

/**
 * Lin's blocked estimator with the nested factors `nested` by the cell form, or null when the fast
 * path does not apply (the blocked fit of the model without them does not, or the coordinates do not
 * have the cell form's rank after the drops): then the dense path must be used.
 */
export function nestedLin(
  input: BlockedLinInput & { effectName: string; nested: readonly string[] },
): NestedLinFit | null {
  const nested = new Set(input.nested);
  const reduced = input.expanded.filter((c) => c.factor === undefined || !nested.has(c.factor));
  const fit = blockedLin({
    ...input,
    covariates: input.covariates.filter((c) => !nested.has(c.name)),
    expanded: reduced,
  });
  if (!fit) return null;
  const s = fit.state;
  const { n, k, C, G, cellCount, xMean, grand, r, blockName, levelCode } = s;
  const p = 2 * k;
  const D = p + C;
  // the level of each nested factor in each block (code of the absorbed factor)
  const blockCodes = encodeFactor(
    input.covariates.find((c) => c.name === blockName)!.values as FactorInput,
  ).codes;
  const levelIn = new Map<string, (string | number)[]>();
  for (const c of input.covariates) {
    if (!nested.has(c.name)) continue;
    const f = encodeFactor(c.values as FactorInput);
    const levels = new Array<string | number>(G);
    for (let i = 0; i < blockCodes.length; i++) levels[blockCodes[i]] = f.levels[f.codes[i]];
    levelIn.set(c.name, levels);
  }
  const root = Float64Array.from(cellCount, Math.sqrt);
  /** coordinates of a cell function (f over blocks), centred; `treated` keeps the treated cells only */
  const cellFunction = (f: (b: number) => number, treated: boolean): Float64Array => {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += cellCount[c] * f(c >> 1);
    mean /= n;
    const a = new Float64Array(D);
    for (let c = 0; c < C; c++) if (!treated || (c & 1) === 1) a[p + c] = root[c] * (f(c >> 1) - mean);
    return a;
  };
  const intercept = new Float64Array(D);
  const effect = new Float64Array(D);
  for (let c = 0; c < C; c++) {
    intercept[p + c] = root[c];
    if ((c & 1) === 1) effect[p + c] = root[c];
  }
  const centered: Float64Array[] = [];
  const interacted: Float64Array[] = [];
  let j = 0;
  for (const col of input.expanded) {
    if (col.factor !== undefined && nested.has(col.factor)) {
      const levels = levelIn.get(col.factor)!;
      const f = (b: number) => (levels[b] === col.level ? 1 : 0);
      centered.push(cellFunction(f, false));
      interacted.push(cellFunction(f, true));
    } else if (isAbsorbedDummy(col, blockName)) {
      const code = levelCode.get(col.level!)!;
      const f = (b: number) => (b === code ? 1 : 0);
      centered.push(cellFunction(f, false));
      interacted.push(cellFunction(f, true));
    } else {
      // x_c: R_0[:, j] and R_1[:, j] on Q_0 and Q_1, √n_c(x̄_c − x̄) on the cells; z·x_c: arm 1's parts
      const a = new Float64Array(D);
      const b = new Float64Array(D);
      for (let t = 0; t < 2; t++)
        for (let row = 0; row <= j; row++) {
          a[t * k + row] = r[t][row * k + j];
          if (t === 1) b[k + row] = r[1][row * k + j];
        }
      for (let c = 0; c < C; c++) {
        const v = root[c] * (xMean[j][c] - grand[j]);
        a[p + c] = v;
        if ((c & 1) === 1) b[p + c] = v;
      }
      centered.push(a);
      interacted.push(b);
      j++;
    }
  }
  if (j !== k) return null;
  const columns = [intercept, effect, ...centered, ...interacted];
  const names = [
    '(Intercept)',
    input.effectName,
    ...input.expanded.map((c) => `${c.name}_c`),
    ...input.expanded.map((c) => `${input.effectName}:${c.name}_c`),
  ];
  const dropped = pivotedDrops(columns);
  const kept = columns.map((_, c) => c).filter((c) => !dropped.includes(c));
  if (kept.length !== D || kept[1] !== 1) return null;
  const inverse = invert(
    kept.map((c) => columns[c]),
    D,
  );
  if (!inverse) return null;
  // Uᵀy: Q_tᵀy on Q_t's coordinates, Σ_c y/√n_c on the cells
  const y = input.outcome;
  const uy = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const off = s.z[i] === 1 ? k : 0;
    for (let a = 0; a < k; a++) uy[off + a] += s.q[i * k + a] * y[i];
    uy[p + s.cell[i]] += y[i] / root[s.cell[i]];
  }
  const estimate = new Float64Array(columns.length).fill(Number.NaN);
  const index = Int32Array.from({ length: D }, (_, a) => a);
  const rows: BasisRow[] = kept.map((col, a) => {
    const value = inverse.subarray(a * D, a * D + D);
    let v = 0;
    for (let b = 0; b < D; b++) v += value[b] * uy[b];
    estimate[col] = v;
    return { index, value };
  });
  estimate[1] = fit.effect.estimate;
  return { fit, names, dropped, kept, estimate, rows };
}

/** pivotedRankDeficientColumns's rule (Eigen's ColPivHouseholderQR) on columns of any length. */
function pivotedDrops(columns: readonly Float64Array[]): number[] {
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
    if (!(norm > COLLINEARITY_TOLERANCE * first)) break;
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

/**
 * The inverse of the D × D matrix whose columns are given (Gauss–Jordan with partial pivoting),
 * row-major; null when singular.
 */
function invert(columns: readonly Float64Array[], D: number): Float64Array | null {
  const a = new Float64Array(D * D);
  for (let c = 0; c < D; c++) for (let r = 0; r < D; r++) a[r * D + c] = columns[c][r];
  const inv = new Float64Array(D * D);
  for (let r = 0; r < D; r++) inv[r * D + r] = 1;
  for (let c = 0; c < D; c++) {
    let pivot = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(a[r * D + c]) > Math.abs(a[pivot * D + c])) pivot = r;
    const v = a[pivot * D + c];
    if (!(Math.abs(v) > 0)) return null;
    if (pivot !== c) {
      for (let t = 0; t < D; t++) {
        [a[c * D + t], a[pivot * D + t]] = [a[pivot * D + t], a[c * D + t]];
        [inv[c * D + t], inv[pivot * D + t]] = [inv[pivot * D + t], inv[c * D + t]];
      }
    }
    for (let t = 0; t < D; t++) {
      a[c * D + t] /= v;
      inv[c * D + t] /= v;
    }
    for (let r = 0; r < D; r++) {
      if (r === c) continue;
      const f = a[r * D + c];
      if (f === 0) continue;
      for (let t = 0; t < D; t++) {
        a[r * D + t] -= f * a[c * D + t];
        inv[r * D + t] -= f * inv[c * D + t];
      }
    }
  }
  return inv;
}
