/**
 * The least-squares problem `lmRobust` solves, built from its input: the intercept or the absorbed
 * fixed effects (one factor exactly, several by projection or by explicit dummies; see
 * multiple-fixed-effects.ts), √w scaling for weights, and the bookkeeping for columns that are
 * dropped (collinear) or not reported (further fixed effects' dummies). Pure.
 */
import type { LmRobustInput } from './estimator-inputs.ts';
import { requireLength } from './estimator-input-checks.ts';
import { encodeFactor } from './factor-codes.ts';
import { absorbedFactor, demeanWithin } from './fixed-effects.ts';
import type { AbsorbedFactor } from './least-squares.ts';
import { encodeFactors, levelDummies, projectOutFixedEffects } from './multiple-fixed-effects.ts';
import { demeanWithinWeighted, type ObservationWeights } from './observation-weights.ts';
import type { FactorCodes, FactorInput, SeType } from './types.ts';

/** Coefficients, covariance and df of the reported columns (after the hidden fixed-effect dummies). */
export function visiblePart(
  hidden: number,
  beta: Float64Array,
  variance: { vcov: Float64Array; df: ArrayLike<number> },
) {
  const p = beta.length;
  const k = p - hidden;
  const vcov = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) vcov[a * k + b] = variance.vcov[(a + hidden) * p + b + hidden];
  return {
    beta: beta.slice(hidden),
    vcov,
    df: Float64Array.from({ length: k }, (_, a) => variance.df[a + hidden]),
  };
}

/** The model without the given columns (indices into model.columns / model.names). */
export function withoutColumns(model: Model, drop: readonly number[]): Model {
  const keep = <T>(x: readonly T[]) => x.filter((_, j) => !drop.includes(j));
  return {
    ...model,
    columns: keep(model.columns),
    unweighted: keep(model.unweighted),
    names: keep(model.names),
    rank: model.rank - drop.length,
    hidden: model.hidden - drop.filter((j) => j < model.hidden).length,
  };
}

/** Coefficients, covariance and df over every term, NaN for the dropped ones (R's NA). */
export function withDroppedTerms(
  names: readonly string[],
  dropped: readonly number[],
  beta: Float64Array,
  variance: { vcov: Float64Array; df: ArrayLike<number> },
) {
  const p = names.length;
  const kept = names.map((_, j) => j).filter((j) => !dropped.includes(j));
  const k = kept.length;
  const fullBeta = new Float64Array(p).fill(Number.NaN);
  const df = new Float64Array(p).fill(Number.NaN);
  const vcov = new Float64Array(p * p).fill(Number.NaN);
  kept.forEach((j, a) => {
    fullBeta[j] = beta[a];
    df[j] = variance.df[a];
    kept.forEach((l, b) => (vcov[j * p + l] = variance.vcov[a * k + b]));
  });
  return { beta: fullBeta, vcov, df };
}

export interface Model {
  y: Float64Array;
  columns: Float64Array[];
  /** the regressors before weighting (intercept included), for weighted CR2 */
  unweighted: Float64Array[];
  names: string[];
  absorbed: AbsorbedFactor | null;
  /** the absorbed factor's labels, to name levels in messages */
  factor: FactorCodes | null;
  rank: number;
  /** leading columns that are dummies of further fixed effects (not reported) */
  hidden: number;
  /** several fixed effects projected out: `rank` includes their rank, the fit's must be set to it */
  projected: boolean;
}

export function buildModel(
  y: Float64Array,
  columns: Float64Array[],
  input: LmRobustInput,
  weights: ObservationWeights | null,
  factors: readonly FactorInput[],
  seType: SeType,
): Model {
  const names = input.columns.map((c) => c.name);
  if (factors.length > 1) {
    const codes = encodeFactors(factors, y.length);
    if (seType !== 'HC2' && seType !== 'HC3' && seType !== 'CR2') {
      const projected = projectOutFixedEffects(y, columns, codes, weights);
      return {
        y: projected.y,
        columns: projected.columns,
        unweighted: columns,
        names,
        absorbed: null,
        factor: codes[0],
        rank: columns.length + projected.fixedEffectRank,
        hidden: 0,
        projected: true,
      };
    }
    const dummies = codes.slice(1).flatMap((f, k) => levelDummies(f, `fixed effect ${k + 2}`));
    const model = singleFactorModel(y, [...dummies.map((d) => d.values), ...columns], codes[0], weights);
    return { ...model, names: [...dummies.map((d) => d.name), ...names], hidden: dummies.length };
  }
  if (factors.length === 1) {
    const factor = encodeFactor(factors[0]);
    requireLength(y.length, { fixedEffects: factor.codes.length });
    return { ...singleFactorModel(y, columns, factor, weights), names, hidden: 0 };
  }
  const scale = (x: Float64Array) => (weights ? x.map((v, i) => v * weights.root[i]) : x);
  const all = input.intercept === false ? columns : [new Float64Array(y.length).fill(1), ...columns];
  return {
    y: scale(y),
    columns: all.map(scale),
    unweighted: all,
    names: input.intercept === false ? names : ['(Intercept)', ...names],
    absorbed: null,
    factor: null,
    rank: all.length,
    hidden: 0,
    projected: false,
  };
}

/** One factor absorbed exactly (weighted within transformation with weights). */
export function singleFactorModel(
  y: Float64Array,
  columns: Float64Array[],
  factor: FactorCodes,
  weights: ObservationWeights | null,
): Omit<Model, 'names' | 'hidden'> {
  const scale = (x: Float64Array) => (weights ? x.map((v, i) => v * weights.root[i]) : x);
  const absorbed = weights ? weightedAbsorbedFactor(factor, weights) : absorbedFactor(factor);
  const demean = (x: Float64Array) =>
    weights
      ? scale(demeanWithinWeighted(x, factor.codes, absorbed.levelCount, weights.normalized))
      : demeanWithin(x, absorbed);
  return {
    y: demean(y),
    columns: columns.map(demean),
    unweighted: columns,
    absorbed,
    factor,
    rank: columns.length + absorbed.levelCount,
    projected: false,
  };
}

/** The absorbed factor of a weighted fit: level totals of the normalised weights, rows scaled by √w. */
export function weightedAbsorbedFactor(factor: FactorCodes, weights: ObservationWeights): AbsorbedFactor {
  const levelCount = factor.levels.length;
  const total = new Float64Array(levelCount);
  for (let i = 0; i < factor.codes.length; i++) total[factor.codes[i]] += weights.normalized[i];
  const inverseSqrtSize = total.map((t) => (t > 0 ? 1 / Math.sqrt(t) : 0));
  return { codes: factor.codes, levelCount, inverseSqrtSize, rowScale: weights.root };
}
