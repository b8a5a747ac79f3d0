/**
 * Least squares of y on 0/1 indicator columns (relative-time or cohort × relative-time dummies, or
 * a static treatment dummy) with unit and period fixed effects absorbed, and cluster-robust
 * variance, as fixest 0.14's `feols(y ~ i(...) | unit + period, vcov = ~cluster)`:
 *
 *   ỹ, X̃ = y, X demeaned by unit and period (alternating projections, Frisch–Waugh–Lovell);
 *   β = (X̃′X̃)⁻¹X̃′ỹ, e = ỹ − X̃β;
 *   CR1 (fixest): V = G/(G−1) · (n−1)/(n−K) · (X̃′X̃)⁻¹ Σ_g X̃_g′e_g e_g′X̃_g (X̃′X̃)⁻¹, df = G − 1,
 *   with K = the estimated β plus the fixed-effect parameters not nested in the cluster variable
 *   (fixest's ssc(K.adj = TRUE, K.fixef = "nonnested", G.adj = TRUE, t.df = "min"): each non-nested
 *   factor counts its levels minus one, plus one for the intercept);
 *   CR2 (Bell–McCaffrey, Pustejovsky–Tipton) as estimatr 1.0.0's
 *   `lm_robust(y ~ X + factor(period), fixed_effects = ~unit, clusters = cluster, se_type = "CR2")`,
 *   with Satterthwaite degrees of freedom per coefficient.
 *
 * Indicator columns are kept sparse (one code per observation): X̃′X̃ = X′X̃ and X̃′ỹ = X′ỹ, so the
 * only dense arrays are the demeaned columns. Columns collinear with the fixed effects and the
 * columns before them are dropped, as fixest does, and reported.
 */
import { demeanByFactors, makeDemeaner, type DemeanFactor } from '../alternating-projections.ts';
import { cr2Variance } from '../cr2-variance.ts';
import { groupRows } from '../factor-codes.ts';
import { absorbedFactor } from '../fixed-effects.ts';
import { fitLeastSquares } from '../least-squares.ts';
import { canProjectIndicators, indicatorScores, projectIndicators } from './indicator-projection.ts';
import { independentColumns, invertSymmetric, submatrix } from './symmetric-solve.ts';

export type ClusterSeType = 'CR1' | 'CR2';

/** Sparse 0/1 design: observation o has a 1 in column code[o], or in no column when code[o] = −1. */
export interface IndicatorDesign {
  code: Int32Array;
  columns: number;
}

export interface TwoWayInput {
  y: Float64Array;
  design: IndicatorDesign;
  unit: DemeanFactor;
  period: DemeanFactor;
  /** cluster code per observation */
  cluster: DemeanFactor;
  seType: ClusterSeType;
}

export interface TwoWayFit {
  /** design columns estimated, in order; the others were collinear */
  kept: number[];
  collinear: number[];
  beta: Float64Array;
  /** kept × kept, row-major */
  vcov: Float64Array;
  /** degrees of freedom per kept coefficient */
  df: Float64Array;
  nObs: number;
  nClusters: number;
  /** K of the small-sample factor (CR1) */
  smallSampleK: number;
  demeaningIterations: number;
  /** false when alternating projections stopped at their iteration limit */
  demeaningConverged: boolean;
}

export type TwoWayOutcome =
  | { ok: true; fit: TwoWayFit }
  | {
      ok: false;
      reason: 'no-estimable-terms' | 'too-few-clusters' | 'too-few-observations';
      message: string;
    };

/**
 * @example see tests/unit/analysis/event-study/twfe-event-study.test.ts (fixest goldens)
 */
