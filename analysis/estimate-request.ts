/**
 * What `pilot estimate` runs on a table: picks the estimator from the method and the columns given,
 * prepares its input (dropping and counting rows the estimator cannot use), and optionally adds
 * randomization inference on the treatment term. Pure: estimate-file.service.ts reads the file.
 * Messages name request fields in backticks (`method`), never command-line flags.
 */
import { differenceInMeans } from './difference-in-means.ts';
import type { EstimationColumns } from './csv-columns.ts';
import { ivRobust } from './iv-robust.ts';
import { lmLin } from './lm-lin.ts';
import { lmRobust } from './lm-robust.ts';
import { adjustArms, armTerms, fitArms } from './estimate-arms.ts';
import {
  fixedEffectsOf,
  imputedNumericColumns,
  linCovariates,
  numericColumns,
  subsetColumns,
} from './estimate-columns.ts';
import { DrawRefused, randomizationSummary, type RandomizationSummary } from './estimate-randomization.ts';
import { selectTerms, waldTest, type WaldTest, type WaldTestOutcome } from './linear-hypothesis.ts';
import type { EstimateOutcome, EstimateResult, SeType } from './types.ts';

export type EstimateMethod = 'dim' | 'ols' | 'lin' | 'iv';

export interface EstimateRequest {
  method: EstimateMethod;
  seType?: SeType;
  alpha: number;
  /** column names, used as term names */
  names: { treatment: string; received?: string; blocks?: string };
  /** randomization inference on the treatment term: N draws with seed S (exact when the design has ≤ N assignments) */
  ri?: { sims: number; seed: string };
  /**
   * Rows with a missing covariate: 'drop' (default, as estimatr) or 'impute' (numeric covariates of
   * Lin and OLS mean-imputed with a missingness indicator; categorical ones are still dropped).
   */
  missingCovariates?: 'drop' | 'impute';
  /** With several arms: adjust the arms' p-values for multiple comparisons (R's p.adjust). */
  pAdjust?: 'holm' | 'BH' | 'none';
  /** Joint Wald test that the terms named (or prefixed) by this comma-separated list are all zero. */
  test?: string;
  /**
   * CR2 degrees of freedom for the effect term(s) only (Lin and OLS): the others are reported as NaN.
   * Reports use this; each term's Bell–McCaffrey df costs O(clusters × terms²).
   */
  effectDfOnly?: boolean;
  /** The covariance of every coefficient is wanted (a Wald test computed by the caller); implied by `test`. */
  covariance?: boolean;
}

export type { RandomizationSummary } from './estimate-randomization.ts';
export { numericColumns } from './estimate-columns.ts';

export type EstimateRequestOutcome =
  | {
      ok: true;
      result: EstimateResult;
      droppedMissingCovariates: number;
      /** physical lines of the first rows dropped for a missing covariate (at most 5) */
      droppedCovariateLines: number[];
      randomization: RandomizationSummary | null;
      jointTest: WaldTest | null;
    }
  | { ok: false; message: string };

/**
 * The method when none is given: IV with a receipt column, Lin with covariates, else the
 * difference in means.
 *
 * @example defaultMethod({ covariates: 1, received: false }); // => 'lin'
 */
export function defaultMethod(given: { covariates: number; received: boolean }): EstimateMethod {
  if (given.received) return 'iv';
  return given.covariates > 0 ? 'lin' : 'dim';
}

/**
 * Runs the requested estimator on the columns; refusals of the estimator and combinations of options
 * that do not fit the method come back as `{ ok: false, message }`.
 */
export function runEstimate(columns: EstimationColumns, given: EstimateRequest): EstimateRequestOutcome {
  const misfit = optionMisfit(columns, given);
  if (misfit) return { ok: false, message: misfit };
  // With named arms the treatment term is named as R names a factor's dummy: column + arm.
  const arms = columns.arms;
  const request =
    arms && arms.labels.length === 2
      ? { ...given, names: { ...given.names, treatment: `${given.names.treatment}${arms.labels[1]}` } }
      : given;
  // Rows with a missing covariate are dropped (estimatr's na.omit), unless numeric covariates of Lin
  // or OLS are to be imputed (with a missingness indicator, reported in a warning).
  const impute =
    request.missingCovariates === 'impute' && (request.method === 'lin' || request.method === 'ols');
  const keep = new Uint8Array(columns.n).fill(1);
  const droppedLines: number[] = [];
  for (const c of columns.covariates) {
    for (let i = 0; i < columns.n; i++) {
      const missing = c.kind === 'factor' ? c.values[i] === null : Number.isNaN(c.values[i]);
      if (missing && (c.kind === 'factor' || !impute)) keep[i] = 0;
    }
  }
  for (let i = 0; i < columns.n && droppedLines.length < 5; i++)
    if (!keep[i]) droppedLines.push(columns.lines[i]);
  const data = subsetColumns(columns, keep);
  const estimate = (treatment: ArrayLike<number>, outcome: ArrayLike<number>) =>
    fit(data, request, treatment, outcome);
  const fitted =
    arms && arms.labels.length > 2
      ? fitArms(data, request, (pair, r) => fit(pair, r, pair.treatment, pair.outcome))
      : estimate(data.treatment, data.outcome);
  if (!fitted.ok) return { ok: false, message: fitted.refusal.message };
  if (request.pAdjust && request.pAdjust !== 'none')
    adjustArms(fitted.result, armTerms(data, request), request.pAdjust);
  const joint = request.test === undefined ? null : jointTest(fitted.result, request.test);
  if (joint && !joint.ok) return { ok: false, message: joint.message };
  let randomization: RandomizationSummary | null;
  try {
    randomization = request.ri ? randomizationSummary(data, request, estimate) : null;
  } catch (error) {
    if (error instanceof DrawRefused) return { ok: false, message: error.message };
    throw error;
  }
  return {
    ok: true,
    result: fitted.result,
    droppedMissingCovariates: columns.n - data.n,
    droppedCovariateLines: droppedLines,
    randomization,
    jointTest: joint && joint.test,
  };
}

