/**
 * Inputs of Pilot's core RCT estimators. Arrays are row-aligned; numbers may be plain arrays or
 * typed arrays (Float64Array is fastest). The functions that take them:
 *
 *   differenceInMeans(input: DifferenceInMeansInput): EstimateOutcome   // analysis/difference-in-means.ts
 *   lmRobust(input: LmRobustInput): EstimateOutcome                     // analysis/lm-robust.ts
 *   lmLin(input: LmLinInput): EstimateOutcome                           // analysis/lm-lin.ts
 *   ivRobust(input: IvRobustInput): EstimateOutcome                     // analysis/iv-robust.ts
 */
import type { FactorInput, NamedColumn, SeType } from './types.ts';

export interface DifferenceInMeansInput {
  /** Outcome, finite numbers (drop missing outcomes before calling). */
  outcome: ArrayLike<number>;
  /** 1 = treatment, 0 = control. */
  treatment: ArrayLike<number>;
  /** Name of the treatment term in the output; default "treatment". */
  treatmentName?: string;
  /** Block of each unit; with blocks the design is blocked (or matched pairs when every block has 2 units/clusters). */
  blocks?: FactorInput;
  /** Cluster of each unit (e.g. household); treatment must be constant within a cluster. */
  clusters?: FactorInput;
  /** 1 − confidence level; default 0.05. */
  alpha?: number;
  /** Observation weights (≥ 0), as estimatr's `weights` (normalised by their mean). */
  weights?: ArrayLike<number>;
}

/** A covariate of `lmLin`: numeric (NaN = missing, imputed) or categorical (expanded to dummies). */
export type LinCovariate =
  | { name: string; kind?: 'numeric'; values: ArrayLike<number> }
  | { name: string; kind: 'factor'; values: FactorInput };

export interface LmRobustInput {
  outcome: ArrayLike<number>;
  /** Regressors other than the intercept, in order; values must be finite. */
  columns: readonly NamedColumn[];
  /** Include an intercept column "(Intercept)"; default true (ignored with fixedEffects, which absorb it). */
  intercept?: boolean;
  /** Name of a 0/1 column among `columns` used to count nTreatment / nControl (optional). */
  treatment?: string;
  clusters?: FactorInput;
  /** One factor whose levels are absorbed (estimatr's `fixed_effects = ~f`). */
  fixedEffects?: FactorInput;
  /** Several factors absorbed together (estimatr's `fixed_effects = ~a + b`); instead of fixedEffects. */
  absorb?: readonly FactorInput[];
  /** Observation weights (≥ 0), normalised by their mean as estimatr's `weights`. */
  weights?: ArrayLike<number>;
  /** Perfectly collinear columns: 'refuse' (default, naming them) or 'drop' them as R does (Lin). */
  collinear?: 'refuse' | 'drop';
  /** Default "HC2", or "CR2" with clusters (estimatr's defaults). "stata" = HC1 without clusters. */
  seType?: SeType;
  alpha?: number;
  /**
   * CR2 only: compute the Bell–McCaffrey degrees of freedom of these terms alone (the others get NaN
   * df, p-value and interval). Each term's df costs O(G·p²); a report needs only the effect's.
   */
  dfTerms?: readonly string[];
}

export interface LmLinInput {
  outcome: ArrayLike<number>;
  /** 1 = treatment, 0 = control. */
  treatment: ArrayLike<number>;
  /** Name of the treatment term in the output; default "treatment". */
  treatmentName?: string;
  covariates: readonly LinCovariate[];
  /**
   * More than two arms: one 0/1 indicator per non-reference arm (named as R names factor dummies,
   * e.g. `armB`), each interacted with every centred covariate; `treatment` then marks any treated arm.
   */
  treatments?: readonly NamedColumn[];
  clusters?: FactorInput;
  seType?: SeType;
  alpha?: number;
  /** Observation weights (≥ 0): covariates are centred at their weighted means, as estimatr. */
  weights?: ArrayLike<number>;
  /** CR2 only: degrees of freedom for the treatment term(s) alone (see LmRobustInput.dfTerms). */
  effectDfOnly?: boolean;
  /**
   * The covariance of every coefficient is wanted (a Wald test) even with effectDfOnly; the blocked
   * fast path otherwise leaves it out (the dense path always has it).
   */
  covariance?: boolean;
}

export interface IvRobustInput {
  outcome: ArrayLike<number>;
  /** Treatment received (endogenous), e.g. 1 = at least one message delivered. */
  received: ArrayLike<number>;
  /** Random assignment, the excluded instrument (0/1). */
  assignment: ArrayLike<number>;
  /** Exogenous covariates (finite values), used in both stages. */
  covariates?: readonly NamedColumn[];
  /** Name of the received term in the output; default "received". */
  receivedName?: string;
  clusters?: FactorInput;
  seType?: SeType;
  alpha?: number;
  /** Observation weights (≥ 0): both stages weighted least squares, as estimatr. */
  weights?: ArrayLike<number>;
}
