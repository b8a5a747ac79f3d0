/**
 * Exact fast path of Lin's estimator with block indicators (`lm_lin(y ~ z, ~x + block)`), two arms,
 * no weights: the effect's estimate, standard error and degrees of freedom without the dense QR of
 * the n × (2G + 2k) design, which dominates at national scale (G ≈ 2,000 blocks, n ≈ 100,000).
 *
 * When every block has both arms, the columns [1, z, block_c, x_c, z·block_c, z·x_c] span the same
 * space as one indicator per block × arm cell plus x separately in each arm (z·x and (1 − z)·x). The
 * fitted values, residuals and hat matrix are those of that model, and robust covariances (classical,
 * HC0–HC3, CR2 and its Bell–McCaffrey df) are invariant to the choice of basis, so the effect's
 * inference is computed in the cell form (Frisch–Waugh–Lovell):
 *
 *   β_t = slopes of y on x demeaned within the cells of arm t (t = 0, 1),
 *   α_c = ȳ_c − x̄_cᵀβ_t (cell c = block b × arm t),
 *   τ   = Σ_b π_b (α_b1 − α_b0) + x̄ᵀ(β_1 − β_0),  π_b = n_b/n,
 *
 * and τ = wᵀy with w = X(XᵀX)⁻¹c: w_i = ±π_b/n_c + q_iᵀv_t, q_i the row of the orthonormal basis Q_t of
 * the within-cell demeaned x of arm t. The orthonormal basis of the whole design is the cell
 * indicators scaled by 1/√n_c (disjoint) and Q_1, Q_0 (orthogonal to them and to each other), so the
 * leverage is h_i = 1/n_c + ‖q_i‖², and CR2's per-cluster quantities (cr2-variance.ts) need only the
 * cells a cluster touches and the 2k columns of Q: O(n·k²) in all, block-diagonal pieces throughout.
 *
 * Not covered here, and left to the dense path of lm-lin.ts (unchanged): weights, three or more arms,
 * several factor covariates (e.g. the nested subgroup heterogeneity test, blocks plus a subgroup
 * factor), a block lacking an arm (estimatr drops its interaction as collinear), covariates that do
 * not vary within the cells of an arm, CR0 and "stata" clustered standard errors, and the other
 * terms' standard errors and covariance (the effect's row is what reports use; see `effectDfOnly`).
 *
 * Reference: Lin (2013), Annals of Applied Statistics 7(1); Frisch–Waugh–Lovell; Bell & McCaffrey
 * (2002); Pustejovsky & Tipton (2018).
 */
import { setupClusters } from './cluster-setup.ts';
import { DfAccumulator } from './cr2-df-accumulator.ts';
import { finiteColumn } from './estimator-input-checks.ts';
import type { LinCovariate } from './estimator-inputs.ts';
import { encodeFactor } from './factor-codes.ts';
import { compareLevels } from './factor-dummies.ts';
import { COLLINEARITY_TOLERANCE } from './householder-qr.ts';
import {
  CR2_EIGEN_TOLERANCE,
  EigenWorkspace,
  inverseSqrtComplementKernel,
  inverseSqrtPsdInto,
} from './symmetric-eigen.ts';
import type { FactorCodes, FactorInput, SeType } from './types.ts';

/** Leverage at or above this counts as 1 (as heteroskedasticity-robust-variance.ts). */
const LEVERAGE_ONE = 1 - 1e-10;

export interface BlockedLinInput {
  outcome: ArrayLike<number>;
  /** 0/1, already checked */
  z: Float64Array;
  covariates: readonly LinCovariate[];
  /**
   * The dense design's expanded covariate columns in order: numeric ones (after mean imputation) and
   * the block dummies, which carry their `level`.
   */
  expanded: readonly ExpandedColumn[];
  clusters?: FactorInput;
  /** resolved (resolveSeType) */
  seType: SeType;
}

export interface ExpandedColumn {
  name: string;
  values: Float64Array;
  /** set on a dummy of a factor covariate: its level */
  level?: string | number;
  /** set on a dummy of a factor covariate: the factor's name */
  factor?: string;
}

/**
 * The factor covariate the cell form absorbs: the one with the most levels (the last of equals);
 * any other factor's dummies are ordinary columns of the within-cell regression. Null without one.
 */
export function absorbedFactorName(covariates: readonly LinCovariate[]): string | null {
  let best: { name: string; levels: number } | null = null;
  for (const c of covariates) {
    if (c.kind !== 'factor') continue;
    const levels = encodeFactor(c.values as FactorInput).levels.length;
    if (!best || levels >= best.levels) best = { name: c.name, levels };
  }
  return best ? best.name : null;
}

/** Whether an expanded column is a dummy of the absorbed factor. */
export const isAbsorbedDummy = (c: ExpandedColumn, factor: string) =>
  c.factor === factor || (c.factor === undefined && c.level !== undefined);

export interface BlockedLinFit {
  /** the dense parametrisation's coefficients: intercept, and per expanded column x_c and z·x_c */
  intercept: number;
  centered: Float64Array;
  interacted: Float64Array;
  /** the effect: estimate, standard error, df (n − rank, or Bell–McCaffrey for CR2) */
  effect: { estimate: number; stdError: number; df: number };
  /** HC2/HC3: rows with leverage 1 (their term is taken as 0, as the dense path) */
  leverageOne: number[];
  nClusters: number | null;
  /** what `blockedTerms` needs to give every coefficient's inference */
  state: BlockedState;
}

/** The cell form's pieces, kept for `blockedTerms`. */
export interface BlockedState {
  n: number;
  /** numeric columns (with other factors' dummies) of the within-cell regression */
  k: number;
  /** blocks, and cells (block × arm: 2b + t) */
  G: number;
  C: number;
  rank: number;
  z: Float64Array;
  cell: Int32Array;
  cellCount: Float64Array;
  q: Float64Array;
  e: Float64Array;
  sse: number;
  r: [Float64Array, Float64Array];
  xMean: Float64Array[];
  grand: Float64Array;
  blockShare: Float64Array;
  ref: number;
  levelCode: Map<string | number, number>;
  blockName: string;
  expanded: readonly ExpandedColumn[];
  seType: SeType;
  clusters: { groupCount: number; start: Int32Array; order: Int32Array } | null;
  /** CR2: the design's per-cluster adjustments (cr2Design), reused by basisInference */
  cr2?: Cr2Design | null;
}

/**
 * The effect of Lin's blocked estimator by the cell form, or null when the fast path does not apply
 * (then the dense path must be used; see the module comment for the conditions).
 */
