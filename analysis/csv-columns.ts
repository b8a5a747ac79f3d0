/**
 * From the cells of a parsed CSV (header row first) to the typed columns an estimator takes. Pure:
 * the caller reads and parses the file. Every problem is located by file, line and column, the line
 * counting physical lines (a quoted field with line breaks advances it), as DESIGN.md §3 asks.
 */
import type { InputProblem } from '../errors.ts';
import type { FactorCodes } from './types.ts';

export interface ColumnSpec {
  outcome: string;
  treatment: string;
  received?: string;
  blocks?: string;
  clusters?: string;
  fixedEffects?: string;
  /** further absorbed fixed effects (estimatr's `fixed_effects = ~a + b`) */
  additionalFixedEffects?: readonly string[];
  /** observation weights (non-negative numbers), as estimatr's `weights` */
  weights?: string;
  /** the control (reference) arm of a treatment column of arm names, estimatr's `condition1` */
  condition1?: string;
  /** the treated arm compared with condition1 (rows of other arms are left out), estimatr's `condition2` */
  condition2?: string;
  covariates: readonly string[];
}

/** Rows dropped because a variable of the design was missing (estimatr's `na.omit` of the model frame). */
export interface DroppedRows {
  rows: number;
  /** rows missing each variable (a row missing two counts under both) */
  byColumn: { column: string; rows: number }[];
  /** physical lines of the first dropped rows (at most 5) */
  firstLines: number[];
}

/** A covariate column: numeric when every present value is a number (NaN = missing), else categorical (null = missing). */
export type CsvCovariate =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'factor'; values: (string | null)[] };

/**
 * A categorical design column (blocks, clusters, a fixed effect): each kept row's label, or (from
 * the byte reader, csv-columns-bytes.ts) the same labels as codes into their levels in order of
 * first appearance, which is what `encodeFactor` of the labels gives and what every estimator takes.
 */
export type LabelColumn = string[] | FactorCodes;

/** The label of row `i` of a label column. */
export function labelAt(column: LabelColumn, i: number): string {
  return Array.isArray(column) ? column[i] : String(column.levels[column.codes[i]]);
}

/** Each row's label of a label column. */
export function rowLabels(column: LabelColumn): string[] {
  if (Array.isArray(column)) return column;
  const { codes, levels } = column;
  return Array.from(codes, (code) => String(levels[code]));
}

export interface EstimationColumns {
  /** rows kept (non-missing outcome) */
  n: number;
  outcome: Float64Array;
  /** 1 = treated (any arm other than the reference), 0 = the reference arm */
  treatment: Float64Array;
  /**
   * Arms when the treatment column names them (or --condition1/--condition2 are given): labels with
   * the reference (control) arm first, and each row's arm as an index into them; null for a 0/1 column.
   */
  arms: { labels: string[]; codes: Int32Array; rowsInOtherArms: number } | null;
  received: Float64Array | null;
  blocks: LabelColumn | null;
  clusters: LabelColumn | null;
  fixedEffects: LabelColumn | null;
  /** labels of the further fixed effects, one array per column */
  additionalFixedEffects: string[][];
  weights: Float64Array | null;
  covariates: CsvCovariate[];
  /** physical line of each kept row in the file */
  lines: Int32Array;
  droppedMissingOutcome: number;
  /** every row dropped for a missing outcome, treatment, receipt, block, cluster, fixed effect or weight */
  dropped: DroppedRows;
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
 * Builds estimation columns from CSV cells, as estimatr builds its model frame: a row with a missing
 * outcome, treatment, receipt, block, cluster, fixed effect or weight is dropped and counted (R's
 * `na.omit`). A value that is not a number (or not 0/1 for a treatment or receipt), a number beyond
 * double precision (`1e400`), a negative weight, a header naming a column twice, or a ragged row is a
 * problem located by file, line and column. Covariates keep their missing values (NaN / null) for the
 * caller to drop or impute.
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
  const index = headerIndex(header, spec, problem);
  if (problems.length > 0) return { ok: false, problems };

