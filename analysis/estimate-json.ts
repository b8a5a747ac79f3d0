/**
 * The snake_case JSON of an estimate (`pilot estimate --json`, and the server's answer): one
 * serializer per result type, so every interface shows the same names. Pure.
 */
import type { EstimationColumns } from './csv-columns.ts';
import type { RandomizationSummary } from './estimate-request.ts';
import { armsJson, jointJson, toJson, type Dropped } from './estimate-output.ts';
import type { WaldTest } from './linear-hypothesis.ts';
import type { EstimateResult } from './types.ts';

/** What `pilot estimate` computed from a file. */
export interface EstimateFileResult {
  file: string;
  /** the estimate, its warnings led by the rows dropped for missing values */
  result: EstimateResult;
  dropped: Dropped;
  randomization: RandomizationSummary | null;
  arms: EstimationColumns['arms'];
  jointTest: WaldTest | null;
  pAdjust: 'holm' | 'BH' | 'none' | undefined;
}

export function estimateJson(e: EstimateFileResult) {
  return {
    ...toJson(e.file, e.result, e.dropped, e.randomization, e.pAdjust),
    ...armsJson(e.arms),
    ...jointJson(e.jointTest),
  };
}
