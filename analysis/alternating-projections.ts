/**
 * Multi-way absorbed fixed effects by alternating projections (Gaure 2013, lfe's `demeanlist`;
 * fixest's `demean`), with Irons–Tuck acceleration as in fixest (Bergé 2018).
 *
 * Demeaning a column x by factors F1…FK returns M_D x, the residual of the least-squares
 * projection of x on the dummies of all K factors (weighted least squares when weights are
 * given). One sweep subtracts, factor after factor, the (weighted) mean of the current residual
 * within each level; repeating sweeps converges to M_D x (von Neumann–Halperin). With one factor
 * one sweep is exact; with more, the Irons–Tuck extrapolation of every second sweep makes
 * convergence fast on unbalanced data. Two factors of which one has at most 300 levels (students ×
 * months, schools × years) are projected out exactly instead: within-demean by the large factor,
 * then solve the small factor's L × L normal equations (no iteration, any balance).
 * By Frisch–Waugh–Lovell, regressing demeaned y on demeaned X gives the coefficients of the
 * regression with every dummy. Self-contained (imports only factor-codes.ts) so it can be shared.
 */

import { groupRows } from './factor-codes.ts';

/** A categorical variable as dense codes 0…levels−1. */
export interface DemeanFactor {
  codes: Int32Array;
  levels: number;
}

export interface DemeanOptions {
  /** Observation weights (weighted means within levels); all ≥ 0. */
  weights?: Float64Array;
  /** Stop when a sweep changes no value by more than tolerance × (1 + max |x|). Default 1e-13. */
  tolerance?: number;
  /** Maximum number of sweeps per column. Default 10,000. */
  maxIterations?: number;
  /**
   * 'auto' (default): two factors of which one has at most 300 levels (student × month panels) are
   * projected out exactly (see `exactTwoWay`); anything else by alternating projections.
   * 'alternating': always alternating projections.
   */
  algorithm?: 'auto' | 'alternating';
}

export interface DemeanResult {
  /** Demeaned copies of the input columns, in order. */
  columns: Float64Array[];
  /** Largest number of sweeps any column needed. */
  iterations: number;
  /** Whether every column met the tolerance within maxIterations. */
  converged: boolean;
}

interface PreparedFactor {
  codes: Int32Array;
  levels: number;
  /** 1 / (sum of weights in the level), 0 for an empty level. */
  inverseTotal: Float64Array;
  sums: Float64Array;
}

/**
 * Residuals of every column after projecting out all fixed effects of all factors.
 *
 * @throws {RangeError} when a column, a factor's codes or the weights differ in length, a code is
 *   outside 0…levels−1, or a weight is negative or not finite
 * @example demeanByFactors([Float64Array.of(1, 2, 3, 6)], [{ codes: Int32Array.of(0, 0, 1, 1), levels: 2 }, { codes: Int32Array.of(0, 1, 0, 1), levels: 2 }]).columns[0] // [0.5, -0.5, -0.5, 0.5]
 */
export function demeanByFactors(
  columns: Float64Array[],
  factors: DemeanFactor[],
  options: DemeanOptions = {},
): DemeanResult {
  const n = columns.length > 0 ? columns[0].length : (factors[0]?.codes.length ?? 0);
  checkInputs(columns, factors, options.weights, n);
  const demean = makeDemeaner(factors, options);
  let iterations = 0;
  let converged = true;
  const out = columns.map((column) => {
    const result = demean(column);
    iterations = Math.max(iterations, result.iterations);
    converged &&= result.converged;
    return result.values;
  });
  return { columns: out, iterations, converged };
}

/**
 * The demeaning of `demeanByFactors` as a reusable function of one column, for callers that build
 * their columns one at a time (the set-up of the exact two-factor path is done once). Inputs are
 * not checked: validate the factors with `demeanByFactors` first or construct them correctly.
 *
 * @example makeDemeaner([{ codes: Int32Array.of(0, 0, 1), levels: 2 }])(Float64Array.of(1, 3, 5)).values // [-1, 1, 0]
 */
