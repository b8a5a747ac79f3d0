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
 * fast path where it applies, `Number()` itself otherwise); a label column comes back as the codes
 * of its rows and its levels, the cells' UTF-8 text in order of first appearance (a `LabelColumn`:
 * what `encodeFactor` gives for the general reader's labels), so no string is made per row.
 */
import type { ColumnSpec, CsvCovariate, EstimationColumns, LabelColumn } from './csv-columns.ts';
import { decodeUtf8, LabelCodes } from './csv-label-codes.ts';

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Exact powers of ten as doubles (10^0 … 10^22 are exactly representable). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);

/** What the reader does with each column of the file. */
const SKIP = 0;
const NUMBER = 1;
const BINARY = 2;
const LABEL = 3;

/**
 * Reads the estimation columns of `spec` from UTF-8 `bytes` (without a BOM), or null when the file
 * needs the general reader.
 *
 * @example
 * csvColumnsFromBytes(new TextEncoder().encode('y,z\n1.5,1\n2,0\n'), { outcome: 'y', treatment: 'z', covariates: [] });
 * // => { n: 2, outcome: [1.5, 2], treatment: [1, 0], lines: [2, 3], droppedMissingOutcome: 0, … }
 */
export function csvColumnsFromBytes(bytes: Uint8Array, spec: ColumnSpec): EstimationColumns | null {
  if (!acceptsSpec(spec)) return null;
  if (bytes.indexOf(QUOTE) >= 0) return null;
  // A CR only ever ends a line (CRLF), so it can only stand before a line feed below.
  for (let i = bytes.indexOf(CR); i >= 0; i = bytes.indexOf(CR, i + 1)) if (bytes[i + 1] !== LF) return null;
  const headerEnd = bytes.indexOf(LF);
  if (headerEnd < 0) return null;
  const rowCount = countRows(bytes, headerEnd + 1);
  const plan = planColumns(bytes, headerEnd, spec, rowCount);
  if (plan === null) return null;
  // Every row is read up to a line feed: a file without a final one is read from a copy that has it.
  const data = bytes[bytes.length - 1] === LF ? bytes : withFinalLineFeed(bytes);
  const reader = new RowReader(plan.columns);
  if (!reader.read(data, headerEnd + 1, data.length) || reader.row !== rowCount) return null;
  return plan.result();
}

/**
 * Reads `count` bytes of the file at `position` into `into` from index `at` (fewer at the end of the
 * file, 0 past it), as `fs.read(into, at, count, position)` does.
 */
export type ReadAt = (into: Uint8Array, at: number, count: number, position: number) => number;

/**
 * `csvColumnsFromBytes` on a file read through `read`, one reused buffer of `chunkBytes` at a time
 * (grown only for a longer line) instead of whole: the same columns or null, but the file's bytes
 * never all sit in memory. On a machine where fresh memory is slow to page in, holding a 24 MB file
 * cost about as much as parsing it. Two passes: the first checks the bytes (no quote, no lone CR) and
 * counts the rows, so the columns are sized once; the second reads them. A leading UTF-8 BOM is
 * skipped.
 */
export function csvColumnsFromReader(
  read: ReadAt,
  spec: ColumnSpec,
  chunkBytes = 1 << 20,
): EstimationColumns | null {
  if (!acceptsSpec(spec)) return null;
  return readChunked(read, spec, Math.max(chunkBytes, 4));
}