export function blockedLin(input: BlockedLinInput): BlockedLinFit | null {
  const { seType } = input;
  const clustered = input.clusters !== undefined;
  if (clustered ? seType !== 'CR2' : !['classical', 'HC0', 'HC1', 'HC2', 'HC3'].includes(seType)) return null;
  const blockName = absorbedFactorName(input.covariates);
  if (blockName === null) return null;
  const n = input.z.length;
  const factorCovariate = input.covariates.find((c) => c.name === blockName)!;
  // numeric columns, and the dummies of any other factor (they must be materialized)
  const numeric = input.expanded.filter((c) => !isAbsorbedDummy(c, blockName));
  if (numeric.some((c) => c.values.length !== n)) return null;
  const y = finiteColumn(input.outcome, 'outcome');
  let design = cachedDesign(input, blockName, factorCovariate.values as FactorInput, numeric);
  if (design === undefined) {
    design = blockedDesign(input, blockName, factorCovariate.values as FactorInput, numeric);
    lastDesign = {
      design,
      z: input.z,
      factor: factorCovariate.values as FactorInput,
      numeric: numeric.map((c) => c.values),
      clusters: input.clusters,
      seType,
      blockName,
      expanded: input.expanded,
    };
  }
  if (design === null) return null;
  return outcomeFit(design, y);
}

/**
 * Everything of the cell form that depends on the design alone (z, the covariates, the blocks, the
 * clusters), not on the outcome: a report fits several outcomes on the same rows (the window's days
 * absent, attendance rate and CRDC measure), and these pieces (the arms' orthonormal bases, the
 * effect's weights w, CR2's per-cluster adjustments and its df) are the bulk of each fit.
 */
interface BlockedDesign extends Pick<
  BlockedState,
  'n' | 'k' | 'G' | 'C' | 'rank' | 'z' | 'cell' | 'cellCount' | 'q' | 'xMean' | 'grand' | 'blockShare'
> {
  xDemeaned: Float64Array[];
  arm0: ArmBasis;
  arm1: ArmBasis;
  w: Float64Array;
  levels: readonly (string | number)[];
  blockName: string;
  expanded: readonly ExpandedColumn[];
  seType: SeType;
  cr2: Cr2Design | null;
}

/** The last design fitted, with the inputs it was made from (compared by value on the next call). */
let lastDesign: {
  design: BlockedDesign | null;
  z: Float64Array;
  factor: FactorInput;
  numeric: Float64Array[];
  clusters: FactorInput | undefined;
  seType: SeType;
  blockName: string;
  expanded: readonly ExpandedColumn[];
} | null = null;

/** Forget the cached design (benchmarks time the uncached fit; tests compare cached and fresh fits). */
export function clearBlockedDesignCache(): void {
  lastDesign = null;
}

/** The cached design when this call's design inputs equal the last call's value for value, else undefined. */
function cachedDesign(
  input: BlockedLinInput,
  blockName: string,
  factor: FactorInput,
  numeric: readonly ExpandedColumn[],
): BlockedDesign | null | undefined {
  const last = lastDesign;
  if (!last || last.seType !== input.seType || last.blockName !== blockName) return undefined;
  if (last.numeric.length !== numeric.length || last.expanded.length !== input.expanded.length)
    return undefined;
  for (let l = 0; l < input.expanded.length; l++) {
    const a = input.expanded[l];
    const b = last.expanded[l];
    if (a.name !== b.name || a.level !== b.level || a.factor !== b.factor) return undefined;
  }
  if (!sameNumbers(last.z, input.z)) return undefined;
  for (let j = 0; j < numeric.length; j++)
    if (!sameNumbers(last.numeric[j], numeric[j].values)) return undefined;
  if (!sameFactor(last.factor, factor)) return undefined;
  if ((last.clusters === undefined) !== (input.clusters === undefined)) return undefined;
  if (input.clusters !== undefined && !sameFactor(last.clusters!, input.clusters)) return undefined;
  return last.design;
}

/** Equal length and equal values (NaN equal to NaN; −0 equal to 0, which no arithmetic here tells apart). */
function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** The same factor: the same labels row by row (codes with the same levels, or the same raw labels). */
function sameFactor(a: FactorInput, b: FactorInput): boolean {
  if (a === b) return true;
  const ca = a as FactorCodes;
  const cb = b as FactorCodes;
  const codedA = ca.codes instanceof Int32Array && Array.isArray(ca.levels);
  const codedB = cb.codes instanceof Int32Array && Array.isArray(cb.levels);
  if (codedA !== codedB) return false;
  if (codedA) {
    if (ca.levels.length !== cb.levels.length) return false;
    for (let l = 0; l < ca.levels.length; l++) if (ca.levels[l] !== cb.levels[l]) return false;
    return sameNumbers(ca.codes, cb.codes);
  }
  const la = a as ArrayLike<string | number>;
  const lb = b as ArrayLike<string | number>;
  if (la.length !== lb.length) return false;
  for (let i = 0; i < la.length; i++) if (la[i] !== lb[i]) return false;
  return true;
}

/** The design's part of the cell form (see BlockedDesign), or null when the fast path does not apply. */
function blockedDesign(
  input: BlockedLinInput,
  blockName: string,
  factorValues: FactorInput,
  numeric: readonly ExpandedColumn[],
): BlockedDesign | null {
  const { z, seType } = input;
  const factor = encodeFactor(factorValues);
  const n = z.length;
  if (factor.codes.length !== n) return null;
  const G = factor.levels.length;
  const C = 2 * G;
  const k = numeric.length;
  const rank = C + 2 * k;
  if (n <= rank) return null;
  const cell = new Int32Array(n);
  const cellCount = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const c = 2 * factor.codes[i] + z[i];
    cell[i] = c;
    cellCount[c]++;
  }
  for (let c = 0; c < C; c++) if (cellCount[c] === 0) return null;

  // cell means of each x; x demeaned within cells
  const xMean: Float64Array[] = [];
  const xDemeaned: Float64Array[] = [];
  const grand = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const x = numeric[j].values;
    const m = cellMeans(x, cell, cellCount);
    xMean.push(m);
    const d = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      d[i] = x[i] - m[cell[i]];
      s += x[i];
    }
    grand[j] = s / n;
    xDemeaned.push(d);
  }

  // per arm: orthonormal basis Q_t of the demeaned x (CholeskyQR2), R_t
  const q = new Float64Array(n * k); // row i: q_i in its arm's basis
  const arms = ([0, 1] as const).map((t) => armBasis(t, z, xDemeaned, numeric, q, n, k));
  if (arms.some((a) => a === null)) return null;
  const [arm0, arm1] = arms as ArmBasis[];

  const blockShare = new Float64Array(G);
  for (let b = 0; b < G; b++) blockShare[b] = (cellCount[2 * b] + cellCount[2 * b + 1]) / n;

  // influence of τ: w_i = κ_c + q_iᵀv_t, κ_b1 = π_b/n_b1, κ_b0 = −π_b/n_b0, v_t = ±R_t⁻ᵀ(x̄ − Σ_b π_b x̄_bt)
  const kappa = new Float64Array(C);
  for (let c = 0; c < C; c++) kappa[c] = ((c & 1) === 1 ? 1 : -1) * (blockShare[c >> 1] / cellCount[c]);
  const v: Float64Array[] = [arm0, arm1].map((a) => {
    const g = Float64Array.from(grand);
    for (let j = 0; j < k; j++) for (let b = 0; b < G; b++) g[j] -= blockShare[b] * xMean[j][2 * b + a.t];
    const sol = solveUpperTransposed(a.r, g, k);
    if (a.t === 0) for (let j = 0; j < k; j++) sol[j] = -sol[j];
    return sol;
  });
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const vt = v[z[i]];
    let wi = kappa[cell[i]];
    for (let j = 0; j < k; j++) wi += q[i * k + j] * vt[j];
    w[i] = wi;
  }

  let cr2: Cr2Design | null = null;
  if (seType === 'CR2') {
    const setup = setupClusters(input.clusters!, n);
    if (!setup.ok) return null;
    cr2 = cr2Design(setup.grouped, setup.count, { n, k, z, cell, cellCount, q, w, levelCount: C });
  }
  return {
    n,
    k,
    G,
    C,
    rank,
    z,
    cell,
    cellCount,
    xMean,
    xDemeaned,
    grand,
    q,
    arm0,
    arm1,
    blockShare,
    w,
    levels: factor.levels,
    blockName,
    expanded: input.expanded,
    seType,
    cr2,
  };
}