  const lineOf = rowLines ?? physicalLines(rows);
  const variables = designVariables(spec);
  const missingCounts = new Map(variables.map((v) => [v.column, 0]));
  const kept: number[] = [];
  const values = variables.map(() => [] as (number | string)[]);
  const firstLines: number[] = [];
  let droppedRows = 0;
  let droppedOutcome = 0;
  let otherArms = 0;
  const seenArms = new Set<string>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === 1 && row[0].trim() === '') continue; // blank line
    if (row.length !== header.length) {
      problem(lineOf[r], null, `expected ${header.length} fields, found ${row.length}`);
      continue;
    }
    if (spec.condition2 !== undefined) {
      const arm = row[index.get(spec.treatment)!].trim();
      if (!MISSING_TOKENS.has(arm)) seenArms.add(arm);
      if (!MISSING_TOKENS.has(arm) && arm !== spec.condition1 && arm !== spec.condition2) {
        otherArms++;
        continue;
      }
    }
    let missing = false;
    const read = variables.map((v) => {
      const cell = row[index.get(v.column)!];
      const value = v.read(cell);
      if (value === MISSING) {
        missing = true;
        missingCounts.set(v.column, missingCounts.get(v.column)! + 1);
        if (v.role === 'outcome') droppedOutcome++;
      } else if (typeof value === 'object') problem(lineOf[r], v.column, value.problem);
      return value;
    });
    if (missing) {
      droppedRows++;
      if (firstLines.length < 5) firstLines.push(lineOf[r]);
      continue;
    }
    kept.push(r);
    read.forEach((value, k) => values[k].push(value as number | string));
  }
  if (problems.length === 0 && kept.length === 0) {
    problem(
      rows.length > 1 ? lineOf[rows.length - 1] : 1,
      spec.outcome,
      droppedRows > 0 ? 'every row has a missing outcome or design variable' : 'the file has no data rows',
    );
  }
  const covariates = spec.covariates.map((name) =>
    covariateColumn(
      name,
      kept.map((r) => rows[r][index.get(name)!]),
      (k, reason) => problem(lineOf[kept[k]], name, reason),
    ),
  );
  const treatmentLabels = values[1] as string[];
  const arms = resolveArms(treatmentLabels, seenArms, spec, (k, reason) =>
    problem(lineOf[kept[k]], spec.treatment, reason),
  );
  if (problems.length > 0 || !arms) return { ok: false, problems };
  const column = (role: Role) => {
    const k = variables.findIndex((v) => v.role === role);
    return k < 0 ? null : values[k];
  };
  const numbers = (role: Role) => {
    const v = column(role);
    return v === null ? null : Float64Array.from(v as number[]);
  };
  const labels = (role: Role) => column(role) as string[] | null;
  return {
    ok: true,
    columns: {
      n: kept.length,
      outcome: numbers('outcome')!,
      treatment: arms.treatment,
      arms: arms.arms && { ...arms.arms, rowsInOtherArms: otherArms },
      received: numbers('received'),
      blocks: labels('blocks'),
      clusters: labels('clusters'),
      fixedEffects: labels('fixedEffects'),
      additionalFixedEffects: variables.flatMap((v, k) =>
        v.role === 'additionalFixedEffects' ? [values[k] as string[]] : [],
      ),
      weights: numbers('weights'),
      covariates,
      lines: Int32Array.from(kept, (r) => lineOf[r]),
      droppedMissingOutcome: droppedOutcome,
      dropped: {
        rows: droppedRows,
        byColumn: [...missingCounts].filter(([, n]) => n > 0).map(([column, n]) => ({ column, rows: n })),
        firstLines,
      },
    },
  };
}

/**
 * The treatment as 0/1, and its arms when the column names them. Without conditions, a column of
 * 0/1 (or TRUE/FALSE) is binary and a column of names gives arms in sorted order (code points), the
 * first the reference; with --condition1 the reference is named, with --condition2 only two arms remain.
 */
