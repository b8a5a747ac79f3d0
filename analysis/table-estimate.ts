/**
 * The planned estimator run on an analysis table, through the very reader and dispatcher of
 * `pilot estimate` (csvToColumns + runEstimate), so that the numbers in a report are, by
 * construction and by test, what `pilot estimate` gives on the exported table. Pure.
 */
import type { AnalysisPlan } from './analysis-plan.ts';
import { physicalLines } from './csv-columns.ts';
import { encodedTable, tableColumns, type EncodedTable } from './encoded-table.ts';
import { runEstimate } from './estimate-request.ts';
import type { EstimateResult } from './types.ts';

const linesOf = new WeakMap<readonly string[][], Int32Array>();

/**
 * The physical line of each row of a table (csvToColumns's default, computed once per table: a
 * report fits several outcomes and tests on the same cells).
 */
export function tableLines(cells: readonly string[][]): Int32Array {
  let lines = linesOf.get(cells);
  if (!lines) linesOf.set(cells, (lines = physicalLines(cells)));
  return lines;
}

/** The table's cells read once (encoded-table.ts), shared by every fit on them. */
export function encodedCells(cells: readonly string[][]): EncodedTable {
  return encodedTable(cells, tableLines(cells));
}

export type TableEstimate =
  | { ok: true; result: EstimateResult; droppedMissingOutcome: number; method: string; command: string }
  | { ok: false; reason: string; command: string };

/**
 * ITT (or, with `received`, CACE) of `outcome` on the table's `treatment` column with the plan's
 * estimator: Lin adjustment for the plan's covariates with block indicators (missing covariates
 * imputed with indicators) or the blocked difference in means, clustered as the plan says.
 */
export function estimateOnTable(
  table: readonly string[][] | EncodedTable,
  outcome: string,
  plan: AnalysisPlan,
  options: {
    received?: boolean;
    file?: string;
    /** the table's data rows to use (0 = the first after the header, increasing): the table of those rows */
    rows?: Int32Array;
  } = {},
): TableEstimate {
  const encoded = Array.isArray(table) ? encodedCells(table) : (table as EncodedTable);
  const e = plan.estimator;
  const clustered = e.cluster !== 'none';
  const iv = options.received === true;
  const covariates = iv ? [] : e.method === 'lin' ? [...e.covariates] : [];
  const blocks = !iv && e.block_indicators ? 'block' : undefined;
  const method = iv ? 'iv' : e.method === 'lin' && (covariates.length > 0 || blocks) ? 'lin' : 'dim';
  const seType =
    method === 'dim' ? undefined : clustered ? e.se_type : e.se_type === 'CR2' ? 'HC2' : e.se_type;
  const command = [
    `pilot estimate ${options.file ?? 'analysis-table.csv'} --outcome ${outcome} --treatment treatment`,
    iv ? ' --received received' : '',
    blocks ? ' --blocks block' : '',
    clustered ? ' --clusters cluster' : '',
    covariates.length ? ` --covariates ${covariates.join(',')} --missing-covariates impute` : '',
    ` --method ${method}`,
    seType ? ` --se-type ${seType}` : '',
    ` --alpha ${plan.alpha}`,
  ].join('');
  const read = tableColumns(
    encoded,
    {
      outcome,
      treatment: 'treatment',
      received: iv ? 'received' : undefined,
      blocks,
      clusters: clustered ? 'cluster' : undefined,
      covariates,
    },
    options.file ?? 'analysis-table.csv',
    options.rows ?? null,
  );
  if (!read.ok) return { ok: false, reason: read.problems.map((p) => p.reason).join('; '), command };
  if (read.columns.n === 0) return { ok: false, reason: 'no student has this outcome', command };
  const run = runEstimate(read.columns, {
    method,
    seType: seType as never,
    alpha: plan.alpha,
    names: { treatment: 'treatment', received: iv ? 'received' : undefined, blocks },
    // The plan's estimator imputes missing covariates with indicators (pilot estimate's default drops).
    missingCovariates: 'impute',
    // Only the effect's row is reported; the other terms' CR2 df would cost O(clusters × terms²) each.
    effectDfOnly: true,
  });
  if (!run.ok) return { ok: false, reason: run.message, command };
  return {
    ok: true,
    result: run.result,
    droppedMissingOutcome: read.columns.droppedMissingOutcome,
    method,
    command,
  };
}

/** The term of the effect: the treatment (ITT) or the received column (CACE). */
export function effectTerm(result: EstimateResult, received = false) {
  const name = received ? 'received' : 'treatment';
  const term = result.terms.find((t) => t.term === name);
  if (!term) throw new RangeError(`the fit has no ${name} term`);
  return term;
}