/** The fit of one outcome on a design: slopes, cell intercepts, the effect and its inference. */
function outcomeFit(d: BlockedDesign, y: Float64Array): BlockedLinFit {
  const { n, k, G, C, z, cell, cellCount, xMean, xDemeaned, grand, q, arm0, arm1, blockShare, w, seType } = d;
  const yMean = cellMeans(y, cell, cellCount);
  const beta: [Float64Array, Float64Array] = [new Float64Array(k), new Float64Array(k)];
  for (const a of [arm0, arm1]) {
    const qty = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      if (z[i] !== a.t) continue;
      for (let j = 0; j < k; j++) qty[j] += q[i * k + j] * y[i];
    }
    beta[a.t] = solveUpper(a.r, qty, k);
  }

  // cell intercepts α_c and the dense coefficients
  const alpha = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const b = (c & 1) === 1 ? beta[1] : beta[0];
    let s = yMean[c];
    for (let j = 0; j < k; j++) s -= xMean[j][c] * b[j];
    alpha[c] = s;
  }
  let tau = 0;
  for (let b = 0; b < G; b++) tau += blockShare[b] * (alpha[2 * b + 1] - alpha[2 * b]);
  for (let j = 0; j < k; j++) tau += grand[j] * (beta[1][j] - beta[0][j]);

  const e = new Float64Array(n);
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const b = beta[z[i]];
    let fit = yMean[cell[i]];
    for (let j = 0; j < k; j++) fit += xDemeaned[j][i] * b[j];
    e[i] = y[i] - fit;
    sse += e[i] * e[i];
  }

  const leverageOne: number[] = [];
  let variance: number;
  let df: number;
  let nClusters: number | null = null;
  let grouped: BlockedState['clusters'] = null;
  if (d.cr2) {
    nClusters = d.cr2.count;
    grouped = d.cr2.grouped;
    variance = cr2Variance(d.cr2, w, e);
    df = d.cr2.df;
  } else {
    df = n - d.rank;
    if (seType === 'classical') {
      let ww = 0;
      for (let i = 0; i < n; i++) ww += w[i] * w[i];
      variance = (sse / (n - d.rank)) * ww;
    } else {
      let meat = 0;
      for (let i = 0; i < n; i++) {
        let h = 1 / cellCount[cell[i]];
        for (let j = 0; j < k; j++) h += q[i * k + j] * q[i * k + j];
        const e2 = e[i] * e[i];
        let omega = seType === 'HC2' ? e2 / (1 - h) : seType === 'HC3' ? e2 / ((1 - h) * (1 - h)) : e2;
        if ((seType === 'HC2' || seType === 'HC3') && h >= LEVERAGE_ONE) {
          leverageOne.push(i);
          omega = 0;
        }
        meat += w[i] * w[i] * omega;
      }
      variance = seType === 'HC1' ? (meat * n) / (n - d.rank) : meat;
    }
  }

  const sorted = d.levels.map((_, code) => code).sort((a, b) => compareLevels(d.levels[a], d.levels[b]));
  const levelCode = new Map(d.levels.map((level, code) => [level, code]));
  const dense = denseEstimates({
    expanded: d.expanded,
    blockName: d.blockName,
    levelCode,
    ref: sorted[0],
    alpha,
    blockShare,
    beta0: beta[0],
    beta1: beta[1],
    grand,
  });
  return {
    ...dense,
    effect: { estimate: tau, stdError: Math.sqrt(variance), df },
    leverageOne,
    nClusters,
    state: {
      n,
      k,
      G,
      C,
      rank: d.rank,
      z,
      cell,
      cellCount,
      q,
      e,
      sse,
      r: [arm0.r, arm1.r],
      xMean,
      grand,
      blockShare,
      ref: sorted[0],
      levelCode,
      blockName: d.blockName,
      expanded: d.expanded,
      seType,
      clusters: grouped,
      cr2: d.cr2,
    },
  };
}

interface ArmBasis {
  t: 0 | 1;
  /** k × k upper triangular, (demeaned x of arm t) = Q_t R_t */
  r: Float64Array;
}

/**
 * Q_t and R_t of arm t's within-cell demeaned covariates by CholeskyQR2 (Fukaya et al. 2014), rows of
 * Q_t written into `q`. Null when a column is collinear with the cells and the columns before it
 * (its remaining norm at or below 1e-7 of its norm about the arm's mean, as the dense QR's tolerance).
 */
