/**
 * An analysis table's cells read once: per column each cell's number (as `parseNumber`), whether it
 * is missing or not a number, and its label as a code (order of first appearance). `tableColumns`
 * builds from it, for the whole table or for a subset of its rows, exactly the estimation columns
 * `csvToColumns` builds from those rows' cells, without parsing a string again: a report fits dozens
 * of models (outcomes, CACE, subgroups, heterogeneity tests, months) on the same table. Labels come
 * as codes (`FactorCodes`, which every estimator takes as `encodeFactor` of the labels gives them).
 * Anything `csvToColumns` would report as a problem, and any option it has beyond the report's
 * (fixed effects, weights, arm conditions), is left to `csvToColumns` itself on the rows' cells. Pure.
 */
import {
  csvToColumns,
  MISSING_TOKENS,
  parseNumber,
  type ColumnSpec,
  type CsvCovariate,
  type EstimationColumnsOutcome,
} from './csv-columns.ts';
import { firstAppearanceCodes } from './factor-codes.ts';
import type { FactorCodes } from './types.ts';

/** One column of the table, read once. */
export interface EncodedColumn {
  /** parseNumber of each row's cell: NaN when missing or not a number */
  number: Float64Array;
  /** 1 where the (trimmed) cell is a missing token */
  missing: Uint8Array;
  /** 1 where the cell is neither missing nor a number */
  notNumber: Uint8Array;
  /** label codes (order of first appearance of the trimmed text; −1 when missing) and the labels */
  labels(): Labels;
}

export interface Labels {
  codes: Int32Array;
  levels: string[];
}

export interface EncodedTable {
  /** the cells (header row first); made on demand for a derived table (`withColumns`) */
  cells(): readonly (readonly string[])[];
  header: readonly string[];
  /** data rows (cells.length − 1) */
  rows: number;
  /** physical line of each cells row (header = row 0) */
  lines: ArrayLike<number>;
  /** whether every data row has the header's width (else `tableColumns` defers to csvToColumns) */
  regular: boolean;
  column(name: string): EncodedColumn | null;
}

const tables = new WeakMap<readonly (readonly string[])[], EncodedTable>();

/** The table's encoding (made once per cells array; columns read on first use). */
export function encodedTable(cells: readonly (readonly string[])[], lines: ArrayLike<number>): EncodedTable {
  let t = tables.get(cells);
  if (t) return t;
  const header = (cells[0] ?? []).map((h) => h.trim());
  const rows = Math.max(0, cells.length - 1);
  let regular = cells.length > 0 && header.length > 1;
  for (let r = 1; r < cells.length && regular; r++) if (cells[r].length !== header.length) regular = false;
  const read = new Map<string, EncodedColumn | null>();
  t = {
    cells: () => cells,
    header,
    rows,
    lines,
    regular,
    column(name) {
      if (read.has(name)) return read.get(name)!;
      const at = header.indexOf(name);
      const c = at < 0 ? null : encodeColumn(cells, at, rows);
      read.set(name, c);
      return c;
    },
  };
  tables.set(cells, t);
  return t;
}

function encodeColumn(cells: readonly (readonly string[])[], at: number, rows: number): EncodedColumn {
  const column = new Array<string>(rows);
  for (let i = 0; i < rows; i++) column[i] = cells[i + 1][at];
  return labelColumn(column);
}

/**
 * A column of cells as the table reads them (`encodedTable`), from the column's cells: parseNumber of
 * each (once per distinct cell: it is pure), missing and not-a-number flags, and the labels.
 */
export function labelColumn(cells: readonly string[]): EncodedColumn {
  const rows = cells.length;
  const number = new Float64Array(rows);
  const missing = new Uint8Array(rows);
  const notNumber = new Uint8Array(rows);
  const parsed = new Map<string, number | undefined>();
  for (let i = 0; i < rows; i++) {
    const cell = cells[i];
    let v: number | undefined;
    if (parsed.has(cell)) v = parsed.get(cell);
    else parsed.set(cell, (v = parseNumber(cell)));
    number[i] = v === undefined ? NaN : v;
    if (v === undefined) notNumber[i] = 1;
    else if (Number.isNaN(v)) missing[i] = 1;
  }
  return {
    number,
    missing,
    notNumber,
    labels: once(() => encodeLabels(rows, (i) => cells[i].trim())),
  };
}

/**
 * A table's encoding made from its columns (each as `labelColumn` or `numberColumn` reads it) rather
 * than from its cells, which `cells` makes on demand: what `encodedTable` gives for those cells, when
 * the columns are what it would read from them (a regular table: every row the header's width).
 */