function readChunked(read: ReadAt, spec: ColumnSpec, chunkBytes: number): EstimationColumns | null {
  let buffer: Uint8Array = new Uint8Array(chunkBytes);
  let filled = read(buffer, 0, buffer.length, 0);
  const bom = filled >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  // The header must sit in the first buffer: grow it until it does.
  let headerEnd = buffer.indexOf(LF, bom);
  while (headerEnd < 0 && filled === buffer.length) {
    buffer = grown(buffer, filled);
    filled += read(buffer, filled, buffer.length - filled, filled);
    headerEnd = buffer.indexOf(LF, bom);
  }
  if (headerEnd < 0) return null;
  const header = buffer.slice(bom, headerEnd);
  if (header.indexOf(QUOTE) >= 0) return null;
  const headerCr = header.indexOf(CR);
  if (headerCr >= 0 && headerCr !== header.length - 1) return null;

  // First pass: the checks csvColumnsFromBytes makes on the whole file, and the rows.
  const dataStart = headerEnd + 1;
  let lineFeeds = 0;
  let lastByte = LF;
  let crBefore = false; // the previous buffer ended with a CR
  for (let position = dataStart, n; (n = read(buffer, 0, buffer.length, position)) > 0; position += n) {
    const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
    if (chunk.indexOf(QUOTE) >= 0) return null;
    if (crBefore && chunk[0] !== LF) return null;
    for (let i = chunk.indexOf(CR); i >= 0; i = chunk.indexOf(CR, i + 1))
      if (i + 1 < n && chunk[i + 1] !== LF) return null;
    crBefore = chunk[n - 1] === CR;
    lineFeeds += countLineFeeds(chunk);
    lastByte = chunk[n - 1];
  }
  if (crBefore) return null; // a file ending in a lone CR
  const rowCount = lineFeeds + (lastByte === LF ? 0 : 1);
  const plan = planColumns(header, header.length, spec, rowCount);
  if (plan === null) return null;

  // Second pass: whole lines at a time; the unfinished last line moves to the front of the buffer.
  const reader = new RowReader(plan.columns);
  let carry = 0;
  for (let position = dataStart; ;) {
    if (carry === buffer.length) buffer = grown(buffer, carry);
    const n = read(buffer, carry, buffer.length - carry, position);
    position += n;
    let end = carry + n;
    if (n === 0) {
      if (carry === 0) break;
      // the last line has no line feed: read it as though it had
      if (end === buffer.length) buffer = grown(buffer, end);
      buffer[end++] = LF;
    }
    const lines = buffer.lastIndexOf(LF, end - 1) + 1;
    if (lines > 0) {
      if (!reader.read(buffer, 0, lines)) return null;
      buffer.copyWithin(0, lines, end);
    }
    carry = end - lines;
    if (n === 0) break;
  }
  return reader.row === rowCount ? plan.result() : null;
}

/**
 * The line feeds in `bytes`, four bytes at a time where the bytes are 4-aligned (a word's zero bytes
 * after XOR with 0x0a0a0a0a, found without carries between bytes): about five times faster than one
 * `indexOf` per line on short lines.
 */
export function countLineFeeds(bytes: Uint8Array): number {
  let count = 0;
  let i = 0;
  const n = bytes.length;
  for (; i < n && (bytes.byteOffset + i) % 4 !== 0; i++) if (bytes[i] === LF) count++;
  const wordCount = (n - i) >>> 2;
  if (wordCount > 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, wordCount);
    for (let k = 0; k < wordCount; k++) {
      const x = words[k] ^ 0x0a0a0a0a;
      // a byte of x is zero exactly when its high bit ends up clear here
      const zero = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
      if (zero !== 0) count += (Math.imul(zero >>> 7, 0x01010101) >>> 24) & 0xff;
    }
    i += wordCount * 4;
  }
  for (; i < n; i++) if (bytes[i] === LF) count++;
  return count;
}

/** A buffer twice the size holding the first `filled` bytes of `buffer`. */
function grown(buffer: Uint8Array, filled: number): Uint8Array {
  const bigger = new Uint8Array(2 * buffer.length);
  bigger.set(buffer.subarray(0, filled));
  return bigger;
}

/** Whether the byte reader can take the request at all (the column names are checked with the header). */
export function acceptsSpec(spec: ColumnSpec): boolean {
  // Arms by name, several fixed effects and weights are left to the general reader.
  if (spec.condition1 !== undefined || spec.condition2 !== undefined || spec.weights !== undefined)
    return false;
  return (spec.additionalFixedEffects ?? []).length === 0;
}