export function fitTwoWayIndicators(input: TwoWayInput): TwoWayOutcome {
  const { y, design, unit, period, cluster } = input;
  const n = y.length;
  const p = design.columns;
  const demean = makeDemeaner([unit, period]);
  const demeanedY = demean(y);
  const yt = demeanedY.values;
  const within = canProjectIndicators(unit, period, cluster)
    ? projectedWithin(design, unit, period, cluster, yt)
    : denseWithin(design, n, demean, cluster, yt);
  const demeaned = {
    iterations: Math.max(demeanedY.iterations, within.iterations),
    converged: demeanedY.converged && within.converged,
  };
  const gram = within.gram;
  const kept = independentColumns(gram, p);
  const collinear = [...Array(p).keys()].filter((j) => !kept.includes(j));
  if (kept.length === 0)
    return {
      ok: false,
      reason: 'no-estimable-terms',
      message: 'no indicator can be estimated: every one is collinear with the fixed effects',
    };
  const m = kept.length;
  const bread = invertSymmetric(submatrix(gram, p, kept), m)!;
  const xty = new Float64Array(m);
  const position = new Int32Array(p).fill(-1);
  kept.forEach((j, r) => (position[j] = r));
  for (let i = 0; i < n; i++) {
    const r = design.code[i] >= 0 ? position[design.code[i]] : -1;
    if (r >= 0) xty[r] += yt[i];
  }
  const beta = multiplyVector(bread, xty, m);
  const clusterCount = countLevels(cluster);
  if (clusterCount < 2)
    return {
      ok: false,
      reason: 'too-few-clusters',
      message: `cluster-robust standard errors need at least 2 clusters; the panel has ${clusterCount}`,
    };
  const smallSampleK = m + nonNestedFixedEffectParameters([unit, period], cluster);
  if (n - smallSampleK <= 0)
    return {
      ok: false,
      reason: 'too-few-observations',
      message: `${n} observations cannot estimate ${smallSampleK} parameters`,
    };
  const base = {
    kept,
    collinear,
    beta,
    nObs: n,
    nClusters: clusterCount,
    smallSampleK,
    demeaningIterations: demeaned.iterations,
    demeaningConverged: demeaned.converged,
  };
  if (input.seType === 'CR2') {
    const cr2 = cr2Covariance(input, kept, m);
    return { ok: true, fit: { ...base, vcov: cr2.vcov, df: cr2.df } };
  }
  const factor = ((clusterCount / (clusterCount - 1)) * (n - 1)) / (n - smallSampleK);
  const vcov = clusteredSandwich(within.scores(kept, beta), bread, m, factor);
  return {
    ok: true,
    fit: { ...base, vcov, df: new Float64Array(m).fill(clusterCount - 1) },
  };
}

interface Within {
  gram: Float64Array;
  iterations: number;
  converged: boolean;
  /** cluster scores X̃_g′e_g of the kept columns (G × m) given their coefficients */
  scores: (kept: readonly number[], beta: Float64Array) => Float64Array;
}

/** Units × few periods, clusters containing whole units: the sparse projection (indicator-projection.ts). */
function projectedWithin(
  design: IndicatorDesign,
  unit: DemeanFactor,
  period: DemeanFactor,
  cluster: DemeanFactor,
  yt: Float64Array,
): Within {
  const projection = projectIndicators(design, unit, period);
  return {
    gram: projection.gram,
    iterations: 1,
    converged: true,
    scores: (kept, beta) => indicatorScores(projection, design, period, cluster, yt, kept, beta),
  };
}

/** Any other case: each indicator column demeaned densely (built in one reused buffer). */
function denseWithin(
  design: IndicatorDesign,
  n: number,
  demean: (column: Float64Array) => { values: Float64Array; iterations: number; converged: boolean },
  cluster: DemeanFactor,
  yt: Float64Array,
): Within {
  const buffer = new Float64Array(n);
  const xt = [];
  for (let j = 0; j < design.columns; j++) {
    buffer.fill(0);
    for (let i = 0; i < n; i++) if (design.code[i] === j) buffer[i] = 1;
    xt.push(demean(buffer));
  }
  const columns = xt.map((x) => x.values);
  return {
    gram: sparseGram(design, columns),
    iterations: xt.reduce((a, x) => Math.max(a, x.iterations), 0),
    converged: xt.every((x) => x.converged),
    scores: (kept, beta) => {
      const keptColumns = kept.map((j) => columns[j]);
      const residuals = Float64Array.from(yt);
      keptColumns.forEach((column, r) => {
        const b = beta[r];
        for (let i = 0; i < n; i++) residuals[i] -= b * column[i];
      });
      const m = kept.length;
      const scores = new Float64Array(cluster.levels * m);
      keptColumns.forEach((column, r) => {
        for (let i = 0; i < n; i++) scores[cluster.codes[i] * m + r] += column[i] * residuals[i];
      });
      return scores;
    },
  };
}