export function columnsTable(
  header: readonly string[],
  columns: ReadonlyMap<string, EncodedColumn>,
  lines: ArrayLike<number>,
  cells: () => readonly (readonly string[])[],
): EncodedTable {
  const rows = lines.length - 1;
  for (const name of header) {
    const c = columns.get(name);
    if (!c || c.number.length !== rows) throw new RangeError(`column ${name} does not fit the table`);
  }
  return {
    cells: once(cells),
    header,
    rows,
    lines,
    regular: header.length > 1,
    column: (name) => (header.includes(name) ? columns.get(name)! : null),
  };
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** Codes of labels in order of first appearance; a missing token gets −1. */
function encodeLabels(rows: number, labelOf: (i: number) => string): Labels {
  return firstAppearanceCodes(
    rows,
    labelOf,
    (label) => MISSING_TOKENS.has(label),
    () => -1,
  );
}

/**
 * A column of numbers as a table holds them after formatting each with `String` (null and
 * non-finite values as NA) and reading it back with parseNumber: String and Number round-trip every
 * finite double, except −0, which is written "0".
 */
export function numberColumn(values: ArrayLike<number | null>): EncodedColumn {
  const rows = values.length;
  const number = new Float64Array(rows);
  const missing = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) {
      number[i] = NaN;
      missing[i] = 1;
    } else number[i] = v + 0; // −0 + 0 is +0
  }
  return {
    number,
    missing,
    notNumber: new Uint8Array(rows),
    labels: once(() => encodeLabels(rows, (i) => (missing[i] ? 'NA' : String(number[i])))),
  };
}

/**
 * The table with some columns replaced (same rows, same header): `cells` gives the cells such a
 * table has (used only where csvToColumns must report a problem).
 */
export function withColumns(
  t: EncodedTable,
  replaced: ReadonlyMap<string, EncodedColumn>,
  cells: () => readonly (readonly string[])[],
): EncodedTable {
  for (const [name, c] of replaced)
    if (!t.header.includes(name) || c.number.length !== t.rows)
      throw new RangeError(`column ${name} does not fit the table`);
  return { ...t, cells: once(cells), column: (name) => replaced.get(name) ?? t.column(name) };
}

/** The rows' cells (header first), for csvToColumns. */
function subsetCells(t: EncodedTable, subset: Int32Array | null): readonly (readonly string[])[] {
  const cells = t.cells();
  if (!subset) return cells;
  const out: (readonly string[])[] = [cells[0]];
  for (const i of subset) out.push(cells[i + 1]);
  return out;
}

function subsetLines(t: EncodedTable, subset: Int32Array | null): Int32Array {
  const n = subset ? subset.length : t.rows;
  const out = new Int32Array(n + 1);
  out[0] = t.lines[0];
  for (let k = 0; k < n; k++) out[k + 1] = t.lines[(subset ? subset[k] : k) + 1];
  return out;
}

/**
 * csvToColumns(rows of the table, spec, file): the whole table's data rows, or those of `subset`
 * (data row indices, 0 = the first row after the header, in increasing order).
 */
