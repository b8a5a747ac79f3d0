/**
 * Result shapes shared by Pilot's regression event studies (TWFE, Sun–Abraham) and the
 * Goodman-Bacon decomposition. camelCase here; the CLI writes issue 12's snake_case JSON.
 */
import type { ClusterSeType } from './two-way-regression.ts';

export interface EventStudyTerm {
  eventTime: number;
  estimate: number;
  stdError: number;
  df: number;
  pValue: number;
  confLow: number;
  confHigh: number;
  /** simultaneous (sup-t) band; null unless requested */
  uniformLow: number | null;
  uniformHigh: number | null;
  /** units with at least one observation at this event time */
  n: number;
}

export interface EventStudyOverall {
  estimate: number;
  stdError: number;
  df: number;
  pValue: number;
  confLow: number;
  confHigh: number;
}

/** Joint Wald test that every pre-treatment coefficient is 0: F = b′V⁻¹b / q on (q, G − 1) df. */
export interface PretrendTest {
  statistic: number;
  df1: number;
  df2: number;
  pValue: number;
}

export type EventStudyWarningCode =
  | 'collinear-terms-dropped'
  | 'no-never-treated'
  | 'unbalanced-panel'
  | 'unbalanced-units-dropped'
  | 'periods-dropped'
  | 'always-treated'
  | 'pretrend-not-computed'
  | 'not-converged'
  | 'missing-outcome-dropped'
  | 'late-cohorts-never-treated';

export interface EventStudyWarning {
  code: EventStudyWarningCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface UniformBandOptions {
  /** simulation draws of the sup-t critical value (e.g. 1000) */
  draws: number;
  /** uniform [0, 1) generator, seeded by the caller */
  rng: () => number;
}

export interface RegressionEventStudyOptions {
  /** cluster-robust variance: fixest's CR1 (default) or CR2 */
  seType?: ClusterSeType;
  /** one minus the confidence level (default 0.05) */
  alpha?: number;
  /** bin event times below LO into LO and above HI into HI */
  window?: [number, number];
  /** sup-t simultaneous band (Montiel Olea & Plagborg-Møller 2019), drawn from N(0, corr(β̂)) */
  uniform?: UniformBandOptions;
}

export interface RegressionEventStudyResult {
  method: 'twfe' | 'sunab';
  /** 'never' (never-treated units are the reference), or 'last' (Sun–Abraham: the last-treated cohort) or null (TWFE without never-treated units) */
  control: 'never' | 'last' | null;
  seType: ClusterSeType;
  nUnits: number;
  nObs: number;
  nClusters: number;
  /** K of fixest's small-sample factor */
  smallSampleK: number;
  /** event times whose indicator is left out (the reference −1, and the second reference without never-treated units) */
  referenceEventTimes: number[];
  terms: EventStudyTerm[];
  /** mean of the coefficients at event times ≥ 0 */
  overall: EventStudyOverall | null;
  pretrend: PretrendTest | null;
  /** covariance of the term estimates (terms × terms, row-major), for HonestDiD */
  vcov: Float64Array;
  /** critical value of the uniform band, null when not requested */
  uniformCriticalValue: number | null;
  warnings: EventStudyWarning[];
}

export type RegressionEventStudyOutcome =
  | { ok: true; result: RegressionEventStudyResult }
  | { ok: false; refusal: { code: string; message: string } };