function armBasis(
  t: 0 | 1,
  z: Float64Array,
  demeaned: readonly Float64Array[],
  raw: readonly { values: Float64Array }[],
  q: Float64Array,
  n: number,
  k: number,
): ArmBasis | null {
  // the arm's rows in order (every sum below runs over them in increasing row order, as over all rows
  // skipping the other arm's)
  let count = 0;
  for (let i = 0; i < n; i++) if (z[i] === t) count++;
  const rows = new Int32Array(count);
  for (let i = 0, r = 0; i < n; i++) if (z[i] === t) rows[r++] = i;
  // the arm's demeaned rows side by side (count × k, row-major), so that each pass below reads
  // memory in order; Q_t is built in it and written into `q` at the end (the same arithmetic)
  const x = new Float64Array(count * k);
  for (let a = 0; a < k; a++) {
    const d = demeaned[a];
    for (let r = 0; r < count; r++) x[r * k + a] = d[rows[r]];
  }
  const gram = new Float64Array(k * k);
  for (let r = 0; r < count; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const xa = x[o + a];
      for (let b = a; b < k; b++) gram[a * k + b] += xa * x[o + b];
    }
  }
  // scale of each column about its mean in the arm, for the collinearity tolerance
  const scale = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const values = raw[a].values;
    let s = 0;
    let m = 0;
    for (let r = 0; r < count; r++) {
      s += values[rows[r]];
      m++;
    }
    const mean = s / m;
    let ss = 0;
    for (let r = 0; r < count; r++) {
      const d = values[rows[r]] - mean;
      ss += d * d;
    }
    scale[a] = ss;
  }
  const r1 = cholesky(gram, k, scale);
  if (!r1) return null;
  // q_i = R1⁻ᵀ x_i, solved in place (the arithmetic of solveUpperTransposed)
  for (let r = 0; r < count; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      let s = x[o + a];
      for (let c = 0; c < a; c++) s -= r1[c * k + a] * x[o + c];
      x[o + a] = s / r1[a * k + a];
    }
  }
  const gram2 = new Float64Array(k * k);
  for (let r = 0; r < count; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const qa = x[o + a];
      for (let b = a; b < k; b++) gram2[a * k + b] += qa * x[o + b];
    }
  }
  const r2 = cholesky(gram2, k, null);
  if (!r2) return null;
  for (let r = 0; r < count; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      let s = x[o + a];
      for (let c = 0; c < a; c++) s -= r2[c * k + a] * x[o + c];
      x[o + a] = s / r2[a * k + a];
    }
    const to = rows[r] * k;
    for (let a = 0; a < k; a++) q[to + a] = x[o + a];
  }
  // R = R2 R1
  const r = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let c = a; c <= b; c++) s += r2[a * k + c] * r1[c * k + b];
      r[a * k + b] = s;
    }
  return { t, r };
}

/**
 * Upper-triangular R with RᵀR = A (A's upper triangle read), or null when a pivot is not positive or,
 * with `scale`, falls to COLLINEARITY_TOLERANCE² of the column's scale (sum of squares).
 */
function cholesky(a: Float64Array, k: number, scale: Float64Array | null): Float64Array | null {
  const r = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j];
    for (let c = 0; c < j; c++) d -= r[c * k + j] * r[c * k + j];
    const floor = scale ? COLLINEARITY_TOLERANCE * COLLINEARITY_TOLERANCE * scale[j] : 0;
    if (!(d > floor) || (scale && !(scale[j] > 0))) return null;
    const root = Math.sqrt(d);
    r[j * k + j] = root;
    for (let b = j + 1; b < k; b++) {
      let s = a[j * k + b];
      for (let c = 0; c < j; c++) s -= r[c * k + j] * r[c * k + b];
      r[j * k + b] = s / root;
    }
  }
  return r;
}

/** x with R x = b (R upper triangular k × k). */
function solveUpper(r: Float64Array, b: ArrayLike<number>, k: number): Float64Array {
  const x = new Float64Array(k);
  for (let a = k - 1; a >= 0; a--) {
    let s = b[a];
    for (let c = a + 1; c < k; c++) s -= r[a * k + c] * x[c];
    x[a] = s / r[a * k + a];
  }
  return x;
}

/** x with Rᵀ x = b (R upper triangular k × k). */
function solveUpperTransposed(r: Float64Array, b: ArrayLike<number>, k: number): Float64Array {
  const x = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let s = b[a];
    for (let c = 0; c < a; c++) s -= r[c * k + a] * x[c];
    x[a] = s / r[a * k + a];
  }
  return x;
}

function cellMeans(x: ArrayLike<number>, cell: Int32Array, count: Float64Array): Float64Array {
  const sum = new Float64Array(count.length);
  for (let i = 0; i < cell.length; i++) sum[cell[i]] += x[i];
  for (let c = 0; c < count.length; c++) sum[c] /= count[c];
  return sum;
}

interface Cr2Data {
  n: number;
  k: number;
  z: Float64Array;
  cell: Int32Array;
  cellCount: Float64Array;
  q: Float64Array;
  w: Float64Array;
  levelCount: number;
}

/**
 * CR2's per-cluster pieces of τ = wᵀy that do not depend on the outcome, and the Bell–McCaffrey df
 * (which does not either): per cluster, A_h (n_h × n_h), or for clusters larger than their basis the
 * m × m kernel K_h with its basis rows and K_h B_hᵀw_h. `cr2Variance` adds an outcome's residuals.
 */
interface Cr2Design {
  grouped: { groupCount: number; start: Int32Array; order: Int32Array };
  count: number;
  df: number;
  /** per cluster: 0 empty, 1 one row (A scalar), 2 A_h (n_h × n_h), 3 kernel form (B_h, then K_hB_hᵀw_h) */
  kind: Uint8Array;
  /** per cluster: its m (kernel form) */
  width: Int32Array;
  offset: Float64Array;
  store: Float64Array;
}

/** What a cluster's basis rows are made of (the design, or an outcome's fit state). */
interface BasisSource {
  k: number;
  z: Float64Array;
  cell: Int32Array;
  cellCount: Float64Array;
  q: Float64Array;
}

/**
 * Cluster h's basis rows B_h (n_h × m): q_i on its arm's k coordinates (Q_0 then Q_1), 1/√n_c in the
 * column of its cell among the cells the cluster touches (in order of first appearance, written into
 * `cells`; `localOfCell` is all −1 before and after). `basisFor(nh, m)` gives n_h·m zeros to write into.
 */
function clusterBasis(
  s: BasisSource,
  clusters: { start: Int32Array; order: Int32Array },
  h: number,
  localOfCell: Int32Array,
  cells: number[],
  basisFor: (nh: number, m: number) => Float64Array,
): { basis: Float64Array; m: number } {
  const { k, z, cell, cellCount, q } = s;
  const p = 2 * k;
  const from = clusters.start[h];
  const nh = clusters.start[h + 1] - from;
  cells.length = 0;
  for (let t = from; t < from + nh; t++) {
    const c = cell[clusters.order[t]];
    if (localOfCell[c] < 0) {
      localOfCell[c] = cells.length;
      cells.push(c);
    }
  }
  const m = p + cells.length;
  const basis = basisFor(nh, m);
  for (let r = 0; r < nh; r++) {
    const i = clusters.order[from + r];
    const off = z[i] === 1 ? k : 0;
    for (let j = 0; j < k; j++) basis[r * m + off + j] = q[i * k + j];
    basis[r * m + p + localOfCell[cell[i]]] = 1 / Math.sqrt(cellCount[cell[i]]);
  }
  for (const c of cells) localOfCell[c] = -1;
  return { basis, m };
}

