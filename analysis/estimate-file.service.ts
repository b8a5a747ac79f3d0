/**
 * `pilot estimate` on a CSV file (and the server's upload, later): reads the file with Pilot's one
 * CSV reader, builds the estimator's columns and runs the request. The pure parts are
 * csv-columns.ts and estimate-request.ts; this file only reads.
 */
import { readFile } from 'node:fs/promises';
import { parseCsvText } from '../csv/csv-reader.ts';
import { AppError } from '../errors.ts';
import { csvColumnsFromBytes } from './csv-columns-bytes.ts';
import { csvToColumns, type ColumnSpec, type EstimationColumnsOutcome } from './csv-columns.ts';
import { defaultMethod, runEstimate, type EstimateMethod } from './estimate-request.ts';
import type { EstimateFileResult } from './estimate-json.ts';
import type { SeType } from './types.ts';

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

export type { EstimateFileResult };

/**
 * Estimates the effect the request asks for from a CSV file. Every refusal is an
 * `AppError('BAD_INPUT')`; problems in the file come located by file, line and column.
 */
export async function estimateFile(req: EstimateFileRequest): Promise<EstimateFileResult> {
  const { file } = req;
  let bytes = await readBytes(file);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  // Plain files are read from bytes to typed arrays; anything else goes to the general reader, which
  // gives the same columns (tests/unit/analysis/csv-columns-bytes.property.test.ts).
  const fast = csvColumnsFromBytes(bytes, req);
  const read = fast
    ? { ok: true as const, columns: fast }
    : readGeneral(file, new TextDecoder().decode(bytes), req);
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

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('NOT_FOUND', `${file}: no such file`);
    throw new AppError('BAD_INPUT', `${file}: cannot be read (${code ?? String(error)})`);
  }
}
