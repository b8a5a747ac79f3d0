/**
 * What `pilot estimate` runs on a table: picks the estimator from the method and the columns given,
 * prepares its input (dropping and counting rows the estimator cannot use), and optionally adds
 * randomization inference on the treatment term. Pure: the command reads the file.
 */
import { imputationWarning, meanImpute } from './covariate-imputation.ts';
import { differenceInMeans } from './difference-in-means.ts';
import type { EstimationColumns, CsvCovariate } from './csv-columns.ts';
import {
  completeDesignFromData,
  countCompleteAssignments,
  enumerateCompleteAssignments,
} from './exact-assignments.ts';
import { ivRobust } from './iv-robust.ts';
import { lmLin } from './lm-lin.ts';
import { lmRobust } from './lm-robust.ts';
import { selectTerms, waldTest, type WaldTest, type WaldTestOutcome } from './linear-hypothesis.ts';
import { adjustPValues } from './multiple-testing.ts';
import { observedCountsDrawer } from './protocol-permutations.ts';
import { randomizationInterval, randomizationTest, sampledAssignments } from './randomization-inference.ts';
import type { LinCovariate } from './estimator-inputs.ts';
import type { EstimateOutcome, EstimateResult, NamedColumn, SeType } from './types.ts';

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
}

export interface RandomizationSummary {
  term: string;
  exact: boolean;
  assignments: number;
  /** how the blocks of the reference set were found: the --blocks column, the absorbed factor, or none */
  blocksFrom: 'blocks' | 'fixed-effects' | null;
  seed: string;
  /**
   * Exact: the share of all assignments at least as extreme. Sampled: the Monte-Carlo-valid
   * (count + 1) / (draws + 1) of Phipson & Smyth (2010), never 0.
   */
  pValue: number;
  pValueKind: 'exact' | 'phipson-smyth';
  /** reference assignments at least as extreme as the observed one */
  asExtreme: number;
  confLow: number;
  confHigh: number;
}

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
    arms && arms.labels.length > 2 ? fitArms(data, request) : estimate(data.treatment, data.outcome);
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

/** A reference assignment the estimator refuses: randomization inference cannot use that statistic. */
class DrawRefused extends Error {}

function optionMisfit(columns: EstimationColumns, request: EstimateRequest): string | null {
  const { method } = request;
  if (method !== 'iv' && columns.received) return '--received is used only with --method iv';
  if (method === 'iv' && !columns.received)
    return '--method iv needs --received (the treatment actually received)';
  if (method === 'dim') {
    if (columns.covariates.length > 0)
      return 'the difference in means takes no covariates: use --method lin or --method ols';
    if (request.seType)
      return 'the difference in means chooses its variance from the design (blocks, clusters): drop --se-type';
    if (columns.fixedEffects) return 'the difference in means takes --blocks, not --fixed-effects';
  }
  if (method !== 'dim' && method !== 'lin' && columns.blocks) {
    return `--blocks is used by --method dim and lin; for ${method} give the block column as --fixed-effects or a covariate`;
  }
  if ((method === 'lin' || method === 'iv') && columns.fixedEffects)
    return `--fixed-effects is not available with --method ${method}`;
  if (request.ri && method === 'iv')
    return '--ri tests the intention-to-treat effect: use it with --method dim, ols or lin';
  if (request.ri && columns.additionalFixedEffects.length > 0)
    return '--ri takes its blocks from one absorbed fixed effect; with several it cannot tell which is the design: absorb one, or use --method dim or lin with --blocks';
  if (request.test !== undefined && method === 'dim')
    return '--test needs a regression with a covariance of its coefficients: use --method ols, lin or iv';
  const armCount = columns.arms ? columns.arms.labels.length : 2;
  if (armCount > 2 && method === 'iv')
    return `--method iv needs two arms; the treatment has ${armCount} (${columns.arms!.labels.join(', ')}): give --condition1 and --condition2`;
  if (armCount > 2 && request.ri)
    return `--ri compares two arms; the treatment has ${armCount}: give --condition1 and --condition2`;
  if (armCount <= 2 && request.pAdjust && request.pAdjust !== 'none')
    return '--p-adjust adjusts the comparisons of several arms; this treatment has two';
  return null;
}

/** The joint Wald test of --test, with the fit's covariance (its se type). */
function jointTest(result: EstimateResult, spec: string): WaldTestOutcome {
  const names = result.terms.map((t) => t.term);
  const chosen = selectTerms(names, spec);
  if (chosen.length === 0)
    return { ok: false, message: `--test "${spec}" names no term of the model (terms: ${names.join(', ')})` };
  const { vcov, denDf } = result.covariance!;
  return waldTest(
    names,
    result.terms.map((t) => t.estimate),
    vcov,
    denDf,
    chosen,
  );
}

/** Term names of the non-reference arms (one per comparison), or the single treatment term. */
function armTerms(data: EstimationColumns, request: EstimateRequest): string[] {
  const arms = data.arms;
  if (!arms || arms.labels.length === 2) return [request.names.treatment];
  return arms.labels.slice(1).map((l) => `${request.names.treatment}${l}`);
}