/** A one-row cluster's A = 1/√(1 − ‖b‖²), or 0 (the 1 × 1 case of inverseSqrtPsd, same arithmetic). */
function oneRowAdjust(basis: Float64Array, m: number): number {
  let ss = 0;
  for (let j = 0; j < m; j++) ss += basis[j] * basis[j];
  const lambda = 1 - ss;
  return lambda > CR2_EIGEN_TOLERANCE ? 1 / Math.sqrt(lambda) : 0;
}

/** I − B_hB_hᵀ (n_h × n_h) into `out`. */
function complementOf(basis: Float64Array, nh: number, m: number, out: Float64Array): Float64Array {
  for (let r = 0; r < nh; r++)
    for (let t = r; t < nh; t++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += basis[r * m + j] * basis[t * m + j];
      const v = (r === t ? 1 : 0) - s;
      out[r * nh + t] = v;
      out[t * nh + r] = v;
    }
  return out;
}

/** A_hB_h added into `out` (n_h × m zeros) from A_h (n_h × n_h). */
function applyAdjust(
  adjust: Float64Array,
  basis: Float64Array,
  nh: number,
  m: number,
  out: Float64Array,
): Float64Array {
  for (let r = 0; r < nh; r++)
    for (let t = 0; t < nh; t++) {
      const a = adjust[r * nh + t];
      if (a === 0) continue;
      for (let j = 0; j < m; j++) out[r * m + j] += a * basis[t * m + j];
    }
  return out;
}

/**
 * The design part of CR2 for τ = wᵀy (cr2-variance.ts's formulas for one contrast). Cluster h's rows
 * have basis rows b_i ∈ R^m: q_i in its arm's k columns (Q_0 then Q_1), and 1/√n_c in the column of
 * each cell the cluster touches. With n_h ≤ m the n_h × n_h form A_h = (I − B_hB_hᵀ)^{−1/2} is used,
 * otherwise the m × m kernel form A_h = I + B_h K_h B_hᵀ.
 */
function cr2Design(
  clusters: { groupCount: number; start: Int32Array; order: Int32Array },
  count: number,
  d: Cr2Data,
): Cr2Design {
  const { k, w, levelCount } = d;
  const p = 2 * k;
  const acc = new DfAccumulator(p, levelCount);
  const localOfCell = new Int32Array(levelCount).fill(-1);
  const kind = new Uint8Array(clusters.groupCount);
  const width = new Int32Array(clusters.groupCount);
  const offset = new Float64Array(clusters.groupCount);
  let store = new Float64Array(Math.max(64, 4 * d.n));
  let used = 0;
  const reserve = (size: number) => {
    if (used + size > store.length) {
      const grown = new Float64Array(Math.max(2 * store.length, used + size));
      grown.set(store.subarray(0, used));
      store = grown;
    }
    const at = used;
    used += size;
    return at;
  };
  // scratch reused across clusters (households are small: most need a few dozen numbers)
  const cells: number[] = [];
  let basisBuffer = new Float64Array(64);
  let complement = new Float64Array(16);
  const workspace = new EigenWorkspace();
  const zBuffers = new Map<number, Float64Array>();
  const basisFor = (nh: number, m: number) => {
    if (basisBuffer.length < nh * m) basisBuffer = new Float64Array(2 * nh * m);
    return basisBuffer.fill(0, 0, nh * m);
  };
  for (let h = 0; h < clusters.groupCount; h++) {
    const from = clusters.start[h];
    const nh = clusters.start[h + 1] - from;
    if (nh === 0) continue;
    const { basis, m } = clusterBasis(d, clusters, h, localOfCell, cells, basisFor);
    let a: number;
    // z_h by its length (DfAccumulator.add reads z.length entries)
    let zh = zBuffers.get(m);
    if (!zh) zBuffers.set(m, (zh = new Float64Array(m)));
    else zh.fill(0);
    if (nh === 1) {
      const adjust = oneRowAdjust(basis, m);
      const i = clusters.order[from];
      const aw = 0 + adjust * w[i];
      a = 0 + aw * aw;
      for (let j = 0; j < m; j++) zh[j] += basis[j] * aw;
      kind[h] = 1;
      offset[h] = reserve(1);
      store[offset[h]] = adjust;
    } else if (nh <= m) {
      if (complement.length < nh * nh) complement = new Float64Array(2 * nh * nh);
      const adjust = inverseSqrtPsdInto(complementOf(basis, nh, m, complement), nh, workspace);
      a = 0;
      for (let r = 0; r < nh; r++) {
        let aw = 0;
        for (let t = 0; t < nh; t++) aw += adjust[r * nh + t] * w[clusters.order[from + t]];
        a += aw * aw;
        for (let j = 0; j < m; j++) zh[j] += basis[r * m + j] * aw;
      }
      kind[h] = 2;
      const at = reserve(nh * nh);
      offset[h] = at;
      store.set(adjust.subarray(0, nh * nh), at);
    } else {
      const gram = new Float64Array(m * m);
      const bw = new Float64Array(m);
      for (let r = 0; r < nh; r++) {
        const i = clusters.order[from + r];
        for (let j = 0; j < m; j++) {
          const bj = basis[r * m + j];
          if (bj === 0) continue;
          bw[j] += bj * w[i];
          for (let l = j; l < m; l++) gram[j * m + l] += bj * basis[r * m + l];
        }
      }
      for (let j = 0; j < m; j++) for (let l = 0; l < j; l++) gram[j * m + l] = gram[l * m + j];
      const kernel = inverseSqrtComplementKernel(gram, m);
      // A_h = I + B_h K B_hᵀ: wᵀA_h e = wᵀe + bwᵀK be (cr2Variance), B_hᵀA_h w_h = bw + G K bw
      const kbw = matVec(kernel, bw, m);
      // u = A_h w_h = w_h + B_h K bw; a = ‖u‖² = ‖w_h‖² + 2 bwᵀK bw + (K bw)ᵀG(K bw); z = B_hᵀu = bw + G K bw
      const gkbw = matVec(gram, kbw, m);
      let ww = 0;
      for (let r = 0; r < nh; r++) {
        const i = clusters.order[from + r];
        ww += w[i] * w[i];
      }
      a = ww;
      for (let j = 0; j < m; j++) {
        a += 2 * bw[j] * kbw[j] + kbw[j] * gkbw[j];
        zh[j] = bw[j] + gkbw[j];
      }
      kind[h] = 3;
      width[h] = m;
      const at = reserve(nh * m + m);
      offset[h] = at;
      store.set(basis.subarray(0, nh * m), at);
      store.set(kbw, at + nh * m);
    }
    acc.add(a, zh, cells);
  }
  return { grouped: clusters, count, df: acc.df(), kind, width, offset, store: store.subarray(0, used) };
}