function optionMisfit(columns: EstimationColumns, request: EstimateRequest): string | null {
  const { method } = request;
  if (method !== 'iv' && columns.received) return '`received` is used only with `method` iv';
  if (method === 'iv' && !columns.received)
    return '`method` iv needs `received` (the treatment actually received)';
  if (method === 'dim') {
    if (columns.covariates.length > 0)
      return 'the difference in means takes no covariates: use `method` lin or ols';
    if (request.seType)
      return 'the difference in means chooses its variance from the design (blocks, clusters): drop `seType`';
    if (columns.fixedEffects) return 'the difference in means takes `blocks`, not `fixedEffects`';
  }
  if (method !== 'dim' && method !== 'lin' && columns.blocks) {
    return `\`blocks\` is used by \`method\` dim and lin; for ${method} give the block column as \`fixedEffects\` or a covariate`;
  }
  if ((method === 'lin' || method === 'iv') && columns.fixedEffects)
    return `\`fixedEffects\` is not available with \`method\` ${method}`;
  if (request.ri && method === 'iv')
    return '`ri` tests the intention-to-treat effect: use it with `method` dim, ols or lin';
  if (request.ri && columns.additionalFixedEffects.length > 0)
    return '`ri` takes its blocks from one absorbed fixed effect; with several it cannot tell which is the design: absorb one, or use `method` dim or lin with `blocks`';
  if (request.test !== undefined && method === 'dim')
    return '`test` needs a regression with a covariance of its coefficients: use `method` ols, lin or iv';
  const armCount = columns.arms ? columns.arms.labels.length : 2;
  if (armCount > 2 && method === 'iv')
    return `\`method\` iv needs two arms; the treatment has ${armCount} (${columns.arms!.labels.join(', ')}): give \`condition1\` and \`condition2\``;
  if (armCount > 2 && request.ri)
    return `\`ri\` compares two arms; the treatment has ${armCount}: give \`condition1\` and \`condition2\``;
  if (armCount <= 2 && request.pAdjust && request.pAdjust !== 'none')
    return '`pAdjust` adjusts the comparisons of several arms; this treatment has two';
  return null;
}

/** The joint Wald test of `test`, with the fit's covariance (its se type). */
function jointTest(result: EstimateResult, spec: string): WaldTestOutcome {
  const names = result.terms.map((t) => t.term);
  const chosen = selectTerms(names, spec);
  if (chosen.length === 0)
    return {
      ok: false,
      message: `\`test\` "${spec}" names no term of the model (terms: ${names.join(', ')})`,
    };
  if (!result.covariance)
    return {
      ok: false,
      message: '`test` needs the covariance of every coefficient, which this fit did not compute',
    };
  const { vcov, denDf } = result.covariance;
  return waldTest(
    names,
    result.terms.map((t) => t.estimate),
    vcov,
    denDf,
    chosen,
  );
}

function fit(
  data: EstimationColumns,
  request: EstimateRequest,
  treatment: ArrayLike<number>,
  outcome: ArrayLike<number>,
): EstimateOutcome {
  const { alpha, seType } = request;
  const clusters = data.clusters ?? undefined;
  const weights = data.weights ?? undefined;
  switch (request.method) {
    case 'dim':
      return differenceInMeans({
        outcome,
        treatment,
        treatmentName: request.names.treatment,
        blocks: data.blocks ?? undefined,
        clusters,
        alpha,
        weights,
      });
    case 'ols': {
      const imputed = imputedNumericColumns(data.covariates);
      const out = lmRobust({
        outcome,
        columns: [{ name: request.names.treatment, values: treatment }, ...imputed.columns],
        treatment: request.names.treatment,
        clusters,
        ...fixedEffectsOf(data),
        seType,
        alpha,
        weights,
        dfTerms: request.effectDfOnly ? [request.names.treatment] : undefined,
      });
      return out.ok && imputed.warning
        ? { ok: true, result: { ...out.result, warnings: [imputed.warning, ...out.result.warnings] } }
        : out;
    }
    case 'lin': {
      const covariates = linCovariates(data, request);
      return lmLin({
        outcome,
        treatment,
        treatmentName: request.names.treatment,
        covariates,
        clusters,
        seType,
        alpha,
        weights,
        effectDfOnly: request.effectDfOnly,
        covariance: request.covariance === true || request.test !== undefined,
      });
    }
    case 'iv':
      return ivRobust({
        outcome,
        received: data.received!,
        assignment: treatment,
        receivedName: request.names.received,
        covariates: numericColumns(data.covariates),
        clusters,
        seType,
        alpha,
        weights,
      });
  }
}