/** Adjusted p-values (holm or BH, as R's p.adjust) across the arms' comparisons with the reference. */
function adjustArms(result: EstimateResult, terms: string[], method: 'holm' | 'BH'): void {
  const chosen = terms.map((t) => result.terms.find((r) => r.term === t)!);
  const adjusted = adjustPValues(
    chosen.map((t) => t.pValue),
    method,
  );
  chosen.forEach((t, k) => (t.pValueAdjusted = adjusted[k]));
}

/**
 * More than two arms: the difference in means of each arm against the reference on the rows of
 * the two (estimatr's condition1/condition2, one call per arm); OLS and Lin with one indicator per
 * non-reference arm (R's factor coding, Lin interacting each with every centred covariate).
 */
function fitArms(data: EstimationColumns, request: EstimateRequest): EstimateOutcome {
  const arms = data.arms!;
  const indicator = (k: number) => Float64Array.from(arms.codes, (c) => (c === k ? 1 : 0));
  const dummies = arms.labels
    .slice(1)
    .map((l, k) => ({ name: `${request.names.treatment}${l}`, values: indicator(k + 1) }));
  if (request.method === 'ols' || request.method === 'lin') {
    const covariates = request.method === 'lin' ? linCovariates(data, request) : [];
    const out =
      request.method === 'ols'
        ? lmRobust({
            outcome: data.outcome,
            columns: [...dummies, ...imputedNumericColumns(data.covariates).columns],
            clusters: data.clusters ?? undefined,
            ...fixedEffectsOf(data),
            seType: request.seType,
            alpha: request.alpha,
            weights: data.weights ?? undefined,
          })
        : lmLin({
            outcome: data.outcome,
            treatment: data.treatment,
            treatments: dummies,
            covariates,
            clusters: data.clusters ?? undefined,
            seType: request.seType,
            alpha: request.alpha,
            weights: data.weights ?? undefined,
          });
    return out.ok ? { ok: true, result: { ...out.result, ...armCountsOf(arms.codes) } } : out;
  }
  const results: EstimateResult[] = [];
  for (let k = 1; k < arms.labels.length; k++) {
    const keep = Uint8Array.from(arms.codes, (c) => (c === 0 || c === k ? 1 : 0));
    const pair = subsetColumns(data, keep);
    const out = fit(
      pair,
      { ...request, names: { ...request.names, treatment: dummies[k - 1].name } },
      pair.treatment,
      pair.outcome,
    );
    if (!out.ok)
      return {
        ok: false,
        refusal: {
          ...out.refusal,
          message: `${arms.labels[k]} vs ${arms.labels[0]}: ${out.refusal.message}`,
        },
      };
    results.push(out.result);
  }
  return {
    ok: true,
    result: {
      ...results[0],
      design: `${results[0].design}, each arm vs ${arms.labels[0]}`,
      n: data.n,
      ...armCountsOf(arms.codes),
      terms: results.map((r) => r.terms[0]),
      warnings: results.flatMap((r, k) =>
        r.warnings.map((w) => ({
          ...w,
          message: `${arms.labels[k + 1]} vs ${arms.labels[0]}: ${w.message}`,
        })),
      ),
    },
  };
}

/** One absorbed factor, or several (estimatr's fixed_effects = ~a + b). */
function fixedEffectsOf(data: EstimationColumns) {
  if (!data.fixedEffects) return {};
  if (data.additionalFixedEffects.length === 0) return { fixedEffects: data.fixedEffects };
  return { absorb: [data.fixedEffects, ...data.additionalFixedEffects] };
}

/** Units in any treated arm / in the reference arm. */
function armCountsOf(codes: Int32Array): { nTreatment: number; nControl: number } {
  let control = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] === 0) control++;
  return { nTreatment: codes.length - control, nControl: control };
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

/** Lin's covariates: numeric as they are, categorical as factors, and the blocks as a factor. */
function linCovariates(data: EstimationColumns, request: EstimateRequest): LinCovariate[] {
  const covariates: LinCovariate[] = data.covariates.map((c) =>
    c.kind === 'numeric'
      ? { name: c.name, kind: 'numeric', values: c.values }
      : { name: c.name, kind: 'factor', values: c.values as string[] },
  );
  if (data.blocks)
    covariates.push({ name: request.names.blocks ?? 'block', kind: 'factor', values: data.blocks });
  return covariates;
}

/** Numeric covariates as they are; categorical ones as treatment-contrast dummies (R's default coding, levels sorted). */
export function numericColumns(covariates: readonly CsvCovariate[]): NamedColumn[] {
  const out: NamedColumn[] = [];
  for (const c of covariates) {
    if (c.kind === 'numeric') {
      out.push({ name: c.name, values: c.values });
      continue;
    }
    const levels = [...new Set(c.values.filter((v): v is string => v !== null))].sort();
    for (const level of levels.slice(1)) {
      out.push({
        name: `${c.name}${level}`,
        values: Float64Array.from(c.values, (v) => (v === level ? 1 : 0)),
      });
    }
  }
  return out;
}