export function makeDemeaner(
  factors: DemeanFactor[],
  options: DemeanOptions = {},
): (column: Float64Array) => { values: Float64Array; iterations: number; converged: boolean } {
  const weights = options.weights;
  const tolerance = options.tolerance ?? 1e-13;
  const maxIterations = options.maxIterations ?? 10_000;
  const prepared = factors.map((factor) => prepareFactor(factor, weights));
  if ((options.algorithm ?? 'auto') === 'auto' && factors.length === 2) {
    const [large, small] = prepared[0].levels >= prepared[1].levels ? prepared : [prepared[1], prepared[0]];
    if (small.levels <= EXACT_SMALL_LEVELS) {
      const exact = exactTwoWay(large, small, weights);
      return (column) => ({ values: exact(column), iterations: 1, converged: true });
    }
  }
  return (column) => demeanColumn(column, prepared, weights, tolerance, maxIterations);
}

function checkInputs(
  columns: Float64Array[],
  factors: DemeanFactor[],
  weights: Float64Array | undefined,
  n: number,
): void {
  for (const [j, column] of columns.entries()) {
    if (column.length !== n) throw new RangeError(`column ${j} has ${column.length} values, expected ${n}`);
  }
  for (const [k, factor] of factors.entries()) {
    if (factor.codes.length !== n)
      throw new RangeError(`factor ${k} has ${factor.codes.length} codes, expected ${n}`);
    for (let i = 0; i < n; i++) {
      const code = factor.codes[i];
      if (code < 0 || code >= factor.levels)
        throw new RangeError(`factor ${k} code ${code} at row ${i} is outside 0…${factor.levels - 1}`);
    }
  }
  if (weights === undefined) return;
  if (weights.length !== n) throw new RangeError(`weights have ${weights.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) {
    if (!(weights[i] >= 0) || !Number.isFinite(weights[i]))
      throw new RangeError(`weight at row ${i} is ${weights[i]}`);
  }
}

function prepareFactor(factor: DemeanFactor, weights: Float64Array | undefined): PreparedFactor {
  const total = new Float64Array(factor.levels);
  const codes = factor.codes;
  if (weights === undefined) for (let i = 0; i < codes.length; i++) total[codes[i]]++;
  else for (let i = 0; i < codes.length; i++) total[codes[i]] += weights[i];
  const inverseTotal = new Float64Array(factor.levels);
  for (let f = 0; f < factor.levels; f++) inverseTotal[f] = total[f] > 0 ? 1 / total[f] : 0;
  return { codes, levels: factor.levels, inverseTotal, sums: new Float64Array(factor.levels) };
}

/** One sweep in place: subtract, factor after factor, the within-level (weighted) mean. */
function sweep(r: Float64Array, factors: PreparedFactor[], weights: Float64Array | undefined): void {
  for (const { codes, inverseTotal, sums } of factors) {
    sums.fill(0);
    if (weights === undefined) for (let i = 0; i < r.length; i++) sums[codes[i]] += r[i];
    else for (let i = 0; i < r.length; i++) sums[codes[i]] += weights[i] * r[i];
    for (let f = 0; f < sums.length; f++) sums[f] *= inverseTotal[f];
    for (let i = 0; i < r.length; i++) r[i] -= sums[codes[i]];
  }
}

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > m) m = a;
  }
  return m;
}

/**
 * Iterate X → F(X) → F(F(X)) and extrapolate (Irons & Tuck 1969, as fixest):
 * X' = F(F(X)) − (Δ·Δ²/Δ²·Δ²) Δ with Δ = F(F(X)) − F(X) and Δ² = Δ − F(X) + X. Every iterate stays in
 * x + span(dummies), so the fixed point is M_D x.
 */
function demeanColumn(
  column: Float64Array,
  factors: PreparedFactor[],
  weights: Float64Array | undefined,
  tolerance: number,
  maxIterations: number,
): { values: Float64Array; iterations: number; converged: boolean } {
  const x = Float64Array.from(column);
  if (factors.length === 0) return { values: x, iterations: 0, converged: true };
  const threshold = tolerance * (1 + maxAbs(column));
  sweep(x, factors, weights);
  if (factors.length === 1) return { values: x, iterations: 1, converged: true };
  const gx = new Float64Array(x.length);
  const ggx = new Float64Array(x.length);
  let iterations = 1;
  while (iterations < maxIterations) {
    gx.set(x);
    sweep(gx, factors, weights);
    ggx.set(gx);
    sweep(ggx, factors, weights);
    iterations += 2;
    let change = 0;
    let vprod = 0;
    let ssq = 0;
    for (let i = 0; i < x.length; i++) {
      const delta = ggx[i] - gx[i];
      const delta2 = delta - gx[i] + x[i];
      const a = Math.abs(delta);
      if (a > change) change = a;
      vprod += delta * delta2;
      ssq += delta2 * delta2;
    }
    if (change <= threshold || ssq === 0) return { values: ggx, iterations, converged: true };
    const coefficient = vprod / ssq;
    for (let i = 0; i < x.length; i++) x[i] = ggx[i] - coefficient * (ggx[i] - gx[i]);
  }
  return { values: x, iterations, converged: false };
}

export const EXACT_SMALL_LEVELS = 300;
const DEPENDENCE_TOLERANCE = 1e-10;

/**
 * Exact projection on two factors A (many levels) and B (few levels, L): with M_A the within-A
 * demeaning, M_D x = M_A x − M_A D_B b where b solves the L × L normal equations
 * (D_Bᵀ W M_A D_B) b = D_Bᵀ W M_A x (Frisch–Waugh–Lovell). The matrix is built once from each A
 * level's weights by B level, its dependent columns (one per connected component) dropped by a
 * pivoted Cholesky; each column then costs a few passes over the data and no iteration.
 */
function exactTwoWay(
  large: PreparedFactor,
  small: PreparedFactor,
  weights: Float64Array | undefined,
): (column: Float64Array) => Float64Array {
  const n = large.codes.length;
  const levels = small.levels;
  const w = (i: number) => (weights === undefined ? 1 : weights[i]);
  const grouped = groupRows(large.codes, large.levels);
  const gram = new Float64Array(levels * levels);
  const byLevel = new Float64Array(levels);
  const touched: number[] = [];
  for (let u = 0; u < large.levels; u++) {
    touched.length = 0;
    for (let k = grouped.start[u]; k < grouped.start[u + 1]; k++) {
      const i = grouped.order[k];
      const s = small.codes[i];
      if (byLevel[s] === 0) touched.push(s);
      byLevel[s] += w(i);
      gram[s * levels + s] += w(i);
    }
    const inverse = large.inverseTotal[u];
    for (const a of touched)
      for (const b of touched) gram[a * levels + b] -= byLevel[a] * byLevel[b] * inverse;
    for (const a of touched) byLevel[a] = 0;
  }
  const solver = pivotedCholesky(gram, levels);
  return (column) => {
    const r = Float64Array.from(column);
    sweep(r, [large], weights);
    const rhs = new Float64Array(levels);
    for (let i = 0; i < n; i++) rhs[small.codes[i]] += w(i) * r[i];
    const b = solver(rhs);
    const unitMean = large.sums;
    unitMean.fill(0);
    for (let i = 0; i < n; i++) unitMean[large.codes[i]] += w(i) * b[small.codes[i]];
    for (let u = 0; u < large.levels; u++) unitMean[u] *= large.inverseTotal[u];
    for (let i = 0; i < n; i++) r[i] -= b[small.codes[i]] - unitMean[large.codes[i]];
    return r;
  };
}

/**
 * Solver of G b = c for a symmetric positive semi-definite G (m × m): columns whose Cholesky pivot
 * falls to DEPENDENCE_TOLERANCE of their diagonal get b = 0 (any solution of a consistent system
 * gives the same projection).
 */
export function pivotedCholesky(g: Float64Array, m: number): (c: Float64Array) => Float64Array {
  const l = new Float64Array(m * m);
  const kept = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    let d = g[j * m + j];
    for (let k = 0; k < j; k++) if (kept[k]) d -= l[j * m + k] ** 2;
    if (!(d > DEPENDENCE_TOLERANCE * g[j * m + j])) continue;
    kept[j] = 1;
    const root = Math.sqrt(d);
    l[j * m + j] = root;
    for (let i = j + 1; i < m; i++) {
      let s = g[i * m + j];
      for (let k = 0; k < j; k++) if (kept[k]) s -= l[i * m + k] * l[j * m + k];
      l[i * m + j] = s / root;
    }
  }
  return (c) => {
    const z = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      if (!kept[i]) continue;
      let s = c[i];
      for (let k = 0; k < i; k++) if (kept[k]) s -= l[i * m + k] * z[k];
      z[i] = s / l[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      if (!kept[i]) continue;
      let s = z[i];
      for (let k = i + 1; k < m; k++) if (kept[k]) s -= l[k * m + i] * z[k];
      z[i] = s / l[i * m + i];
    }
    return z;
  };
}

/**
 * Fixed-effect levels that are redundant given the others, for the degrees of freedom: the model
 * with K factors has Σ(levels observed) − redundant free fixed-effect parameters (the intercept
 * included). With one factor none is redundant. With two, one level per connected component of
 * the bipartite graph of levels linked by observations (Abowd, Creecy & Kramarz 2002; fixest and
 * lfe). With more, the first two are counted exactly and each further factor adds one (a lower
 * bound on redundancy, as fixest).
 *
 * @example redundantFixedEffectLevels([{ codes: Int32Array.of(0, 0, 1, 1), levels: 2 }, { codes: Int32Array.of(0, 1, 0, 1), levels: 2 }]) // 1
 */
export function redundantFixedEffectLevels(factors: DemeanFactor[]): number {
  if (factors.length < 2) return 0;
  return connectedComponents(factors[0], factors[1]) + (factors.length - 2);
}

/** Levels with at least one observation. */
export function observedLevels(factor: DemeanFactor): number {
  const seen = new Uint8Array(factor.levels);
  let count = 0;
  for (let i = 0; i < factor.codes.length; i++) {
    if (seen[factor.codes[i]] === 0) {
      seen[factor.codes[i]] = 1;
      count++;
    }
  }
  return count;
}

/**
 * Connected components of the bipartite graph whose vertices are the observed levels of a and b
 * and whose edges are observations (union–find with path halving).
 *
 * @example connectedComponents({ codes: Int32Array.of(0, 1), levels: 2 }, { codes: Int32Array.of(0, 1), levels: 2 }) // 2
 */
export function connectedComponents(a: DemeanFactor, b: DemeanFactor): number {
  const parent = new Int32Array(a.levels + b.levels);
  for (let v = 0; v < parent.length; v++) parent[v] = v;
  const find = (v: number): number => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]];
      v = parent[v];
    }
    return v;
  };
  const observed = new Uint8Array(parent.length);
  let components = 0;
  for (let i = 0; i < a.codes.length; i++) {
    const u = a.codes[i];
    const v = a.levels + b.codes[i];
    if (observed[u] === 0) {
      observed[u] = 1;
      components++;
    }
    if (observed[v] === 0) {
      observed[v] = 1;
      components++;
    }
    const ru = find(u);
    const rv = find(v);
    if (ru !== rv) {
      parent[ru] = rv;
      components--;
    }
  }
  return components;
}
