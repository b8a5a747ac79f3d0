/**
 * The fast path of `pilot estimate`'s CSV reading: from the file's bytes straight to the typed
 * columns an estimator takes, without a string per cell. Pure.
 *
 * It decides only the plain case: no quotes, no blank lines inside the file, no missing or
 * non-numeric value in a numeric column, a 0/1 treatment, labels without surrounding spaces, every
 * row with the header's number of fields. For anything else it returns `null` and the caller hands
 * the file to the general reader (`csvToColumns`), which then takes it or reports its problems by
 * line and column. Whenever it does return columns they are exactly those `csvToColumns` would give
 * (a property test holds the two to it): numbers are read as `Number()` reads them (Clinger's exact
 * fast path where it applies, `Number()` itself otherwise), labels are the cells' UTF-8 text.
 */
import type { ColumnSpec, CsvCovariate, EstimationColumns } from './csv-columns.ts';
import { rememberFactorCodes } from './factor-codes.ts';

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;

/** Exact powers of ten as doubles (10^0 … 10^22 are exactly representable). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

type Target =
  | { kind: 'number'; out: Float64Array; binary: boolean }
  | { kind: 'label'; out: string[]; codes: Int32Array; labels: Labels };

/**
 * Distinct labels of a column, found by their bytes: an open-addressing table of FNV-1a hashes whose
 * entries are label codes in order of first appearance (encodeFactor's order), compared byte for byte
 * with the label's first occurrence. A label repeated on a million rows is decoded once, every row
 * shares its string, and the codes are handed to encodeFactor (rememberFactorCodes) so the
 * estimators need not hash the strings again.
 */
class Labels {
  readonly levels: string[] = [];
  private starts = new Int32Array(512);
  private ends = new Int32Array(512);
  private hashes = new Int32Array(512);
  private table = new Int32Array(1024).fill(-1);
  /** Labels in the hash table. */
  private hashed = 0;
  /**
   * Codes of labels written as canonical non-negative integers ("0", "7", "123456": digits, no
   * leading zero, below `intLimit`), indexed by their value: IDs such as household numbers skip
   * hashing. The same bytes always take the same path, so each label has one code either way.
   */
  private intCodes = new Int32Array(1024).fill(-1);
  private readonly intLimit: number;

  constructor(
    private readonly bytes: Uint8Array,
    rows: number,
  ) {
    this.intLimit = Math.min(4 * rows + 1024, 1 << 26);
  }