/** X̃′X̃ = X′X̃ for an indicator design (M is idempotent), symmetrized. */
function sparseGram(design: IndicatorDesign, xt: Float64Array[]): Float64Array {
  const p = design.columns;
  const gram = new Float64Array(p * p);
  for (let k = 0; k < p; k++) {
    const column = xt[k];
    for (let i = 0; i < column.length; i++) {
      const j = design.code[i];
      if (j >= 0) gram[j * p + k] += column[i];
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = a + 1; b < p; b++) {
      const s = (gram[a * p + b] + gram[b * p + a]) / 2;
      gram[a * p + b] = s;
      gram[b * p + a] = s;
    }
  }
  return gram;
}

function multiplyVector(a: Float64Array, x: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let c = 0; c < m; c++) s += a[r * m + c] * x[c];
    out[r] = s;
  }
  return out;
}

/** factor · bread (Σ_g s_g s_gᵀ) bread with s_g = X̃_g′e_g, the meat accumulated on its upper triangle. */
function clusteredSandwich(
  scores: Float64Array,
  bread: Float64Array,
  m: number,
  factor: number,
): Float64Array {
  const clusters = scores.length / m;
  const meat = new Float64Array(m * m);
  for (let g = 0; g < clusters; g++) {
    const at = g * m;
    for (let a = 0; a < m; a++) {
      const sa = scores[at + a];
      if (sa === 0) continue;
      for (let b = a; b < m; b++) meat[a * m + b] += sa * scores[at + b];
    }
  }
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) meat[a * m + b] = meat[b * m + a];
  const half = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let k = 0; k < m; k++) {
      const v = bread[a * m + k];
      if (v === 0) continue;
      for (let b = 0; b < m; b++) half[a * m + b] += v * meat[k * m + b];
    }
  const vcov = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += half[a * m + k] * bread[k * m + b];
      vcov[a * m + b] = factor * s;
    }
  return vcov;
}

function countLevels(factor: DemeanFactor): number {
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

/** A factor is nested in the clusters when each of its observed levels lies in one cluster. */
function nestedIn(factor: DemeanFactor, cluster: DemeanFactor): boolean {
  const clusterOf = new Int32Array(factor.levels).fill(-1);
  for (let i = 0; i < factor.codes.length; i++) {
    const f = factor.codes[i];
    if (clusterOf[f] === -1) clusterOf[f] = cluster.codes[i];
    else if (clusterOf[f] !== cluster.codes[i]) return false;
  }
  return true;
}

/** fixest's K.fixef = "nonnested": Σ over non-nested factors of (levels − 1), plus 1 (intercept). */
function nonNestedFixedEffectParameters(factors: DemeanFactor[], cluster: DemeanFactor): number {
  let k = 1;
  for (const factor of factors) if (!nestedIn(factor, cluster)) k += countLevels(factor) - 1;
  return k;
}

/**
 * CR2 through the regression with explicit period dummies and the unit absorbed: estimatr's
 * lm_robust(fixed_effects = ~unit, se_type = "CR2"), whose hat matrix includes every dummy.
 */
function cr2Covariance(
  input: TwoWayInput,
  kept: number[],
  m: number,
): { vcov: Float64Array; df: Float64Array } {
  const { y, design, unit, period, cluster } = input;
  const n = y.length;
  const columns: Float64Array[] = kept.map(() => new Float64Array(n));
  const position = new Int32Array(design.columns).fill(-1);
  kept.forEach((j, r) => (position[j] = r));
  for (let i = 0; i < n; i++) {
    const r = design.code[i] >= 0 ? position[design.code[i]] : -1;
    if (r >= 0) columns[r][i] = 1;
  }
  const firstPeriod = period.codes.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const periodSeen = new Uint8Array(period.levels);
  for (let i = 0; i < n; i++) periodSeen[period.codes[i]] = 1;
  for (let t = 0; t < period.levels; t++) {
    if (t === firstPeriod || periodSeen[t] === 0) continue;
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) if (period.codes[i] === t) d[i] = 1;
    columns.push(d);
  }
  const absorbed = absorbedFactor({
    codes: unit.codes,
    levels: Array.from({ length: unit.levels }, (_, u) => u),
  });
  const within = demeanByFactors([y, ...columns], [unit]).columns;
  const fitted = fitLeastSquares(within[0], within.slice(1), absorbed);
  if (!fitted.ok) throw new Error('CR2: the period dummies are collinear with the kept indicators');
  const variance = cr2Variance(fitted.fit, groupRows(cluster.codes, cluster.levels));
  const p = fitted.fit.p;
  const vcov = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) vcov[a * m + b] = variance.vcov[a * p + b];
  return { vcov, df: variance.df.slice(0, m) };
}