/** CR2 variance of τ = wᵀy from the design's per-cluster pieces and the outcome's residuals e. */
function cr2Variance(d: Cr2Design, w: Float64Array, e: Float64Array): number {
  const { grouped: clusters, kind, store } = d;
  let variance = 0;
  let be = new Float64Array(16);
  for (let h = 0; h < clusters.groupCount; h++) {
    const from = clusters.start[h];
    const nh = clusters.start[h + 1] - from;
    const at = d.offset[h];
    let score: number;
    if (kind[h] === 0) continue;
    if (kind[h] === 1) {
      const i = clusters.order[from];
      const ae = 0 + store[at] * e[i];
      score = 0 + w[i] * ae;
    } else if (kind[h] === 2) {
      score = 0;
      for (let r = 0; r < nh; r++) {
        let ae = 0;
        for (let t = 0; t < nh; t++) ae += store[at + r * nh + t] * e[clusters.order[from + t]];
        score += w[clusters.order[from + r]] * ae;
      }
    } else {
      const m = d.width[h];
      if (be.length < m) be = new Float64Array(2 * m);
      be.fill(0, 0, m);
      for (let r = 0; r < nh; r++) {
        const i = clusters.order[from + r];
        for (let j = 0; j < m; j++) {
          const bj = store[at + r * m + j];
          if (bj === 0) continue;
          be[j] += bj * e[i];
        }
      }
      let we = 0;
      for (let r = 0; r < nh; r++) {
        const i = clusters.order[from + r];
        we += w[i] * e[i];
      }
      score = we;
      for (let j = 0; j < m; j++) score += store[at + nh * m + j] * be[j];
    }
    variance += score * score;
  }
  return variance;
}

function matVec(a: Float64Array, x: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[i * m + j] * x[j];
    out[i] = s;
  }
  return out;
}

/**
 * Every coefficient of the dense parametrisation [1, z, x_c, z·x_c] (x = numeric columns and the
 * treatment-contrast dummies of the blocks, reference = first level in sorted order) from the cell form:
 * slope of x_c = β_0, of z·x_c = β_1 − β_0; dummy of block b: α_b0 − α_ref0, its interaction
 * (α_b1 − α_ref1) − (α_b0 − α_ref0); intercept α_ref0 + x̄ᵀβ_0 + Σ_b π_b(α_b0 − α_ref0).
 */
function denseEstimates(args: {
  expanded: readonly ExpandedColumn[];
  blockName: string;
  levelCode: Map<string | number, number>;
  ref: number;
  alpha: Float64Array;
  blockShare: Float64Array;
  beta0: Float64Array;
  beta1: Float64Array;
  grand: Float64Array;
}): { intercept: number; centered: Float64Array; interacted: Float64Array } {
  const { alpha, blockShare, beta0, beta1, grand, ref } = args;
  const gamma = (b: number) => alpha[2 * b] - alpha[2 * ref];
  const delta = (b: number) => alpha[2 * b + 1] - alpha[2 * ref + 1] - gamma(b);
  let intercept = alpha[2 * ref];
  for (let j = 0; j < grand.length; j++) intercept += grand[j] * beta0[j];
  for (let b = 0; b < blockShare.length; b++) if (b !== ref) intercept += blockShare[b] * gamma(b);
  const p = args.expanded.length;
  const centered = new Float64Array(p);
  const interacted = new Float64Array(p);
  let j = 0;
  args.expanded.forEach((c, l) => {
    if (isAbsorbedDummy(c, args.blockName)) {
      const b = args.levelCode.get(c.level!)!;
      centered[l] = gamma(b);
      interacted[l] = delta(b);
    } else {
      centered[l] = beta0[j];
      interacted[l] = beta1[j] - beta0[j];
      j++;
    }
  });
  return { intercept, centered, interacted };
}

/** Every coefficient of the dense parametrisation, with its inference, from the cell form. */
export interface BlockedTerms {
  /** (Intercept), the effect, x_c per expanded column, then effect:x_c, as the dense fit names them */
  names: string[];
  estimate: Float64Array;
  /** variances (the diagonal of the covariance) */
  variance: Float64Array;
  /** per term: n − rank, or for CR2 the Bell–McCaffrey df (NaN when not asked for) */
  df: Float64Array;
  /** the covariance of every coefficient (row-major), when asked for */
  vcov: Float64Array | null;
  /** HC2/HC3: rows with leverage 1 */
  leverageOne: number[];
}

/** A coefficient as a linear function of the cell intercepts α_c and the slopes β_0, β_1. */
interface Coefficient {
  cells: number[];
  lambda: number[];
  mu0: Float64Array;
  mu1: Float64Array;
}

/** A coefficient as a sparse vector in the coordinates of the orthonormal basis [Q_0, Q_1, cells/√n_c]. */
export interface BasisRow {
  index: Int32Array;
  value: Float64Array;
}

/**
 * Standard errors, df and covariance of every coefficient of Lin's blocked model from the cell form,
 * without the dense n × (2G + 2k) design. Each coefficient θ = Σ_c λ_c α_c + μ_0ᵀβ_0 + μ_1ᵀβ_1 is
 * θ = L_θᵀUᵀy in the orthonormal basis U = [Q_0, Q_1, cell indicators/√n_c] (L_θ: v_t = R_t⁻ᵀ(μ_t −
 * Σ_c λ_c x̄_c) on Q_t, λ_c/√n_c on cell c), so every robust covariance is V = L M Lᵀ with the meat in
 * basis coordinates: σ²I (classical), Σ_i ω_i u_i u_iᵀ (HC), Σ_h s_h s_hᵀ with s_h = U_hᵀA_h e_h (CR2).
 * CR2's per-term Bell–McCaffrey df use the same per-cluster kernel as cr2-variance.ts's m × m form
 * (z_h = G_h(I + K_hG_h)L_θ, a_h = L_θᵀ(I + G_hK_h)G_h(I + K_hG_h)L_θ), in batches of terms to
 * bound memory. Costs: O(n·k²) for the meat, O(T·(2k + C)) per coefficient for variances,
 * O(clusters·T·m_h²) for the df (T terms).
 */
export function blockedTerms(
  fit: BlockedLinFit,
  effectName: string,
  options: { df: boolean; covariance: boolean },
): BlockedTerms {
  const s = fit.state;
  const { names, coefficients } = coefficientList(s, effectName);
  const rows: BasisRow[] = coefficients.map((co) => basisRow(co, s));
  const estimate = Float64Array.of(
    fit.intercept,
    fit.effect.estimate,
    ...Array.from(fit.centered),
    ...Array.from(fit.interacted),
  );
  return { names, estimate, ...basisInference(s, rows, options) };
}

/**
 * The robust covariance (and, for CR2 with `df`, each coefficient's Bell–McCaffrey df) of coefficients
 * given as rows L_θ in the coordinates of the orthonormal basis U = [Q_0, Q_1, cell indicators/√n_c]
 * of the cell form (θ = L_θᵀUᵀy): V = L M Lᵀ with the meat M in basis coordinates (see blockedTerms).
 * Rows may be sparse (blockedTerms) or dense (lin-nested.ts).
 */