/** numericColumns, with numeric covariates that have missing values mean-imputed (plus an indicator). */
function imputedNumericColumns(covariates: readonly CsvCovariate[]) {
  const counts: { name: string; missing: number; n: number }[] = [];
  const columns = covariates.flatMap((c): NamedColumn[] => {
    if (c.kind !== 'numeric') return numericColumns([c]);
    const imputed = meanImpute(c.name, c.values);
    counts.push({ name: c.name, missing: imputed.missing, n: c.values.length });
    return imputed.columns;
  });
  return { columns, warning: imputationWarning(counts) };
}

function subsetColumns(c: EstimationColumns, keep: Uint8Array): EstimationColumns {
  const n = keep.reduce((s, k) => s + k, 0);
  if (n === c.n) return c;
  const pick = <T>(values: ArrayLike<T>): T[] => Array.from(values).filter((_, i) => keep[i] === 1);
  return {
    ...c,
    n,
    outcome: Float64Array.from(pick(c.outcome)),
    treatment: Float64Array.from(pick(c.treatment)),
    received: c.received && Float64Array.from(pick(c.received)),
    blocks: c.blocks && pick(c.blocks),
    clusters: c.clusters && pick(c.clusters),
    fixedEffects: c.fixedEffects && pick(c.fixedEffects),
    additionalFixedEffects: c.additionalFixedEffects.map(pick),
    weights: c.weights && Float64Array.from(pick(c.weights)),
    arms: c.arms && { ...c.arms, codes: Int32Array.from(pick(c.arms.codes)) },
    covariates: c.covariates.map((v) =>
      v.kind === 'numeric'
        ? { ...v, values: Float64Array.from(pick(v.values)) }
        : { ...v, values: pick(v.values) },
    ),
    lines: Int32Array.from(pick(c.lines)),
  };
}

function randomizationSummary(
  data: EstimationColumns,
  request: EstimateRequest,
  estimate: (treatment: ArrayLike<number>, outcome: ArrayLike<number>) => EstimateOutcome,
): RandomizationSummary {
  const { sims, seed } = request.ri!;
  const termName = request.names.treatment;
  // The reference set follows the design: blocks from --blocks or, for OLS with absorbed fixed
  // effects, from the absorbed factor (assignments permuted across its levels would not be the
  // design the fixed effects condition on); clusters from --clusters.
  const blocks = data.blocks ?? data.fixedEffects;
  const blocksFrom = data.blocks ? 'blocks' : data.fixedEffects ? 'fixed-effects' : null;
  const built = completeDesignFromData(data.treatment, blocks ?? undefined, data.clusters ?? undefined);
  if (!built.ok)
    throw new DrawRefused(
      `randomization inference needs the design's units: ${built.message}${blocksFrom === 'fixed-effects' ? ' (the absorbed fixed effect is used as the blocks)' : ''}`,
    );
  const design = built.design;
  const exact = countCompleteAssignments(design) <= sims;
  let drawn = 0;
  const statistic = (outcome: Float64Array, treatment: ArrayLike<number>) => {
    drawn++;
    const r = estimate(treatment, outcome);
    if (!r.ok)
      throw new DrawRefused(
        `randomization inference stopped: the estimator refuses ${exact ? 'one of the assignments of the design' : `draw ${seed}|ri|${drawn - 1}`} (${r.refusal.message}) Use a statistic every assignment supports, e.g. --method dim.`,
      );
    return r.result.terms.find((t) => t.term === termName)!.estimate;
  };
  const keys = unitKeys(data, design.units);
  const assignments = exact
    ? { [Symbol.iterator]: () => enumerateCompleteAssignments(design) }
    : sampledAssignments(observedCountsDrawer(design, keys, seed), sims);
  const base = { outcome: data.outcome, treatment: data.treatment, assignments, exact, statistic };
  const test = randomizationTest(base);
  const interval = randomizationInterval({ ...base, alpha: request.alpha });
  return {
    term: termName,
    exact,
    assignments: test.assignments,
    blocksFrom,
    seed,
    pValue: exact ? test.pValue : (test.asExtreme + 1) / (test.assignments + 1),
    pValueKind: exact ? 'exact' : 'phipson-smyth',
    asExtreme: test.asExtreme,
    confLow: interval.confLow,
    confHigh: interval.confHigh,
  };
}

/** Unit keys for the protocol hash: the cluster label, or the row's line in the file. */
function unitKeys(data: EstimationColumns, units: number): string[] {
  const keys: string[] = new Array(units);
  const seen = new Map<string, number>();
  for (let i = 0; i < data.n; i++) {
    const key = data.clusters ? `cluster:${data.clusters[i]}` : `line:${data.lines[i]}`;
    if (!seen.has(key)) {
      seen.set(key, seen.size);
      keys[seen.size - 1] = key;
    }
  }
  return keys;
}
