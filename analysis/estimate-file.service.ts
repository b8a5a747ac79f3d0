/**
 * `pilot estimate` on a CSV file (and the server's upload, later): reads the file with Pilot's one
 * CSV reader, builds the estimator's columns and runs the request. The pure parts are
 * csv-columns.ts and estimate-request.ts; this file only reads.
 */
import { readFile } from 'node:fs/promises';
import { parseCsvText } from '../csv/csv-reader.ts';
import { AppError } from '../errors.ts';
import { csvToColumns, type ColumnSpec } from './csv-columns.ts';
import {
  defaultMethod,
  runEstimate,
  type EstimateMethod,
  type RandomizationSummary,
} from './estimate-request.ts';
import type { EstimateResult, SeType } from './types.ts';

export interface EstimateFileRequest extends ColumnSpec {
  /** path of a CSV file with a header row */
  file: string;
  /** default: iv with a receipt column, lin with covariates, else dim */
  method?: EstimateMethod;
  seType?: SeType;
  alpha: number;
  /** randomization inference: `sims` draws seeded `seed|ri|j` (exact when the design has fewer) */
  ri?: { sims: number; seed: string };
}

export interface EstimateFileResult {
  file: string;
  result: EstimateResult;
  dropped: { outcome: number; covariates: number };
  randomization: RandomizationSummary | null;
}

/**
 * Estimates the effect the request asks for from a CSV file. Every refusal is an
 * `AppError('BAD_INPUT')`; problems in the file come located by file, line and column.
 */
export async function estimateFile(req: EstimateFileRequest): Promise<EstimateFileResult> {
  const { file } = req;
  const { records, problem } = parseCsvText(await readText(file));
  if (problem) {
    const column = records[0]?.fields[problem.field] ?? null;
    throw new AppError('BAD_INPUT', `${file} is not valid CSV`, {
      problems: [{ file, line: problem.line, column, reason: problem.reason }],
    });
  }
  const read = csvToColumns(
    records.map((r) => r.fields),
    req,
    file,
    records.map((r) => r.line),
  );
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
  });
  if (!run.ok) throw new AppError('BAD_INPUT', run.message);
  return {
    file,
    result: run.result,
    dropped: { outcome: read.columns.droppedMissingOutcome, covariates: run.droppedMissingCovariates },
    randomization: run.randomization,
  };
}

async function readText(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('NOT_FOUND', `${file}: no such file`);
    throw new AppError('BAD_INPUT', `${file}: cannot be read (${code ?? String(error)})`);
  }
}
