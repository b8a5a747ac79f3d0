/**
 * Loads tests/fixtures/estimators/*.json (written by make-estimator-fixtures.R) and runs each
 * recorded R call through the matching Pilot estimator.
 */
import { readFileSync } from 'node:fs';
import { differenceInMeans } from '../../../analysis/difference-in-means.ts';
import { ivRobust } from '../../../analysis/iv-robust.ts';
import { lmLin } from '../../../analysis/lm-lin.ts';
import { lmRobust } from '../../../analysis/lm-robust.ts';
import type { LinCovariate } from '../../../analysis/estimator-inputs.ts';
import type { EstimateOutcome, SeType } from '../../../analysis/types.ts';

export interface ExpectedTerm {
  term: string;
  estimate: number;
  std_error: number;
  statistic: number;
  df: number;
  p_value: number;
  conf_low: number;
  conf_high: number;
}

export interface GoldenCase {
  name: string;
  call: string;
  args: Record<string, unknown>;
  expected: { terms: ExpectedTerm[]; nobs: number; design?: string; nclusters?: number; nblocks?: number };
  first_stage?: { value: number; num_df: number; den_df: number; p_value: number };
  clubsandwich?: { term: string; estimate: number; std_error: number; df: number; p_value: number }[];
  t_test?: { estimate: number; statistic: number; df: number; p_value: number };
}

export interface GoldenFile {
  description: string;
  provenance: { R: string; estimatr: string; clubSandwich: string; script: string };
  data: Record<string, (number | string | null)[]>;
  cases: GoldenCase[];
  [extra: string]: unknown;
}

export function loadGolden(name: string): GoldenFile {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/estimators/${name}`, import.meta.url), 'utf8'),
  ) as GoldenFile;
}

/** Numbers of a data column, null (R's NA) as NaN. */
export function numeric(file: GoldenFile, column: string): Float64Array {
  const values = file.data[column];
  if (!values) throw new Error(`fixture has no column ${column}`);
  return Float64Array.from(values, (v) => (v === null ? Number.NaN : Number(v)));
}

function labels(file: GoldenFile, column: unknown): (string | number)[] | undefined {
  if (typeof column !== 'string') return undefined;
  return file.data[column] as (string | number)[];
}

/** Runs the Pilot estimator that corresponds to the case's R call. */
export function runCase(file: GoldenFile, c: GoldenCase): EstimateOutcome {
  const a = c.args as Record<string, unknown> & { estimator: string; outcome: string; se_type?: SeType };
  const outcome = numeric(file, a.outcome);
  const clusters = labels(file, a.clusters);
  const weights = typeof a.weights === 'string' ? numeric(file, a.weights) : undefined;
  switch (a.estimator) {
    case 'difference_in_means':
      return differenceInMeans({
        outcome,
        treatment: numeric(file, a.treatment as string),
        treatmentName: a.treatment as string,
        blocks: labels(file, a.blocks),
        clusters,
        weights,
      });
    case 'lm_robust':
      return lmRobust({
        outcome,
        columns: (a.columns as string[]).map((name) => ({ name, values: numeric(file, name) })),
        treatment: typeof a.treatment === 'string' ? a.treatment : undefined,
        seType: a.se_type,
        clusters,
        ...(Array.isArray(a.fixed_effects_all)
          ? { absorb: (a.fixed_effects_all as string[]).map((f) => labels(file, f)!) }
          : { fixedEffects: labels(file, a.fixed_effects) }),
        weights,
      });
    case 'lm_lin': {
      const covariates: LinCovariate[] = [
        ...(a.covariates as string[]).map((name) => ({ name, values: numeric(file, name) })),
        ...(a.factor_covariates as string[]).map((name) => ({
          name,
          kind: 'factor' as const,
          values: labels(file, name) ?? [],
        })),
      ];
      return lmLin({
        outcome,
        treatment: numeric(file, a.treatment as string),
        treatmentName: a.treatment as string,
        covariates,
        seType: a.se_type,
        clusters,
        weights,
      });
    }
    case 'iv_robust':
      return ivRobust({
        outcome,
        received: numeric(file, a.received as string),
        receivedName: a.received as string,
        assignment: numeric(file, a.assignment as string),
        covariates: (a.covariates as string[]).map((name) => ({ name, values: numeric(file, name) })),
        seType: a.se_type,
        clusters,
        weights,
      });
    default:
      throw new Error(`unknown estimator ${a.estimator}`);
  }
}

/** |actual − expected| / |expected| (absolute when expected is 0). */
export function relativeError(actual: number, expected: number): number {
  if (expected === 0) return Math.abs(actual);
  return Math.abs(actual - expected) / Math.abs(expected);
}
