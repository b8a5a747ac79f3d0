/** Shared result shapes of Pilot's estimators (tidy() columns of estimatr, camelCase in code). */

export interface EstimatorWarning {
  code: string;
  message: string;
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
}

export interface EstimateResult {
  design: string;
  seType: string;
  n: number;
  nTreatment: number;
  nControl: number;
  terms: TermEstimate[];
  warnings: EstimatorWarning[];
}