export function tableColumns(
  t: EncodedTable,
  spec: ColumnSpec,
  file: string,
  subset: Int32Array | null = null,
  /**
   * covariates read as categorical, by their text, even when every value is a number (a district's
   * LEAID keeps its leading zeros); csvToColumns has no such option, so with one the problems of the
   * rows are not its (a table with problems gives csvToColumns's outcome, without this reading)
   */
  asFactors: ReadonlySet<string> = new Set(),
): EstimationColumnsOutcome {
  const slow = () => csvToColumns(subsetCells(t, subset), spec, file, subsetLines(t, subset));
  if (
    !t.regular ||
    spec.fixedEffects !== undefined ||
    (spec.additionalFixedEffects?.length ?? 0) > 0 ||
    spec.weights !== undefined ||
    spec.condition1 !== undefined ||
    spec.condition2 !== undefined
  )
    return slow();
  const names = [spec.outcome, spec.treatment, spec.received, spec.blocks, spec.clusters, ...spec.covariates];
  const wanted = names.filter((x): x is string => x !== undefined);
  if (new Set(t.header).size !== t.header.length || wanted.some((name) => !t.header.includes(name)))
    return slow();
  const col = (name: string) => t.column(name)!;
  // the design variables in csvToColumns's order, each with how a present cell is read
  const variables: { name: string; kind: 'number' | 'binary' | 'label'; c: EncodedColumn }[] = [
    { name: spec.outcome, kind: 'number', c: col(spec.outcome) },
    { name: spec.treatment, kind: 'label', c: col(spec.treatment) },
  ];
  if (spec.received !== undefined)
    variables.push({ name: spec.received, kind: 'binary', c: col(spec.received) });
  for (const name of [spec.blocks, spec.clusters])
    if (name !== undefined) variables.push({ name, kind: 'label', c: col(name) });
  const total = subset ? subset.length : t.rows;
  // which rows have a missing design value, variable by variable (the same counts and problems as
  // reading row by row: a problem anywhere sends the whole table to csvToColumns)
  const rowMissing = new Uint8Array(total);
  let droppedOutcome = 0;
  const missingCounts = variables.map(() => 0);
  for (let v = 0; v < variables.length; v++) {
    const { kind, c } = variables[v];
    let count = 0;
    if (kind === 'label') {
      const miss = c.missing;
      for (let k = 0; k < total; k++) {
        if (miss[subset ? subset[k] : k]) {
          rowMissing[k] = 1;
          count++;
        }
      }
    } else {
      // numbers and 0/1: NaN from a missing token is missing; anything else not finite, or not 0/1, is a problem
      const { number, notNumber } = c;
      for (let k = 0; k < total; k++) {
        const i = subset ? subset[k] : k;
        if (notNumber[i]) return slow();
        const x = number[i];
        if (Number.isNaN(x)) {
          rowMissing[k] = 1;
          count++;
        } else if (!Number.isFinite(x) || (kind === 'binary' && x !== 0 && x !== 1)) return slow();
      }
    }
    missingCounts[v] = count;
    if (v === 0) droppedOutcome = count;
  }
  const keep = new Int32Array(total);
  let n = 0;
  let droppedRows = 0;
  const firstLines: number[] = [];
  for (let k = 0; k < total; k++) {
    const i = subset ? subset[k] : k;
    if (rowMissing[k]) {
      droppedRows++;
      if (firstLines.length < 5) firstLines.push(t.lines[i + 1]);
      continue;
    }
    keep[n++] = i;
  }
  if (n === 0) return slow();
  const kept = keep.subarray(0, n);
  // the treatment: 0/1 labels (TRUE/FALSE too); a column of arm names is csvToColumns's to resolve
  const z = col(spec.treatment).labels();
  const treatment = new Float64Array(n);
  const binaryOf = z.levels.map(binaryLabel);
  for (let k = 0; k < n; k++) {
    const b = binaryOf[z.codes[kept[k]]];
    if (b === undefined) return slow();
    treatment[k] = b;
  }
  const covariates: CsvCovariate[] = [];
  for (const name of spec.covariates) {
    const c = col(name);
    let numeric = !asFactors.has(name);
    for (let k = 0; k < n && numeric; k++) if (c.notNumber[kept[k]]) numeric = false;
    if (numeric) {
      const values = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const x = c.number[kept[k]];
        if (x === Infinity || x === -Infinity) return slow();
        values[k] = x;
      }
      covariates.push({ name, kind: 'numeric', values });
    } else {
      const { codes, levels } = c.labels();
      const values: (string | null)[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const code = codes[kept[k]];
        values[k] = code < 0 ? null : levels[code];
      }
      covariates.push({ name, kind: 'factor', values });
    }
  }
  const numbers = (name: string) => {
    const source = col(name).number;
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = source[kept[k]];
    return out;
  };
  const lines = new Int32Array(n);
  for (let k = 0; k < n; k++) lines[k] = t.lines[kept[k] + 1];
  const labels = (name: string | undefined): FactorCodes | null =>
    name === undefined ? null : subsetCodes(col(name), kept);
  return {
    ok: true,
    columns: {
      n,
      outcome: numbers(spec.outcome),
      treatment,
      arms: null,
      received: spec.received === undefined ? null : numbers(spec.received),
      blocks: labels(spec.blocks),
      clusters: labels(spec.clusters),
      fixedEffects: null,
      additionalFixedEffects: [],
      weights: null,
      covariates,
      lines,
      droppedMissingOutcome: droppedOutcome,
      dropped: {
        rows: droppedRows,
        byColumn: variables.flatMap((v, j) =>
          missingCounts[j] > 0 ? [{ column: v.name, rows: missingCounts[j] }] : [],
        ),
        firstLines,
      },
    },
  };
}

/** The kept rows' labels as codes in order of first appearance among them (encodeFactor of the labels). */
function subsetCodes(column: EncodedColumn, kept: Int32Array): FactorCodes {
  const c = column.labels();
  const remap = new Int32Array(c.levels.length).fill(-1);
  const levels: string[] = [];
  const codes = new Int32Array(kept.length);
  for (let k = 0; k < kept.length; k++) {
    const old = c.codes[kept[k]];
    let code = remap[old];
    if (code < 0) {
      code = remap[old] = levels.length;
      levels.push(c.levels[old]);
    }
    codes[k] = code;
  }
  return { codes, levels };
}

/** csvToColumns's reading of a treatment label as 0/1 (undefined when it is not). */
function binaryLabel(label: string): number | undefined {
  if (label === 'TRUE' || label === 'true') return 1;
  if (label === 'FALSE' || label === 'false') return 0;
  const v = parseNumber(label);
  return v === 0 || v === 1 ? v : undefined;
}
