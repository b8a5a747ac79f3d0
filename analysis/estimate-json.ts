/**
 * The snake_case JSON of an estimate (`pilot estimate --json`, and the server's answer): one
 * serializer per result type, so every interface shows the same names. Pure.
 */
import type { RandomizationSummary } from './estimate-request.ts';
import type { EstimateResult } from './types.ts';

/** What `pilot estimate` computed from a file. */
export interface EstimateFileResult {
  file: string;
  result: EstimateResult;
  dropped: { outcome: number; covariates: number };
  randomization: RandomizationSummary | null;
}

export function estimateJson(e: EstimateFileResult) {
  const { result: r, dropped, randomization: ri } = e;
  return {
    file: e.file,
    design: r.design,
    se_type: r.seType,
    n: r.n,
    n_treatment: r.nTreatment,
    n_control: r.nControl,
    n_blocks: r.nBlocks,
    n_clusters: r.nClusters,
    dropped_missing_outcome: dropped.outcome,
    dropped_missing_covariates: dropped.covariates,
    terms: r.terms.map((t) => ({
      term: t.term,
      estimate: t.estimate,
      std_error: t.stdError,
      statistic: t.statistic,
      df: t.df,
      p_value: t.pValue,
      conf_low: t.confLow,
      conf_high: t.confHigh,
    })),
    warnings: r.warnings.map((w) => ({ code: w.code, message: w.message })),
    ...(r.firstStage
      ? {
          first_stage: {
            f_statistic: r.firstStage.value,
            num_df: r.firstStage.numDf,
            den_df: r.firstStage.denDf,
            p_value: r.firstStage.pValue,
          },
        }
      : {}),
    ...(ri
      ? {
          randomization_inference: {
            term: ri.term,
            exact: ri.exact,
            assignments: ri.assignments,
            seed: ri.seed,
            p_value: ri.pValue,
            conf_low: ri.confLow,
            conf_high: ri.confHigh,
          },
        }
      : {}),
  };
}