function resolveArms(
  labels: string[],
  seenArms: ReadonlySet<string>,
  spec: ColumnSpec,
  problem: (row: number, reason: string) => void,
): { treatment: Float64Array; arms: { labels: string[]; codes: Int32Array } | null } | null {
  const conditions = spec.condition1 !== undefined || spec.condition2 !== undefined;
  if (!conditions) {
    const binary = labels.map(parseBinary);
    if (binary.every((v) => v === 0 || v === 1))
      return { treatment: Float64Array.from(binary as number[]), arms: null };
    const isNumber = (l: string) => parseBinary(l) !== undefined || parseNumber(l) !== undefined;
    if (labels.some(isNumber)) {
      // numbers other than 0/1, or 0/1 mixed with names: not a treatment Pilot can read without conditions
      const stray = labels.findIndex((l) => parseBinary(l) === undefined && parseNumber(l) !== undefined);
      if (stray >= 0)
        labels.forEach((l, k) => {
          if (parseBinary(l) === undefined && parseNumber(l) !== undefined)
            problem(
              k,
              `treatment "${l}" must be 0 or 1 (name the arms of a multi-arm column with --condition1)`,
            );
        });
      else
        problem(
          labels.findIndex((l) => !isNumber(l)),
          `treatment "${labels.find((l) => !isNumber(l))}" mixes arm names with 0/1 values; give --condition1 and --condition2`,
        );
      return null;
    }
  }
  const sorted = (x: Iterable<string>) => [...new Set(x)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const present = sorted(labels);
  for (const c of [spec.condition1, spec.condition2]) {
    if (c !== undefined && !present.includes(c)) {
      problem(
        0,
        `condition "${c}" is not a value of column ${spec.treatment} (values: ${sorted([...labels, ...seenArms]).join(', ')})`,
      );
      return null;
    }
  }
  const reference = spec.condition1 ?? present[0];
  const ordered = [reference, ...present.filter((l) => l !== reference)];
  if (ordered.length < 2) {
    problem(0, `the treatment has a single arm ("${reference}")`);
    return null;
  }
  const codeOf = new Map(ordered.map((l, k) => [l, k]));
  const codes = Int32Array.from(labels, (l) => codeOf.get(l)!);
  return { treatment: Float64Array.from(codes, (c) => (c === 0 ? 0 : 1)), arms: { labels: ordered, codes } };
}

type Role =
  | 'outcome'
  | 'treatment'
  | 'received'
  | 'blocks'
  | 'clusters'
  | 'fixedEffects'
  | 'additionalFixedEffects'
  | 'weights';
const MISSING = Symbol('missing');
type Cell = number | string | typeof MISSING | { problem: string };
interface DesignVariable {
  role: Role;
  column: string;
  read: (cell: string) => Cell;
}

function designVariables(spec: ColumnSpec): DesignVariable[] {
  const out: DesignVariable[] = [
    { role: 'outcome', column: spec.outcome, read: (c) => readNumber(c, 'outcome') },
    { role: 'treatment', column: spec.treatment, read: readLabel },
  ];
  if (spec.received !== undefined)
    out.push({ role: 'received', column: spec.received, read: (c) => readBinary(c, 'treatment received') });
  for (const role of ['blocks', 'clusters', 'fixedEffects'] as const) {
    const column = spec[role];
    if (column !== undefined) out.push({ role, column, read: readLabel });
  }
  for (const column of spec.additionalFixedEffects ?? [])
    out.push({ role: 'additionalFixedEffects', column, read: readLabel });
  if (spec.weights !== undefined) out.push({ role: 'weights', column: spec.weights, read: readWeight });
  return out;
}

function readNumber(cell: string, what: string): Cell {
  const v = parseNumber(cell);
  if (v === undefined) return { problem: `${what} "${cell}" is not a number` };
  if (Number.isNaN(v)) return MISSING;
  if (!Number.isFinite(v))
    return { problem: `${what} "${cell.trim()}" is beyond double precision (overflows to ${v})` };
  return v;
}

function readBinary(cell: string, what: string): Cell {
  const v = parseBinary(cell);
  if (v === undefined) return { problem: `${what} "${cell}" must be 0 or 1` };
  return Number.isNaN(v) ? MISSING : v;
}

function readLabel(cell: string): Cell {
  const v = cell.trim();
  return MISSING_TOKENS.has(v) ? MISSING : v;
}

function readWeight(cell: string): Cell {
  const v = readNumber(cell, 'weight');
  if (typeof v === 'number' && v < 0)
    return { problem: `weight ${v} is negative; weights must be non-negative` };
  return v;
}

/** Column index of every named column; a name missing from the header or given twice in it is a problem. */
function headerIndex(
  header: string[],
  spec: ColumnSpec,
  problem: (line: number, column: string | null, reason: string) => void,
): Map<string, number> {
  return headerColumns(
    header,
    [
      spec.outcome,
      spec.treatment,
      spec.received,
      spec.blocks,
      spec.clusters,
      spec.fixedEffects,
      ...(spec.additionalFixedEffects ?? []),
      spec.weights,
      ...spec.covariates,
    ],
    problem,
  );
}

/**
 * The header check every CSV reader of the estimators shares (this file, the event-study panel):
 * the index of each wanted column (undefined entries skipped), a problem on line 1 for a wanted
 * name missing from the header and for any name the header gives twice.
 *
 * @example headerColumns(['y', 'z'], ['y', undefined], problem) // Map { 'y' => 0 }
 */
export function headerColumns(
  header: readonly string[],
  wanted: readonly (string | undefined)[],
  problem: (line: number, column: string | null, reason: string) => void,
): Map<string, number> {
  const index = new Map<string, number>();
  for (const name of wanted) {
    if (name === undefined) continue;
    const at = header.indexOf(name);
    if (at < 0) problem(1, name, `column "${name}" is not in the header (${header.join(', ')})`);
    else index.set(name, at);
  }
  const seen = new Map<string, number>();
  header.forEach((name, at) => {
    const first = seen.get(name);
    if (first === undefined) seen.set(name, at);
    else if (name !== '')
      problem(
        1,
        name,
        `column "${name}" appears more than once in the header (fields ${first + 1} and ${at + 1}); rename one`,
      );
  });
  return index;
}

function parseBinary(cell: string): number | undefined {
  const t = cell.trim();
  if (t === 'TRUE' || t === 'true') return 1;
  if (t === 'FALSE' || t === 'false') return 0;
  const v = parseNumber(t);
  return v === undefined || (v !== 0 && v !== 1 && !Number.isNaN(v)) ? undefined : v;
}

function covariateColumn(
  name: string,
  cells: string[],
  problem: (row: number, reason: string) => void,
): CsvCovariate {
  const numbers = cells.map(parseNumber);
  if (numbers.every((v) => v !== undefined)) {
    numbers.forEach((v, k) => {
      if (v === Infinity || v === -Infinity)
        problem(k, `covariate "${cells[k].trim()}" is beyond double precision (overflows to ${v})`);
    });
    return { name, kind: 'numeric', values: Float64Array.from(numbers as number[]) };
  }
  return { name, kind: 'factor', values: cells.map((c) => (MISSING_TOKENS.has(c.trim()) ? null : c.trim())) };
}

/** Physical line on which each parsed row starts: 1 + the lines taken by the rows before it. */
export function physicalLines(rows: readonly (readonly string[])[]): Int32Array {
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
