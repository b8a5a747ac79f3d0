/**
 * Shared result shapes of Pilot's estimators (tidy() columns of estimatr, camelCase in code).
 *
 * Estimators are pure. They throw only for caller mistakes (arrays of different lengths, a
 * non-finite outcome, a treatment that is not 0/1, alpha outside (0, 1)); every outcome a user can
 * meet with real data (an empty file, one cluster, a block with a single unit, perfect
 * collinearity) comes back as `{ ok: false, refusal }` with a message fit to show as is.
 */

/** Closed set of warning codes; the message carries the specifics. */
export type EstimatorWarningCode =
  /** Blocks in which every unit has the same treatment were dropped before estimation. */
  | 'blocks-dropped-no-variation'
  /** Pairs mixed with larger blocks: the matched-pairs variance is used for all blocks (as estimatr). */
  | 'mixed-pairs-and-blocks'
  /** Blocks with a single treated or control unit: their variance is pooled across blocks (Pashley–Miratrix, as estimatr 2.0). */
  | 'small-blocks-pooled'
  | 'small-blocks-deviation'
  /** Missing covariate values were replaced by the covariate mean and a missingness indicator added. */
  | 'covariate-mean-imputed'
  /** Some degrees of freedom were estimated as ≤ 0: their p-values and intervals are NaN. */
  | 'nonpositive-df'
  /** The first-stage F statistic of an instrumental-variables fit is below 10. */
  | 'weak-instrument'
  /** Rows with a missing outcome, treatment, block, cluster, weight or covariate were dropped (as estimatr). */
  | 'rows-dropped-missing'
  /** Observations with leverage 1 (e.g. alone in a fixed-effect level): HC2/HC3 are not defined for them. */
  | 'leverage-one'
  /** A column that is a linear combination of those before it was dropped (R's NA coefficient). */
  | 'collinear-dropped';

export interface EstimatorWarning {
  code: EstimatorWarningCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Closed set of reasons an estimator declines to produce an estimate. */
export type EstimatorRefusalCode =
  | 'empty-data'
  | 'no-treatment-variation'
  | 'single-cluster'
  | 'single-unit-block'
  | 'block-arm-too-small'
  | 'treatment-varies-within-cluster'
  | 'cluster-spans-blocks'
  | 'collinear-columns'
  | 'too-few-observations'
  | 'unsupported-se-type';

export interface EstimatorRefusal {
  code: EstimatorRefusalCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface TermEstimate {
  term: string;
  estimate: number;
  stdError: number;
  statistic: number;
  df: number;
  pValue: number;
  confLow: number;
  confHigh: number;
  /** With several arms and a multiple-comparison method: the adjusted p-value of an arm's effect. */
  pValueAdjusted?: number;
}

/** First-stage diagnostic of an instrumental-variables fit (estimatr's `diagnostic_first_stage_fstatistic`). */
export interface FirstStageF {
  value: number;
  numDf: number;
  denDf: number;
  pValue: number;
}

export interface EstimateResult {
  /** e.g. "Standard", "Blocked", "Matched-pair", "Clustered", "Block-clustered", "Matched-pair clustered", "OLS", "Lin", "IV". */
  design: string;
  /** "Welch", "Neyman", "matched-pair", "classical", "HC0"…"HC3", "CR0", "CR2", "stata". */
  seType: string;
  n: number;
  /** Units with treatment 1 / 0; null when the model has no designated 0/1 treatment column. */
  nTreatment: number | null;
  nControl: number | null;
  /** Blocks used (after dropping blocks without variation), or null when not blocked. */
  nBlocks: number | null;
  /** Clusters used, or null when not clustered. */
  nClusters: number | null;
  terms: TermEstimate[];
  warnings: EstimatorWarning[];
  /** Only for instrumental-variables fits. */
  firstStage?: FirstStageF;
  /**
   * Regressions only: the covariance of the coefficients (row-major, in the order of `terms`) and
   * the denominator df of Wald F tests with it (n − rank, or G − 1 with clusters, as estimatr's F).
   */
  covariance?: { vcov: Float64Array; denDf: number };
}

export type EstimateOutcome = { ok: true; result: EstimateResult } | { ok: false; refusal: EstimatorRefusal };

/** Standard-error types of `lmRobust` (estimatr's `se_type`; "stata" is HC1 without clusters, CR1 with). */
export type SeType = 'classical' | 'HC0' | 'HC1' | 'HC2' | 'HC3' | 'CR0' | 'CR2' | 'stata';

/**
 * A categorical variable (blocks, clusters, fixed effects, factor covariates): either raw labels,
 * or labels already encoded as codes 0..levels.length−1 (see `encodeFactor`).
 */
export type FactorInput = ArrayLike<string | number> | FactorCodes;

export interface FactorCodes {
  codes: Int32Array;
  levels: readonly (string | number)[];
}

/** One named numeric column of a design matrix; NaN marks a missing value where allowed. */
export interface NamedColumn {
  name: string;
  values: ArrayLike<number>;
}
