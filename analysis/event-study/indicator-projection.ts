/**
 * The within (two-way) projection of a sparse 0/1 indicator design without materializing the
 * demeaned columns, for the TWFE and Sun–Abraham event studies at national scale (100,000 students
 * × 12 months × 19–99 indicator columns: the dense demeaned columns cost 150 MB–1 GB of fresh
 * memory, whose page faults and collection took more wall time than the arithmetic).
 *
 * With units A (many levels) and periods B (L ≤ 300 levels), each indicator column x_k projects
 * exactly (Frisch–Waugh–Lovell, as alternating-projections.ts's exact two-factor path) to
 *
 *   x̃_k = M_D x_k = x_k − a_k[u(i)] − b_k[t(i)],
 *   b_k solves (D_B′ M_A D_B) b_k = D_B′ M_A x_k,   a_k[u] = (N[u,k] − Σ_{i∈u} b_k[t(i)]) / n_u,
 *
 * with N[u,k] the unit's observations in column k. Everything the regression needs is then a sum
 * over the sparse design and these small coefficient tables:
 *
 *   (X̃′X̃)_{jk} = X_j′x̃_k = δ_jk n_j − Σ_u N[u,j] a_k[u] − Σ_t C[t,j] b_k[t]   (C: period × column counts)
 *   e_i = ỹ_i − x̃_i′β,   s_g = X̃_g′e_g   (cluster scores; clusters contain whole units)
 *
 * so the only arrays of length n are the demeaned outcome and the unit grouping.
 */
import { EXACT_SMALL_LEVELS, pivotedCholesky, type DemeanFactor } from '../alternating-projections.ts';
import { groupRows, type GroupedRows } from '../factor-codes.ts';
import type { IndicatorDesign } from './two-way-regression.ts';

export interface IndicatorProjection {
  /** X̃′X̃ (p × p, row-major, symmetrized) */
  gram: Float64Array;
  /** period coefficients b_k[t] (L × p, row-major) */
  b: Float64Array;
  grouped: GroupedRows;
}

/** Whether the projection applies: few periods, more units than periods, every unit in one cluster. */
export function canProjectIndicators(
  unit: DemeanFactor,
  period: DemeanFactor,
  cluster: DemeanFactor,
): boolean {
  if (period.levels > EXACT_SMALL_LEVELS || unit.levels < period.levels) return false;
  const clusterOf = new Int32Array(unit.levels).fill(-1);
  for (let i = 0; i < unit.codes.length; i++) {
    const u = unit.codes[i];
    if (clusterOf[u] === -1) clusterOf[u] = cluster.codes[i];
    else if (clusterOf[u] !== cluster.codes[i]) return false;
  }
  return true;
}

/** Per-unit scratch: column counts N[u,·] (dense, with the touched list) and Σ_{i∈u} b_·[t(i)]. */
class UnitScratch {
  readonly count: Float64Array;
  readonly bsum: Float64Array;
  readonly touched: number[] = [];
  constructor(readonly p: number) {
    this.count = new Float64Array(p);
    this.bsum = new Float64Array(p);
  }
  load(design: IndicatorDesign, grouped: GroupedRows, period: Int32Array, b: Float64Array | null, u: number) {
    const { count, bsum, touched, p } = this;
    for (const k of touched) count[k] = 0;
    touched.length = 0;
    if (b) bsum.fill(0);
    for (let r = grouped.start[u]; r < grouped.start[u + 1]; r++) {
      const i = grouped.order[r];
      const k = design.code[i];
      if (k >= 0) {
        if (count[k] === 0) touched.push(k);
        count[k]++;
      }
      if (b) {
        const at = period[i] * p;
        for (let j = 0; j < p; j++) bsum[j] += b[at + j];
      }
    }
  }
}

/**
 * @example see tests/unit/analysis/event-study/indicator-projection.test.ts (equal to the dense demeaned columns)
 */
