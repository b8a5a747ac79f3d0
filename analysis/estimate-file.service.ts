/**
 * `pilot estimate` on a CSV file (and the server's upload, later): reads the file with Pilot's one
 * CSV reader, builds the estimator's columns and runs the request. The pure parts are
 * csv-columns.ts and estimate-request.ts; this file only reads.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseCsvText } from '../csv/csv-reader.ts';
import { AppError } from '../errors.ts';
import { csvColumnsFromReader } from './csv-columns-bytes.ts';
import { csvToColumns, type ColumnSpec, type EstimationColumnsOutcome } from './csv-columns.ts';
import { defaultMethod, runEstimate, type EstimateMethod } from './estimate-request.ts';
import type { EstimateFileResult } from './estimate-json.ts';
import { droppedRows } from './estimate-output.ts';
import type { SeType } from './types.ts';

export interface EstimateFileRequest extends Omit<ColumnSpec, 'fixedEffects' | 'additionalFixedEffects'> {
  /** path of a CSV file with a header row */
  file: string;
  /** absorbed fixed effects, one or more columns */
  fixedEffects?: readonly string[];
  /** default: iv with a receipt column, lin with covariates, else dim */
  method?: EstimateMethod;
  seType?: SeType;
  alpha: number;
  /** randomization inference: `sims` draws seeded `seed|ri|j` (exact when the design has fewer) */
  ri?: { sims: number; seed: string };
  missingCovariates?: 'drop' | 'impute';
  pAdjust?: 'holm' | 'BH' | 'none';
  /** joint Wald test of the terms named (or prefixed) by this comma-separated list */
  test?: string;
}

export type { EstimateFileResult };

/**
 * Estimates the effect the request asks for from a CSV file. Every refusal is an
 * `AppError('BAD_INPUT')`; problems in the file come located by file, line and column.
 */
export async function estimateFile(req: EstimateFileRequest): Promise<EstimateFileResult> {
  const { file } = req;
  const spec: ColumnSpec = {
    ...req,
    fixedEffects: req.fixedEffects?.[0],
    additionalFixedEffects: req.fixedEffects?.slice(1) ?? [],
  };
  // Plain files are read from bytes to typed arrays; anything else goes to the general reader, which
  // gives the same columns (tests/unit/analysis/csv-columns-bytes.property.test.ts).
  const fast = readFast(file, spec);
  const read = fast ? { ok: true as const, columns: fast } : readGeneral(file, await readText(file), spec);
  if (!read.ok)
    throw new AppError('BAD_INPUT', `${file} cannot be used as given`, { problems: read.problems });
  const method =
    req.method ?? defaultMethod({ covariates: req.covariates.length, received: req.received !== undefined });
  const run = runEstimate(read.columns, {
    method,
    seType: req.seType,
    alpha: req.alpha,
    names: { treatment: req.treatment, received: req.received, blocks: req.blocks },
    ri: req.ri,
    missingCovariates: req.missingCovariates,
    pAdjust: req.pAdjust,
    test: req.test,
  });
  if (!run.ok) throw new AppError('BAD_INPUT', `${file}: ${run.message}`);
  const dropped = droppedRows(read.columns, run, req);
  return {
    file,
    result: dropped.warning
      ? { ...run.result, warnings: [dropped.warning, ...run.result.warnings] }
      : run.result,
    dropped,
    randomization: run.randomization,
    arms: read.columns.arms,
    jointTest: run.jointTest,
    pAdjust: req.pAdjust,
  };
}

/** The general reader: Pilot's one CSV reader, then the columns with every problem located. */
export function readGeneral(file: string, text: string, spec: ColumnSpec): EstimationColumnsOutcome {
  const { records, problem } = parseCsvText(text);
  if (problem) {
    const column = records[0]?.fields[problem.field] ?? null;
    throw new AppError('BAD_INPUT', `${file} is not valid CSV`, {
      problems: [{ file, line: problem.line, column, reason: problem.reason }],
    });
  }
  return csvToColumns(
    records.map((r) => r.fields),
    spec,
    file,
    records.map((r) => r.line),
  );
}

/** The byte reader's columns, read a buffer at a time, or null when the file needs the general reader. */
function readFast(file: string, spec: ColumnSpec) {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw fileError(file, error);
  }
  try {
    return csvColumnsFromReader((into, at, count, position) => readSync(fd, into, at, count, position), spec);
  } catch (error) {
    throw fileError(file, error);
  } finally {
    closeSync(fd);
  }
}

/** The file's text without a leading BOM, for the general reader. */
async function readText(file: string): Promise<string> {
  try {
    return new TextDecoder().decode(await readFile(file));
  } catch (error) {
    throw fileError(file, error);
  }
}

function fileError(file: string, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new AppError('NOT_FOUND', `${file}: no such file`);
  return new AppError('BAD_INPUT', `${file}: cannot be read (${code ?? String(error)})`);
}
