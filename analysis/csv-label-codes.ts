/**
 * The labels of one categorical column of the CSV byte reader (csv-columns-bytes.ts), coded from
 * the file's bytes without a string per row: each row gets the code of its label, codes in order of
 * first appearance (encodeFactor's order), and a label becomes a string once, when the levels are
 * built at the end. Pure.
 *
 * Labels written as canonical non-negative integers ("0", "7", "123456": digits, no leading zero, at
 * most 8 digits, below `intLimit`) are found by direct index on their value, which suits household
 * and block IDs; any other label by an open-addressing table of FNV-1a hashes of its bytes, compared
 * byte for byte with a copy of its first occurrence (the reader may reuse its buffer for the next
 * lines). The same bytes always take the same path, so each label has one code either way.
 */

/** Label texts the general reader treats as missing (it then drops or refuses the row). */
const MISSING_LABELS = new Set(['NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '.']);

export class LabelCodes {
  /** The code of each row's label. */
  readonly codes: Int32Array;
  /** Labels coded so far. */
  count = 0;
  /** Integer labels below this take the direct index. */
  readonly intLimit: number;
  /**
   * code + 1 of each integer label by its value (0: not seen yet). Sized for every value below
   * intLimit, as are the per-code arrays for every row: zeroed memory is only paged in where written,
   * and tables that never move keep the reading loop's compiled code valid.
   */
  private readonly intCodes: Int32Array;
  /** The value of each code's label when it is an integer label, else −1 − its index among the text labels. */
  private readonly levelInts: Int32Array;
  /** The text labels: their text, their bytes (text k at pool[starts[k], starts[k + 1])), their hash. */
  private readonly texts: string[] = [];
  private readonly codeOfText: number[] = [];
  private pool = new Uint8Array(4096);
  private readonly starts: Int32Array;
  private readonly hashes: Int32Array;
  /** Index + 1 of the text labels by hash slot (0: empty). */
  private table = new Int32Array(1024);

  constructor(rows: number) {
    this.codes = new Int32Array(rows);
    this.intLimit = Math.min(4 * rows + 1024, 1 << 26);
    this.intCodes = new Int32Array(this.intLimit);
    this.levelInts = new Int32Array(rows);
    this.starts = new Int32Array(rows + 1);
    this.hashes = new Int32Array(rows);
  }

  /** The code of the integer label `value` (below intLimit). */
  intCode(value: number): number {
    const known = this.intCodes[value];
    if (known > 0) return known - 1;
    const code = this.count++;
    this.levelInts[code] = value;
    this.intCodes[value] = code + 1;
    return code;
  }

  /**
   * The code of the text label in bytes[start, end), or −1 when the general reader must decide (a
   * missing-value token, or bytes that are not UTF-8).
   */
  textCode(bytes: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const text = this.table[slot] - 1;
      if (text < 0) return this.addText(slot, hash, bytes, start, end);
      if (this.hashes[text] === hash && this.sameBytes(text, bytes, start, end)) return this.codeOfText[text];
    }
  }

  /**
   * The labels by code, each decoded once. A column of many distinct labels (household IDs) is
   * rarely read past its length — the estimators count its levels and name one only in a warning or
   * a refusal — so beyond EAGER_LEVELS its strings are made when first needed (see lazyArray).
   */
  levels(): string[] {
    const build = (levels: string[]) => {
      for (let code = 0; code < this.count; code++) {
        const value = this.levelInts[code];
        levels.push(value >= 0 ? String(value) : this.texts[-1 - value]);
      }
    };
    if (this.count <= EAGER_LEVELS) {
      const levels: string[] = [];
      build(levels);
      return levels;
    }
    return lazyArray(this.count, build);
  }

  private sameBytes(text: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.starts[text];
    if (this.starts[text + 1] - from !== end - start) return false;
    const pool = this.pool;
    for (let i = 0; i < end - start; i++) if (pool[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private addText(slot: number, hash: number, bytes: Uint8Array, start: number, end: number): number {
    const decoded = decodeUtf8(bytes, start, end);
    if (decoded === null || MISSING_LABELS.has(decoded)) return -1;
    const text = this.texts.length;
    const code = this.count++;
    this.texts.push(decoded);
    this.codeOfText.push(code);
    this.levelInts[code] = -1 - text;
    const from = this.starts[text];
    const to = from + (end - start);
    if (to > this.pool.length) {
      const pool = new Uint8Array(Math.max(2 * this.pool.length, to));
      pool.set(this.pool.subarray(0, from));
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(start, end), from);
    this.starts[text + 1] = to;
    this.hashes[text] = hash;
    this.table[slot] = text + 1;
    if (2 * this.texts.length > this.table.length) this.growTable();
    return code;
  }

  /** Doubles the hash table, re-inserting the text labels (integer labels are not in it). */
  private growTable(): void {
    const table = new Int32Array(2 * this.table.length);
    const mask = table.length - 1;
    for (const entry of this.table) {
      if (entry === 0) continue;
      let slot = this.hashes[entry - 1] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = entry;
    }
    this.table = table;
  }
}

/** Columns with at most this many distinct labels get their level strings at once. */
const EAGER_LEVELS = 4096;

/**
 * An array of `length` elements that `fill` writes when first needed: reading `length` does not
 * need them; any other use (an element, a method, iteration, keys) fills the array once and then
 * behaves as the plain array it wraps, so callers cannot tell the difference except by the time
 * saved when only the length is read.
 */
export function lazyArray<T>(length: number, fill: (into: T[]) => void): T[] {
  const target: T[] = [];
  let filled = false;
  const ready = () => {
    if (!filled) {
      filled = true;
      fill(target);
      if (target.length !== length) throw new RangeError(`lazyArray: filled ${target.length} of ${length}`);
    }
    return target;
  };
  return new Proxy(target, {
    get: (_, key) => (key === 'length' && !filled ? length : Reflect.get(ready(), key)),
    set: (_, key, value) => Reflect.set(ready(), key, value),
    has: (_, key) => Reflect.has(ready(), key),
    ownKeys: () => Reflect.ownKeys(ready()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(ready(), key),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(ready(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(ready(), key),
  });
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
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | null {
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
