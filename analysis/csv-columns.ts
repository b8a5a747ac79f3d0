/**
 * From the cells of a parsed CSV (header row first) to the typed columns an estimator takes. Pure:
 * the caller reads and parses the file. Every problem is located by file, line and column, the line
 * counting physical lines (a quoted field with line breaks advances it), as DESIGN.md §3 asks.
 */
import type { InputProblem } from '../errors.ts';

export interface ColumnSpec {
  outcome: string;
  treatment: string;
  received?: string;
  blocks?: string;
  clusters?: string;
  fixedEffects?: string;
  covariates: readonly string[];
}

/** A covariate column: numeric when every present value is a number (NaN = missing), else categorical (null = missing). */
export type CsvCovariate =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'factor'; values: (string | null)[] };

export interface EstimationColumns {
  /** rows kept (non-missing outcome) */
  n: number;
  outcome: Float64Array;
  treatment: Float64Array;
  received: Float64Array | null;
  blocks: string[] | null;
  clusters: string[] | null;
  fixedEffects: string[] | null;
  covariates: CsvCovariate[];
  /** physical line of each kept row in the file */
  lines: Int32Array;
  droppedMissingOutcome: number;
}

export type EstimationColumnsOutcome =
  { ok: true; columns: EstimationColumns } | { ok: false; problems: InputProblem[] };

/** Cell values read as missing: empty, NA, N/A, NaN, null, "." (Stata). */
export const MISSING_TOKENS: ReadonlySet<string> = new Set([
  '',
  'NA',
  'N/A',
  'NaN',
  'nan',
  'null',
  'NULL',
  '.',
]);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MAX_PROBLEMS = 20;

/**
 * Reads numbers as R's `read.csv` + `as.numeric` would (decimal point, optional exponent); missing
 * tokens give NaN; anything else gives undefined.
 *
 * @example parseNumber(' 2.5e1 '); // => 25
 */
export function parseNumber(cell: string): number | undefined {
  const t = cell.trim();
  if (MISSING_TOKENS.has(t)) return NaN;
  return NUMBER.test(t) ? Number(t) : undefined;
}

/**
 * Builds estimation columns from CSV cells. Rows with a missing outcome are dropped and counted; a
 * non-numeric outcome, treatment or receipt, a treatment or receipt other than 0/1 (or TRUE/FALSE), or
 * a missing design variable (treatment, receipt, block, cluster, fixed effect) is a problem.
 * Covariates keep their missing values (NaN / null) for the caller to impute or drop.
 *
 * @param rows parsed cells, header first (csv/csv-reader.ts records' fields)
 * @example
 * csvToColumns([['y', 'z'], ['1.5', '1'], ['', '0'], ['2', '0']], { outcome: 'y', treatment: 'z', covariates: [] }, 'a.csv');
 * // => { ok: true, columns: { n: 2, outcome: [1.5, 2], treatment: [1, 0], droppedMissingOutcome: 1, … } }
 */
