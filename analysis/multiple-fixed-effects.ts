/**
 * Several absorbed fixed effects (estimatr's `fixed_effects = ~a + b + …`) for `lmRobust`, in two
 * exact ways that give the same coefficients (Frisch–Waugh–Lovell):
 *
 * - leverage-free standard errors (classical, HC0, HC1, CR0, stata): every column is demeaned by
 *   all factors at once (alternating-projections.ts, shared with the event study), and the fixed
 *   effects' rank, Σ levels − redundant levels (connected components), enters the df;
 * - HC2, HC3 and CR2, which need each observation's (or cluster's) leverage including the fixed
 *   effects: the first factor is absorbed exactly as with one factor, and the others enter as
 *   explicit dummy columns (one per level but the first), placed before the regressors so that a
 *   redundant dummy, not a regressor, is the one found collinear and dropped. Their coefficients
 *   are not reported. This is the hat matrix estimatr builds from `cbind(X, femat)`.
 */
import {
  demeanByFactors,
  observedLevels,
  redundantFixedEffectLevels,
  type DemeanFactor,
} from './alternating-projections.ts';
import { encodeFactor } from './factor-codes.ts';
import type { ObservationWeights } from './observation-weights.ts';
import type { FactorCodes, FactorInput } from './types.ts';

export interface ProjectedModel {
  y: Float64Array;
  columns: Float64Array[];
  /** the fixed effects' rank: free fixed-effect parameters */
  fixedEffectRank: number;
  converged: boolean;
}

/** The fixed-effect factors as codes, checked against n rows. */
export function encodeFactors(factors: readonly FactorInput[], n: number): FactorCodes[] {
  return factors.map((f, k) => {
    const codes = encodeFactor(f);
    if (codes.codes.length !== n)
      throw new RangeError(`fixed effect ${k + 1} has ${codes.codes.length} rows but the outcome has ${n}`);
    return codes;
  });
}

/**
 * y and the columns with every factor projected out (weighted when weights are given), scaled by
 * √w for weighted least squares.
 *
 * @example projectOutFixedEffects(y, [z, x], [school, grade], null).fixedEffectRank // levels(school) + levels(grade) − 1 when connected
 */
export function projectOutFixedEffects(
  y: Float64Array,
  columns: readonly Float64Array[],
  factors: readonly FactorCodes[],
  weights: ObservationWeights | null,
): ProjectedModel {
  const demean: DemeanFactor[] = factors.map((f) => ({ codes: f.codes, levels: f.levels.length }));
  const out = demeanByFactors([y, ...columns], demean, {
    ...(weights ? { weights: weights.normalized } : {}),
    tolerance: 1e-14,
  });
  const scale = (x: Float64Array) => (weights ? x.map((v, i) => v * weights.root[i]) : x);
  const rank = demean.reduce((s, f) => s + observedLevels(f), 0) - redundantFixedEffectLevels(demean);
  return {
    y: scale(out.columns[0]),
    columns: out.columns.slice(1).map(scale),
    fixedEffectRank: rank,
    converged: out.converged,
  };
}

/**
 * 0/1 dummy columns of a factor, one per level except its first (by code), named for messages.
 *
 * @example levelDummies({ codes: Int32Array.of(0, 1, 1), levels: ['a', 'b'] }, 'g') // [{ name: 'g=b', values: [0, 1, 1] }]
 */
export function levelDummies(factor: FactorCodes, name: string): { name: string; values: Float64Array }[] {
  return factor.levels.slice(1).map((level, k) => ({
    name: `${name}=${String(level)}`,
    values: Float64Array.from(factor.codes, (c) => (c === k + 1 ? 1 : 0)),
  }));
}