export function basisInference(
  s: BlockedState,
  rows: readonly BasisRow[],
  options: { df: boolean; covariance: boolean },
): Omit<BlockedTerms, 'names' | 'estimate'> {
  const { n, k, C, rank, z, cell, cellCount, q, e, seType } = s;
  const p = 2 * k;
  const D = p + C;
  const T = rows.length;

  // the meat in basis coordinates
  const meat = new Float64Array(D * D);
  const leverageOne: number[] = [];
  const cached: ClusterKernel[] = [];
  if (seType === 'classical') {
    const sigma2 = s.sse / (n - rank);
    for (let a = 0; a < D; a++) meat[a * D + a] = sigma2;
  } else if (seType !== 'CR2') {
    const scale = seType === 'HC1' ? n / (n - rank) : 1;
    for (let i = 0; i < n; i++) {
      const c = cell[i];
      let h = 1 / cellCount[c];
      for (let j = 0; j < k; j++) h += q[i * k + j] * q[i * k + j];
      const e2 = e[i] * e[i];
      let omega = seType === 'HC2' ? e2 / (1 - h) : seType === 'HC3' ? e2 / ((1 - h) * (1 - h)) : e2;
      if ((seType === 'HC2' || seType === 'HC3') && h >= LEVERAGE_ONE) {
        leverageOne.push(i);
        omega = 0;
      }
      omega *= scale;
      // u_i: q_i on its arm's k coordinates, 1/√n_c on its cell
      const offset = z[i] === 1 ? k : 0;
      const cc = p + c;
      const root = 1 / Math.sqrt(cellCount[c]);
      for (let a = 0; a < k; a++) {
        const qa = q[i * k + a] * omega;
        for (let b = 0; b < k; b++) meat[(offset + a) * D + offset + b] += qa * q[i * k + b];
        meat[(offset + a) * D + cc] += qa * root;
        meat[cc * D + offset + a] += qa * root;
      }
      meat[cc * D + cc] += omega * root * root;
    }
  } else {
    const clusters = s.clusters!;
    const localOfCell = new Int32Array(C).fill(-1);
    let scratch = new Float64Array(256);
    let adjustedScratch = new Float64Array(256);
    const globalScratch = new Int32Array(p + C);
    for (let h = 0; h < clusters.groupCount; h++) {
      const from = clusters.start[h];
      const nh = clusters.start[h + 1] - from;
      if (nh === 0) continue;
      const cells: number[] = [];
      // basis rows B_h (kept for the df, else in scratch reused across clusters), then e_h and s_h
      const { basis, m } = clusterBasis(s, clusters, h, localOfCell, cells, (rows, width) => {
        if (options.df) return new Float64Array(rows * width);
        if (scratch.length < rows * width + rows + 2 * width)
          scratch = new Float64Array(2 * (rows * width + rows + 2 * width));
        return scratch.subarray(0, rows * width).fill(0);
      });
      const eh = options.df ? new Float64Array(nh) : scratch.subarray(nh * m, nh * m + nh);
      for (let r = 0; r < nh; r++) eh[r] = e[clusters.order[from + r]];
      // A_hB_h (kept for the df; else in scratch reused across clusters)
      if (!options.df && adjustedScratch.length < nh * m) adjustedScratch = new Float64Array(2 * nh * m);
      const adjusted =
        (s.cr2 &&
          storedAdjustedBasis(
            s.cr2,
            h,
            basis,
            nh,
            m,
            options.df ? new Float64Array(nh * m) : adjustedScratch.subarray(0, nh * m).fill(0),
          )) ||
        adjustedBasis(basis, nh, m);
      // s_h = (A_hB_h)ᵀe_h = B_hᵀA_he_h
      const score = options.df ? new Float64Array(m) : scratch.subarray(nh * m + nh, nh * m + nh + m).fill(0);
      for (let r = 0; r < nh; r++) for (let a = 0; a < m; a++) score[a] += adjusted[r * m + a] * eh[r];
      const global = options.df ? new Int32Array(m) : globalScratch.subarray(0, m);
      for (let a = 0; a < m; a++) global[a] = a < p ? a : p + cells[a - p];
      for (let a = 0; a < m; a++) {
        const sa = score[a];
        if (sa === 0) continue;
        for (let b = 0; b < m; b++) meat[global[a] * D + global[b]] += sa * score[b];
      }
      if (options.df) cached.push({ cells, global, basis, adjusted, m, nh });
    }
  }

  // V = L M Lᵀ with sparse rows L
  const variance = new Float64Array(T);
  const vcov = options.covariance ? new Float64Array(T * T) : null;
  const mRow = new Float64Array(D);
  for (let t = 0; t < T; t++) {
    const r = rows[t];
    mRow.fill(0);
    for (let u = 0; u < r.index.length; u++) {
      const b = r.index[u];
      const lb = r.value[u];
      for (let a = 0; a < D; a++) mRow[a] += meat[a * D + b] * lb;
    }
    let v = 0;
    for (let u = 0; u < r.index.length; u++) v += r.value[u] * mRow[r.index[u]];
    variance[t] = v;
    if (vcov)
      for (let o = 0; o < T; o++) {
        const ro = rows[o];
        let c = 0;
        for (let u = 0; u < ro.index.length; u++) c += ro.value[u] * mRow[ro.index[u]];
        vcov[o * T + t] = c;
      }
  }

  const df = new Float64Array(T).fill(seType === 'CR2' ? NaN : n - rank);
  if (seType === 'CR2' && options.df) {
    // a DfAccumulator holds (2k)² + 2k·C + C numbers: batches of terms keep them under ~64 MB
    const perTerm = 8 * (p * p + p * C + C) + 64;
    const batch = Math.max(1, Math.floor((64 * 1024 * 1024) / perTerm));
    for (let first = 0; first < T; first += batch) {
      const last = Math.min(T, first + batch);
      const accs = Array.from({ length: last - first }, () => new DfAccumulator(p, C));
      const dense = new Float64Array(D);
      let cBuffer = new Float64Array(0);
      // z_h by its length (DfAccumulator.add reads z.length entries)
      const zBuffers: Float64Array[] = [];
      for (let t = first; t < last; t++) {
        const r = rows[t];
        for (let u = 0; u < r.index.length; u++) dense[r.index[u]] = r.value[u];
        for (const ck of cached) {
          // u_h = A_hB_h L_θ, a_h = ‖u_h‖², z_h = B_hᵀu_h
          const { m, nh, basis, adjusted, global, cells } = ck;
          const c = cBuffer.length >= m ? cBuffer : (cBuffer = new Float64Array(2 * m));
          for (let a = 0; a < m; a++) c[a] = dense[global[a]];
          const zh = zBuffers[m] ?? (zBuffers[m] = new Float64Array(m));
          zh.fill(0);
          let ah = 0;
          for (let r = 0; r < nh; r++) {
            let u = 0;
            for (let a = 0; a < m; a++) u += adjusted[r * m + a] * c[a];
            ah += u * u;
            if (u !== 0) for (let a = 0; a < m; a++) zh[a] += basis[r * m + a] * u;
          }
          accs[t - first].add(ah, zh, cells);
        }
        for (let u = 0; u < r.index.length; u++) dense[r.index[u]] = 0;
        df[t] = accs[t - first].df();
      }
    }
  }
  return { variance, df, vcov, leverageOne };
}