export function csvToColumns(
  rows: readonly (readonly string[])[],
  spec: ColumnSpec,
  file: string,
  /** the physical line each row starts on, when the reader knows it (default: counted from the cells) */
  rowLines?: ArrayLike<number>,
): EstimationColumnsOutcome {
  const problems: InputProblem[] = [];
  const problem = (line: number, column: string | null, reason: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ file, line, column, reason });
  };
  const header = rows[0]?.map((h) => h.trim());
  if (!header || (header.length === 1 && header[0] === ''))
    return { ok: false, problems: [{ file, line: 1, column: null, reason: 'the file is empty' }] };
  const wanted = [
    spec.outcome,
    spec.treatment,
    spec.received,
    spec.blocks,
    spec.clusters,
    spec.fixedEffects,
    ...spec.covariates,
  ].filter((c): c is string => c !== undefined);
  const index = new Map<string, number>();
  for (const name of wanted) {
    const at = header.indexOf(name);
    if (at < 0) problem(1, name, `column "${name}" is not in the header (${header.join(', ')})`);
    else index.set(name, at);
  }
  if (problems.length > 0) return { ok: false, problems };

  const lineOf = rowLines ?? physicalLines(rows);
  const kept: number[] = [];
  const outcome: number[] = [];
  let dropped = 0;
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === 1 && row[0].trim() === '') continue; // blank line
    if (row.length !== header.length) {
      problem(lineOf[r], null, `expected ${header.length} fields, found ${row.length}`);
      continue;
    }
    const y = parseNumber(row[index.get(spec.outcome)!]);
    if (y === undefined)
      problem(lineOf[r], spec.outcome, `outcome "${row[index.get(spec.outcome)!]}" is not a number`);
    else if (Number.isNaN(y)) dropped++;
    else {
      kept.push(r);
      outcome.push(y);
    }
  }
  if (problems.length === 0 && kept.length === 0) {
    problem(
      rows.length > 1 ? lineOf[rows.length - 1] : 1,
      spec.outcome,
      dropped > 0 ? 'every row has a missing outcome' : 'the file has no data rows',
    );
  }
  const cell = (r: number, name: string) => rows[r][index.get(name)!];
  const binary = (name: string, what: string) => {
    const out = new Float64Array(kept.length);
    kept.forEach((r, k) => {
      const v = parseBinary(cell(r, name));
      if (v === undefined) problem(lineOf[r], name, `${what} "${cell(r, name)}" must be 0 or 1`);
      else if (Number.isNaN(v)) problem(lineOf[r], name, `${what} is missing`);
      else out[k] = v;
    });
    return out;
  };
  const labels = (name: string | undefined, what: string) => {
    if (name === undefined) return null;
    return kept.map((r) => {
      const v = cell(r, name).trim();
      if (MISSING_TOKENS.has(v)) problem(lineOf[r], name, `${what} is missing`);
      return v;
    });
  };
  const treatment = binary(spec.treatment, 'treatment');
  const received = spec.received === undefined ? null : binary(spec.received, 'treatment received');
  const blocks = labels(spec.blocks, 'block');
  const clusters = labels(spec.clusters, 'cluster');
  const fixedEffects = labels(spec.fixedEffects, 'fixed effect');
  const covariates = spec.covariates.map((name) =>
    covariateColumn(
      name,
      kept.map((r) => cell(r, name)),
    ),
  );
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    columns: {
      n: kept.length,
      outcome: Float64Array.from(outcome),
      treatment,
      received,
      blocks,
      clusters,
      fixedEffects,
      covariates,
      lines: Int32Array.from(kept, (r) => lineOf[r]),
      droppedMissingOutcome: dropped,
    },
  };
}

function parseBinary(cell: string): number | undefined {
  const t = cell.trim();
  if (t === 'TRUE' || t === 'true') return 1;
  if (t === 'FALSE' || t === 'false') return 0;
  const v = parseNumber(t);
  return v === undefined || (v !== 0 && v !== 1 && !Number.isNaN(v)) ? undefined : v;
}

function covariateColumn(name: string, cells: string[]): CsvCovariate {
  const numbers = cells.map(parseNumber);
  if (numbers.every((v) => v !== undefined))
    return { name, kind: 'numeric', values: Float64Array.from(numbers as number[]) };
  return { name, kind: 'factor', values: cells.map((c) => (MISSING_TOKENS.has(c.trim()) ? null : c.trim())) };
}

/** Physical line on which each parsed row starts: 1 + the lines taken by the rows before it. */
function physicalLines(rows: readonly (readonly string[])[]): Int32Array {
  const lines = new Int32Array(rows.length);
  let line = 1;
  for (let r = 0; r < rows.length; r++) {
    lines[r] = line;
    let breaks = 0;
    for (const field of rows[r])
      for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) breaks++;
    line += 1 + breaks;
  }
  return lines;
}