export function projectIndicators(
  design: IndicatorDesign,
  unit: DemeanFactor,
  period: DemeanFactor,
): IndicatorProjection {
  const p = design.columns;
  const levels = period.levels;
  const grouped = groupRows(unit.codes, unit.levels);
  const gB = new Float64Array(levels * levels);
  const rhs = new Float64Array(levels * p);
  const byLevel = new Float64Array(levels);
  const touchedT: number[] = [];
  const scratch = new UnitScratch(p);
  for (let u = 0; u < unit.levels; u++) {
    const nu = grouped.start[u + 1] - grouped.start[u];
    if (nu === 0) continue;
    scratch.load(design, grouped, period.codes, null, u);
    for (let r = grouped.start[u]; r < grouped.start[u + 1]; r++) {
      const i = grouped.order[r];
      const t = period.codes[i];
      if (byLevel[t] === 0) touchedT.push(t);
      byLevel[t]++;
      gB[t * levels + t]++;
      if (design.code[i] >= 0) rhs[t * p + design.code[i]]++;
    }
    const inverse = 1 / nu;
    for (const a of touchedT) {
      for (const c of touchedT) gB[a * levels + c] -= byLevel[a] * byLevel[c] * inverse;
      for (const k of scratch.touched) rhs[a * p + k] -= byLevel[a] * scratch.count[k] * inverse;
    }
    for (const a of touchedT) byLevel[a] = 0;
    touchedT.length = 0;
  }
  const solve = pivotedCholesky(gB, levels);
  const b = new Float64Array(levels * p);
  const column = new Float64Array(levels);
  for (let k = 0; k < p; k++) {
    for (let t = 0; t < levels; t++) column[t] = rhs[t * p + k];
    const solution = solve(column);
    for (let t = 0; t < levels; t++) b[t * p + k] = solution[t];
  }
  return { gram: indicatorGram(design, period, b, grouped, unit.levels), b, grouped };
}

function indicatorGram(
  design: IndicatorDesign,
  period: DemeanFactor,
  b: Float64Array,
  grouped: GroupedRows,
  units: number,
): Float64Array {
  const p = design.columns;
  const gram = new Float64Array(p * p);
  const counts = new Float64Array(period.levels * p);
  for (let i = 0; i < design.code.length; i++)
    if (design.code[i] >= 0) counts[period.codes[i] * p + design.code[i]]++;
  for (let t = 0; t < period.levels; t++)
    for (let j = 0; j < p; j++) {
      const c = counts[t * p + j];
      if (c === 0) continue;
      gram[j * p + j] += c;
      for (let k = 0; k < p; k++) gram[j * p + k] -= c * b[t * p + k];
    }
  const scratch = new UnitScratch(p);
  for (let u = 0; u < units; u++) {
    const nu = grouped.start[u + 1] - grouped.start[u];
    if (nu === 0) continue;
    scratch.load(design, grouped, period.codes, b, u);
    if (scratch.touched.length === 0) continue;
    const inverse = 1 / nu;
    for (const j of scratch.touched) {
      const nj = scratch.count[j] * inverse;
      for (let k = 0; k < p; k++) gram[j * p + k] -= nj * (scratch.count[k] - scratch.bsum[k]);
    }
  }
  for (let a = 0; a < p; a++)
    for (let c = a + 1; c < p; c++) {
      const s = (gram[a * p + c] + gram[c * p + a]) / 2;
      gram[a * p + c] = s;
      gram[c * p + a] = s;
    }
  return gram;
}

/**
 * Cluster scores s_g = Σ_{i∈g} x̃_i e_i of the kept columns (G × m, row-major), with
 * e_i = ỹ_i − x̃_i′β computed on the way (β over the kept columns, in their order).
 */
export function indicatorScores(
  projection: IndicatorProjection,
  design: IndicatorDesign,
  period: DemeanFactor,
  cluster: DemeanFactor,
  yt: Float64Array,
  kept: readonly number[],
  beta: Float64Array,
): Float64Array {
  const p = design.columns;
  const m = kept.length;
  const { b, grouped } = projection;
  const full = new Float64Array(p);
  const position = new Int32Array(p).fill(-1);
  kept.forEach((k, r) => {
    full[k] = beta[r];
    position[k] = r;
  });
  const bBeta = new Float64Array(period.levels);
  for (let t = 0; t < period.levels; t++) {
    let s = 0;
    for (let k = 0; k < p; k++) s += b[t * p + k] * full[k];
    bBeta[t] = s;
  }
  const scores = new Float64Array(cluster.levels * m);
  const scratch = new UnitScratch(p);
  const a = new Float64Array(m);
  const units = grouped.start.length - 1;
  for (let u = 0; u < units; u++) {
    const first = grouped.start[u];
    const nu = grouped.start[u + 1] - first;
    if (nu === 0) continue;
    scratch.load(design, grouped, period.codes, b, u);
    let aBeta = 0;
    for (let r = 0; r < m; r++) {
      const k = kept[r];
      a[r] = (scratch.count[k] - scratch.bsum[k]) / nu;
      aBeta += a[r] * beta[r];
    }
    const at = cluster.codes[grouped.order[first]] * m;
    for (let q = first; q < first + nu; q++) {
      const i = grouped.order[q];
      const t = period.codes[i];
      const k = design.code[i];
      const e = yt[i] - (k >= 0 ? full[k] : 0) + aBeta + bBeta[t];
      if (k >= 0 && position[k] >= 0) scores[at + position[k]] += e;
      const bt = t * p;
      for (let r = 0; r < m; r++) scores[at + r] -= (a[r] + b[bt + kept[r]]) * e;
    }
  }
  return scores;
}