  /** The code of the label in bytes[start, end), or −1 when the general reader must decide. */
  code(start: number, end: number): number {
    const bytes = this.bytes;
    if (end - start <= 8 && (bytes[start] !== 0x30 || end - start === 1)) {
      let value = 0;
      let i = start;
      for (; i < end; i++) {
        const d = bytes[i] - 0x30;
        if (d < 0 || d > 9) break;
        value = value * 10 + d;
      }
      if (i === end && value < this.intLimit) return this.intCode(value);
    }
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const code = this.table[slot];
      if (code < 0) return this.add(slot, hash, start, end);
      if (this.hashes[code] === hash && this.sameBytes(code, start, end)) return code;
    }
  }

  private intCode(value: number): number {
    if (value >= this.intCodes.length) {
      let size = this.intCodes.length;
      while (size <= value) size *= 2;
      const next = new Int32Array(size).fill(-1);
      next.set(this.intCodes);
      this.intCodes = next;
    }
    const known = this.intCodes[value];
    if (known >= 0) return known;
    const code = this.levels.length;
    this.levels.push(String(value));
    this.intCodes[value] = code;
    return code;
  }

  private sameBytes(code: number, start: number, end: number): boolean {
    const from = this.starts[code];
    if (this.ends[code] - from !== end - start) return false;
    const bytes = this.bytes;
    for (let i = 0; i < end - start; i++) if (bytes[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private add(slot: number, hash: number, start: number, end: number): number {
    const text = decodeLine(this.bytes, start, end);
    if (text === null || MISSING_LABELS.has(text)) return -1;
    const code = this.levels.length;
    if (code >= this.starts.length) {
      let size = this.starts.length;
      while (size <= code) size *= 2;
      for (const key of ['starts', 'ends', 'hashes'] as const) {
        const next = new Int32Array(size);
        next.set(this[key]);
        this[key] = next;
      }
    }
    this.levels.push(text);
    this.starts[code] = start;
    this.ends[code] = end;
    this.hashes[code] = hash;
    this.table[slot] = code;
    this.hashed++;
    if (2 * this.hashed > this.table.length) this.grow();
    return code;
  }

  /** Doubles the hash table, re-inserting the hashed labels (integer labels are not in it). */
  private grow(): void {
    const table = new Int32Array(2 * this.table.length).fill(-1);
    const mask = table.length - 1;
    for (const code of this.table) {
      if (code < 0) continue;
      let slot = this.hashes[code] & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = code;
    }
    this.table = table;
  }
}

/** Label texts the general reader treats as missing (it then drops or refuses the row). */
const MISSING_LABELS = new Set(['NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '.']);

/**
 * Reads the estimation columns of `spec` from UTF-8 `bytes` (without a BOM), or null when the file
 * needs the general reader.
 *
 * @example
 * csvColumnsFromBytes(new TextEncoder().encode('y,z\n1.5,1\n2,0\n'), { outcome: 'y', treatment: 'z', covariates: [] });
 * // => { n: 2, outcome: [1.5, 2], treatment: [1, 0], lines: [2, 3], droppedMissingOutcome: 0, … }
 */
export function csvColumnsFromBytes(bytes: Uint8Array, spec: ColumnSpec): EstimationColumns | null {
  // Arms by name, several fixed effects and weights are left to the general reader.
  if (spec.condition1 !== undefined || spec.condition2 !== undefined || spec.weights !== undefined)
    return null;
  if ((spec.additionalFixedEffects ?? []).length > 0) return null;
  if (bytes.indexOf(QUOTE) >= 0) return null;
  for (let i = bytes.indexOf(CR); i >= 0; i = bytes.indexOf(CR, i + 1)) if (bytes[i + 1] !== LF) return null;
  const headerEnd = bytes.indexOf(LF);
  if (headerEnd < 0) return null;
  const headerText = decodeLine(
    bytes,
    0,
    headerEnd > 0 && bytes[headerEnd - 1] === CR ? headerEnd - 1 : headerEnd,
  );
  if (headerText === null) return null;
  const header = headerText.split(',').map((h) => h.trim());
  if (new Set(header).size !== header.length) return null;
  const at = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
  const wanted = [spec.outcome, spec.treatment, spec.received, spec.blocks, spec.clusters, spec.fixedEffects];
  if (wanted.some((name) => name !== undefined && at(name) < 0)) return null;
  if (spec.covariates.some((name) => at(name) < 0)) return null;

  const rowCount = countRows(bytes, headerEnd + 1);
  if (rowCount <= 0) return null;
  const targets: (Target | null)[] = header.map(() => null);
  const labelTargets: Extract<Target, { kind: 'label' }>[] = [];
  const number = (name: string, binary: boolean) => {
    const target: Target = { kind: 'number', out: new Float64Array(rowCount), binary };
    targets[at(name)] = target;
    return target.out;
  };
  const label = (name: string | undefined): string[] | null => {
    if (name === undefined) return null;
    const target: Target = {
      kind: 'label',
      out: new Array<string>(rowCount),
      codes: new Int32Array(rowCount),
      labels: new Labels(bytes, rowCount),
    };
    targets[at(name)] = target;
    labelTargets.push(target);
    return target.out;
  };
  // A column named twice (say outcome and covariate) is left to the general reader.
  const distinct = new Set([...wanted.filter((w) => w !== undefined), ...spec.covariates]);
  if (distinct.size !== wanted.filter((w) => w !== undefined).length + spec.covariates.length) return null;
  const outcome = number(spec.outcome, false);
  const treatment = number(spec.treatment, true);
  const received = spec.received === undefined ? null : number(spec.received, true);
  const covariates = spec.covariates.map((name) => ({ name, values: number(name, false) }));
  const blocks = label(spec.blocks);
  const clusters = label(spec.clusters);
  const fixedEffects = label(spec.fixedEffects);

  const width = header.length;
  const length = bytes.length;
  let pos = headerEnd + 1;
  for (let row = 0; row < rowCount; row++) {
    // Each field is scanned once up to its comma or the line's end; no per-row search call.
    let start = pos;
    let stop = pos;
    for (let col = 0; col < width; col++) {
      const target = targets[col];
      // A number is read as the field is scanned; what follows it must end the field.
      let value = 0;
      if (target !== null && target.kind === 'number') {
        value = scanNumber(bytes, start, length);
        stop = numberEnd;
      }
      while (stop < length && bytes[stop] !== COMMA && bytes[stop] !== LF) stop++;
      const atLineEnd = stop >= length || bytes[stop] === LF;
      if (col < width - 1 ? atLineEnd : !atLineEnd) return null; // too few or too many fields
      // A CR before the line feed ends the last field.
      const fieldEnd = atLineEnd && stop > start && bytes[stop - 1] === CR ? stop - 1 : stop;
      if (col === 0 && atLineEnd && fieldEnd === start) return null; // a blank line inside the file
      if (target !== null) {
        if (target.kind === 'number') {
          if (numberEnd !== fieldEnd || !Number.isFinite(value)) return null;
          if (target.binary && value !== 0 && value !== 1) return null;
          target.out[row] = value;
        } else {
          if (fieldEnd === start || isSpace(bytes[start]) || isSpace(bytes[fieldEnd - 1])) return null;
          const code = target.labels.code(start, fieldEnd);
          if (code < 0) return null;
          target.codes[row] = code;
          target.out[row] = target.labels.levels[code];
        }
      }
      stop++;
      start = stop;
    }
    pos = stop;
  }
  for (const t of labelTargets) rememberFactorCodes(t.out, { codes: t.codes, levels: t.labels.levels });
  const lines = new Int32Array(rowCount);
  for (let k = 0; k < rowCount; k++) lines[k] = k + 2;
  return {
    n: rowCount,
    outcome,
    treatment,
    arms: null,
    received,
    blocks,
    clusters,
    fixedEffects,
    additionalFixedEffects: [],
    weights: null,
    covariates: covariates.map((c): CsvCovariate => ({ name: c.name, kind: 'numeric', values: c.values })),
    lines,
    droppedMissingOutcome: 0,
    dropped: { rows: 0, byColumn: [], firstLines: [] },
  };
}

/** Data rows after the header: lines up to the end, a final line break not opening another row. */
function countRows(bytes: Uint8Array, from: number): number {
  if (from >= bytes.length) return 0;
  let rows = 0;
  // indexOf is a native byte search, faster than a loop over a large file.
  for (let i = bytes.indexOf(LF, from); i >= 0; i = bytes.indexOf(LF, i + 1)) rows++;
  if (bytes[bytes.length - 1] !== LF) rows++;
  return rows;
}

function isSpace(b: number): boolean {
  return b === SPACE || b === TAB || b === CR;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A Buffer over the same memory, whose latin1Slice makes one string without a view object per call. */
let latin1View: { bytes: Uint8Array; view: Buffer } | null = null;
function latin1(bytes: Uint8Array): Buffer {
  if (latin1View?.bytes !== bytes)
    latin1View = { bytes, view: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  return latin1View.view;
}
/** The UTF-8 text of bytes[start, end), or null when they are not UTF-8 (the general reader reports it). */
function decodeLine(bytes: Uint8Array, start: number, end: number): string | null {
  let ascii = true;
  for (let i = start; i < end; i++)
    if (bytes[i] > 0x7e) {
      ascii = false;
      break;
    }
  if (ascii) return latin1(bytes).toString('latin1', start, end);
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return null;
  }
}

/**
 * The number in bytes[start, end) as `Number()` reads the general reader's pattern
 * (`[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`), or NaN for anything else (including blanks and
 * surrounding spaces, which the general reader decides). Exact: up to 15 significant digits and a
 * decimal exponent within ±22 give one correctly rounded IEEE operation (Clinger); otherwise the
 * text goes to `Number()`.
 */
export function readNumber(bytes: Uint8Array, start: number, end: number): number {
  const value = scanNumber(bytes, start, end);
  return numberEnd === end ? value : NaN;
}

/** Where the last `scanNumber` stopped: the first byte after the number it read. */
let numberEnd = 0;

/**
 * Reads the longest prefix of bytes[start, limit) that `readNumber`'s pattern can begin with and
 * sets `numberEnd` after it; the number, or NaN when that prefix is not a whole number (no digits, an
 * exponent without digits). `readNumber(b, s, e)` is `scanNumber(b, s, e)` when it stops at e.
 */
function scanNumber(bytes: Uint8Array, start: number, limit: number): number {
  const end = limit;
  let i = start;
  let negative = false;
  if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) {
    negative = bytes[i] === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0; // significant digits taken into the mantissa
  let intDigits = 0;
  let fracDigits = 0;
  let scale = 0; // decimal exponent of the mantissa
  let leading = true;
  while (i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
    const d = bytes[i] - 0x30;
    if (!(leading && d === 0)) {
      leading = false;
      mantissa = mantissa * 10 + d;
      digits++;
    }
    intDigits++;
    i++;
  }
  if (i < end && bytes[i] === 0x2e) {
    i++;
    while (i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
      const d = bytes[i] - 0x30;
      if (!(leading && d === 0)) {
        leading = false;
        mantissa = mantissa * 10 + d;
        digits++;
      }
      scale--;
      fracDigits++;
      i++;
    }
  }
  if (intDigits + fracDigits === 0) {
    numberEnd = i;
    return NaN;
  }
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) {
      expNegative = bytes[i] === 0x2d;
      i++;
    }
    let exponent = 0;
    let expDigits = 0;
    while (i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
      if (exponent < 100000) exponent = exponent * 10 + (bytes[i] - 0x30);
      expDigits++;
      i++;
    }
    numberEnd = i;
    if (expDigits === 0) return NaN;
    scale += expNegative ? -exponent : exponent;
  }
  numberEnd = i;
  let value: number;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    value = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
    if (digits === 0) value = 0;
  } else {
    return Number(String.fromCharCode.apply(null, bytes.subarray(start, i) as unknown as number[]));
  }
  return negative ? -value : value;
}
