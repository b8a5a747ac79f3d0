/**
 * What `pilot estimate` runs on a table: picks the estimator from the method and the columns given,
 * prepares its input (dropping and counting rows the estimator cannot use), and optionally adds
 * randomization inference on the treatment term. Pure: estimate-file.service.ts reads the file.
 * Messages name request fields in backticks (`method`), never command-line flags.
 */
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
}

export interface RandomizationSummary {
  term: string;
  exact: boolean;
  assignments: number;
  seed: string;
  pValue: number;
  confLow: number;
  confHigh: number;
}

export type EstimateRequestOutcome =
  | {
      ok: true;
      result: EstimateResult;
      droppedMissingCovariates: number;
      randomization: RandomizationSummary | null;
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
export function runEstimate(columns: EstimationColumns, request: EstimateRequest): EstimateRequestOutcome {
  const misfit = optionMisfit(columns, request);
  if (misfit) return { ok: false, message: misfit };
  // Rows with a missing categorical covariate are dropped for every method; rows with a missing
  // numeric covariate too, except for Lin, which imputes them (and reports it).
  const keep = new Uint8Array(columns.n).fill(1);
  for (const c of columns.covariates) {
    for (let i = 0; i < columns.n; i++) {
      const missing = c.kind === 'factor' ? c.values[i] === null : Number.isNaN(c.values[i]);
      if (missing && (c.kind === 'factor' || request.method !== 'lin')) keep[i] = 0;
    }
  }
  const data = subsetColumns(columns, keep);
  const estimate = (treatment: ArrayLike<number>, outcome: ArrayLike<number>) =>
    fit(data, request, treatment, outcome);
  const fitted = estimate(data.treatment, data.outcome);
  if (!fitted.ok) return { ok: false, message: fitted.refusal.message };
  const randomization = request.ri ? randomizationSummary(data, request, estimate) : null;
  return { ok: true, result: fitted.result, droppedMissingCovariates: columns.n - data.n, randomization };
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
  return null;
}

function fit(
  data: EstimationColumns,
  request: EstimateRequest,
  treatment: ArrayLike<number>,
  outcome: ArrayLike<number>,
): EstimateOutcome {
  const { alpha, seType } = request;
  const clusters = data.clusters ?? undefined;
  switch (request.method) {
    case 'dim':
      return differenceInMeans({
        outcome,
        treatment,
        treatmentName: request.names.treatment,
        blocks: data.blocks ?? undefined,
        clusters,
        alpha,
      });
    case 'ols':
      return lmRobust({
        outcome,
        columns: [{ name: request.names.treatment, values: treatment }, ...numericColumns(data.covariates)],
        treatment: request.names.treatment,
        clusters,
        fixedEffects: data.fixedEffects ?? undefined,
        seType,
        alpha,
      });
    case 'lin': {
      const covariates: LinCovariate[] = data.covariates.map((c) =>
        c.kind === 'numeric'
          ? { name: c.name, kind: 'numeric', values: c.values }
          : { name: c.name, kind: 'factor', values: c.values as string[] },
      );
      if (data.blocks)
        covariates.push({ name: request.names.blocks ?? 'block', kind: 'factor', values: data.blocks });
      return lmLin({
        outcome,
        treatment,
        treatmentName: request.names.treatment,
        covariates,
        clusters,
        seType,
        alpha,
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
      });
  }
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
  const statistic = (outcome: Float64Array, treatment: ArrayLike<number>) => {
    const r = estimate(treatment, outcome);
    if (!r.ok) throw new RangeError(`a randomization draw could not be estimated: ${r.refusal.message}`);
    return r.result.terms.find((t) => t.term === termName)!.estimate;
  };
  const built = completeDesignFromData(data.treatment, data.blocks ?? undefined, data.clusters ?? undefined);
  if (!built.ok) throw new RangeError(built.message);
  const design = built.design;
  const exact = countCompleteAssignments(design) <= sims;
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
    seed,
    pValue: test.pValue,
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