/** The columns to read and how to hand them over once every row is read. */
export interface ColumnPlan {
  columns: FileColumns;
  result(): EstimationColumns;
}

/**
 * The columns of `spec` as positions in the file whose header is bytes[0, headerEnd) (a final CR
 * dropped), sized for `rowCount` rows; null when the header or the request needs the general reader
 * (a header that is not UTF-8, a name twice in it, a column missing, one column named twice, no rows).
 */
export function planColumns(
  bytes: Uint8Array,
  headerEnd: number,
  spec: ColumnSpec,
  rowCount: number,
): ColumnPlan | null {
  const headerText = decodeUtf8(
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
  // A column named twice (say outcome and covariate) is left to the general reader.
  const named = [...wanted.filter((w) => w !== undefined), ...spec.covariates];
  if (new Set(named).size !== named.length) return null;
  if (rowCount <= 0) return null;

  const columns = new FileColumns(header.length, rowCount);
  const number = (name: string) => columns.number(at(name), NUMBER);
  const outcome = number(spec.outcome);
  const treatment = columns.number(at(spec.treatment), BINARY);
  const received = spec.received === undefined ? null : columns.number(at(spec.received), BINARY);
  const covariates = spec.covariates.map((name): CsvCovariate => ({
    name,
    kind: 'numeric',
    values: number(name),
  }));
  const label = (name: string | undefined) => (name === undefined ? null : columns.label(at(name)));
  const blocks = label(spec.blocks);
  const clusters = label(spec.clusters);
  const fixedEffects = label(spec.fixedEffects);
  return {
    columns,
    result: () => ({
      n: rowCount,
      outcome,
      treatment,
      arms: null,
      received,
      blocks: blocks && factorOf(blocks),
      clusters: clusters && factorOf(clusters),
      fixedEffects: fixedEffects && factorOf(fixedEffects),
      additionalFixedEffects: [],
      weights: null,
      covariates,
      lines: columns.lines,
      droppedMissingOutcome: 0,
      dropped: { rows: 0, byColumn: [], firstLines: [] },
    }),
  };
}

/** The columns being read, by their position in the file. */
export class FileColumns {
  /** SKIP, NUMBER, BINARY or LABEL for each column of the file. */
  readonly kinds: Uint8Array;
  readonly numbers: (Float64Array | null)[];
  readonly labels: (LabelCodes | null)[];
  /** The physical line of each row (the header is line 1). */
  readonly lines: Int32Array;

  constructor(
    width: number,
    private readonly rows: number,
  ) {
    this.kinds = new Uint8Array(width);
    this.lines = new Int32Array(rows);
    this.numbers = Array.from({ length: width }, () => null);
    this.labels = Array.from({ length: width }, () => null);
  }

  number(column: number, kind: typeof NUMBER | typeof BINARY): Float64Array {
    const out = new Float64Array(this.rows);
    this.kinds[column] = kind;
    this.numbers[column] = out;
    return out;
  }

  label(column: number): LabelCodes {
    const codes = new LabelCodes(this.rows);
    this.kinds[column] = LABEL;
    this.labels[column] = codes;
    return codes;
  }
}

/** A label column as the codes of its rows and its levels, as encodeFactor would give them. */
function factorOf(column: LabelCodes): LabelColumn {
  return { codes: column.codes, levels: column.levels() };
}

/**
 * Reads rows into `columns`, a run of whole lines at a time (`read` may be called again with the
 * next lines, from another buffer), and refuses (false) when a row needs the general reader: a field
 * count other than the header's, a blank line, a number that is not a whole plain number (or not 0/1
 * for a binary column), an empty label or one with surrounding spaces, a missing-value token, more
 * rows than counted.
 *
 * One pass over the bytes, each field scanned once. A number of the common form — an optional minus,
 * digits, an optional fraction, at most 15 digits in all — is read right here (exactly as
 * `scanNumber` would: Clinger's fast path); any other goes to `scanNumber`.
 */
export class RowReader {
  /** Rows read so far. */
  row = 0;
  constructor(private readonly columns: FileColumns) {}

  /**
   * Reads the lines of bytes[from, end): bytes[end − 1] must be a line feed, which ends every scan
   * (no bounds test per byte).
   */
  read(bytes: Uint8Array, from: number, end: number): boolean {
    const { kinds, numbers, labels, lines } = this.columns;
    const rowCount = lines.length;
    const last = kinds.length - 1;
    let pos = from;
    let row = this.row;
    for (; pos < end; row++) {
      if (row >= rowCount) return false;
      lines[row] = row + 2;
      for (let col = 0; col <= last; col++) {
        const kind = kinds[col];
        const start = pos;
        if (kind === NUMBER || kind === BINARY) {
          let i = start;
          let c = bytes[i];
          const negative = c === MINUS;
          if (negative) c = bytes[++i];
          let mantissa = 0;
          let digits = 0;
          while (c >= DIGIT_0 && c <= DIGIT_9) {
            mantissa = mantissa * 10 + (c - DIGIT_0);
            digits++;
            c = bytes[++i];
          }
          const whole = digits;
          if (c === DOT) {
            c = bytes[++i];
            while (c >= DIGIT_0 && c <= DIGIT_9) {
              mantissa = mantissa * 10 + (c - DIGIT_0);
              digits++;
              c = bytes[++i];
            }
          }
          let value: number;
          if (whole > 0 && digits <= 15 && (c === COMMA || c === LF || c === CR)) {
            const fraction = digits - whole; // at most 15, so POW10 is exact
            value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
            if (negative) value = -value;
          } else {
            value = scanNumber(bytes, start, end);
            i = numberEnd;
            if (!Number.isFinite(value)) return false;
          }
          if (kind === BINARY && value !== 0 && value !== 1) return false;
          numbers[col]![row] = value;
          // the number must end the field, and the field its line exactly when it is the last
          if (col < last) {
            if (bytes[i] !== COMMA) return false;
          } else {
            if (bytes[i] === CR) i++;
            if (bytes[i] !== LF) return false;
          }
          pos = i + 1;
          continue;
        }
        // a label or a skipped field: up to its comma or line feed, noting whether it is all digits
        let stop = start;
        let value = 0;
        let integer = true;
        for (;;) {
          const b = bytes[stop];
          if (b === COMMA || b === LF) break;
          if (b >= DIGIT_0 && b <= DIGIT_9) value = value * 10 + (b - DIGIT_0);
          else if (b !== CR) integer = false;
          stop++;
        }
        const atLineEnd = bytes[stop] === LF;
        if (col < last ? atLineEnd : !atLineEnd) return false; // too few or too many fields
        pos = stop + 1;
        // (a blank line inside the file has too few fields: the header names at least two columns)
        if (kind === SKIP) continue;
        const fieldEnd = stop > start && bytes[stop - 1] === CR ? stop - 1 : stop;
        const size = fieldEnd - start;
        if (size === 0) return false;
        const out = labels[col]!;
        let code: number;
        if (integer && size <= 8 && (bytes[start] !== DIGIT_0 || size === 1) && value < out.intLimit)
          code = out.intCode(value);
        else if (isSpace(bytes[start]) || isSpace(bytes[fieldEnd - 1])) return false;
        else code = out.textCode(bytes, start, fieldEnd);
        if (code < 0) return false;
        out.codes[row] = code;
      }
    }
    this.row = row;
    return true;
  }
}

function withFinalLineFeed(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length + 1);
  copy.set(bytes);
  copy[bytes.length] = LF;
  return copy;
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
 * Reads the longest prefix of bytes[start, end) that `readNumber`'s pattern can begin with and
 * sets `numberEnd` after it; the number, or NaN when that prefix is not a whole number (no digits, an
 * exponent without digits). `readNumber(b, s, e)` is `scanNumber(b, s, e)` when it stops at e.
 */
function scanNumber(bytes: Uint8Array, start: number, end: number): number {
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