interface ClusterKernel {
  cells: number[];
  global: Int32Array;
  /** B_h and A_hB_h, n_h × m */
  basis: Float64Array;
  adjusted: Float64Array;
  m: number;
  nh: number;
}

/**
 * adjustedBasis(basis, nh, m) from the A_h the design already computed for cluster h (cr2Design; the
 * same basis rows and the same arithmetic, so the same numbers), or null for the kernel form.
 */
function storedAdjustedBasis(
  d: Cr2Design,
  h: number,
  basis: Float64Array,
  nh: number,
  m: number,
  /** n_h × m zeros to write into */
  out: Float64Array,
): Float64Array | null {
  const kind = d.kind[h];
  if (kind !== 1 && kind !== 2) return null;
  const at = d.offset[h];
  return applyAdjust(d.store.subarray(at, at + nh * nh), basis, nh, m, out);
}

/** adjustedBasis's scratch for the eigen-decompositions (used synchronously, one at a time). */
const adjustWorkspace = new EigenWorkspace();

/**
 * A_hB_h with A_h = (I − B_hB_hᵀ)^{−1/2} (CR2's adjustment; eigenvalues at or below 1e-12 give 0): by
 * the n_h × n_h eigen-decomposition when n_h ≤ m (households), else A_h = I + B_hK_hB_hᵀ with the m × m
 * kernel of the Gram matrix, so A_hB_h = B_h(I + K_hG_h).
 */
function adjustedBasis(basis: Float64Array, nh: number, m: number): Float64Array {
  const out = new Float64Array(nh * m);
  if (nh === 1) return applyAdjust(Float64Array.of(oneRowAdjust(basis, m)), basis, 1, m, out);
  if (nh <= m) {
    const adjust = inverseSqrtPsdInto(
      complementOf(basis, nh, m, new Float64Array(nh * nh)),
      nh,
      adjustWorkspace,
    );
    return applyAdjust(adjust, basis, nh, m, out);
  }
  const gram = new Float64Array(m * m);
  for (let r = 0; r < nh; r++)
    for (let a = 0; a < m; a++) {
      const ba = basis[r * m + a];
      if (ba === 0) continue;
      for (let b = 0; b < m; b++) gram[a * m + b] += ba * basis[r * m + b];
    }
  const kernel = inverseSqrtComplementKernel(gram, m);
  // I + K G
  const right = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++) {
      let s = a === b ? 1 : 0;
      for (let c = 0; c < m; c++) s += kernel[a * m + c] * gram[c * m + b];
      right[a * m + b] = s;
    }
  for (let r = 0; r < nh; r++)
    for (let a = 0; a < m; a++) {
      const ba = basis[r * m + a];
      if (ba === 0) continue;
      for (let b = 0; b < m; b++) out[r * m + b] += ba * right[a * m + b];
    }
  return out;
}

/** The dense fit's terms in order, each as a linear function of α and β (see denseEstimates). */
function coefficientList(
  s: BlockedState,
  effectName: string,
): { names: string[]; coefficients: Coefficient[] } {
  const { k, G, ref, blockShare, grand, expanded, blockName, levelCode } = s;
  const zero = () => new Float64Array(k);
  const unit = (j: number, sign = 1) => {
    const v = zero();
    v[j] = sign;
    return v;
  };
  const intercept: Coefficient = { cells: [], lambda: [], mu0: Float64Array.from(grand), mu1: zero() };
  const effect: Coefficient = { cells: [], lambda: [], mu0: zero(), mu1: Float64Array.from(grand) };
  for (let b = 0; b < G; b++) {
    intercept.cells.push(2 * b);
    intercept.lambda.push(blockShare[b]);
    effect.cells.push(2 * b, 2 * b + 1);
    effect.lambda.push(-blockShare[b], blockShare[b]);
  }
  for (let j = 0; j < k; j++) effect.mu0[j] = -grand[j];
  const centered: Coefficient[] = [];
  const interacted: Coefficient[] = [];
  let j = 0;
  for (const c of expanded) {
    if (isAbsorbedDummy(c, blockName)) {
      const b = levelCode.get(c.level!)!;
      centered.push({ cells: [2 * b, 2 * ref], lambda: [1, -1], mu0: zero(), mu1: zero() });
      interacted.push({
        cells: [2 * b + 1, 2 * ref + 1, 2 * b, 2 * ref],
        lambda: [1, -1, -1, 1],
        mu0: zero(),
        mu1: zero(),
      });
    } else {
      centered.push({ cells: [], lambda: [], mu0: unit(j), mu1: zero() });
      interacted.push({ cells: [], lambda: [], mu0: unit(j, -1), mu1: unit(j) });
      j++;
    }
  }
  const names = [
    '(Intercept)',
    effectName,
    ...expanded.map((c) => `${c.name}_c`),
    ...expanded.map((c) => `${effectName}:${c.name}_c`),
  ];
  return { names, coefficients: [intercept, effect, ...centered, ...interacted] };
}

/** L_θ: v_t = R_t⁻ᵀ(μ_t − Σ_{c of arm t} λ_c x̄_c) on Q_t's coordinates, λ_c/√n_c on cell c's. */
function basisRow(co: Coefficient, s: BlockedState): BasisRow {
  const { k, cellCount, xMean, r } = s;
  const m: [Float64Array, Float64Array] = [Float64Array.from(co.mu0), Float64Array.from(co.mu1)];
  const lambda = new Map<number, number>();
  co.cells.forEach((c, u) => lambda.set(c, (lambda.get(c) ?? 0) + co.lambda[u]));
  for (const [c, l] of lambda) {
    const t = c & 1;
    for (let j = 0; j < k; j++) m[t][j] -= l * xMean[j][c];
  }
  const index: number[] = [];
  const value: number[] = [];
  for (const t of [0, 1] as const) {
    const v = solveUpperTransposed(r[t], m[t], k);
    for (let j = 0; j < k; j++) {
      index.push(t * k + j);
      value.push(v[j]);
    }
  }
  for (const [c, l] of [...lambda].sort(([a], [b]) => a - b)) {
    if (l === 0) continue;
    index.push(2 * k + c);
    value.push(l / Math.sqrt(cellCount[c]));
  }
  return { index: Int32Array.from(index), value: Float64Array.from(value) };
}
