/**
 * Rows of numbers packed by the database: as bytes, each field's binary form concatenated
 * (`unpackBinary`), or as text, each row's fields joined by commas and rows by newlines
 * (`string_agg(concat_ws(',', …), E'\n')` over a chunk of rows, an empty field standing for NULL;
 * `unpackNumbers`). At national scale an outcome panel is about a million rows of a few numbers; the
 * drivers (node-postgres, PGlite) spend microseconds on each row object they build, so the stores
 * read such results as a few hundred values and unpack them here. Pure.
 */

const COMMA = 44;
const NEWLINE = 10;
const ZERO = 48;
const NINE = 57;

/**
 * The fields of the packed rows, row after row, as one array (row r's field f at r × width + f;
 * NaN for an empty field). Empty texts hold no row.
 *
 * @example unpackNumbers(['1,2.5,\n3,-4,5'], 3) // Float64Array [1, 2.5, NaN, 3, -4, 5]
 * @throws Error when a row has not `width` fields
 */
export function unpackNumbers(texts: readonly string[], width: number): Float64Array {
  let rows = 0;
  for (const t of texts) {
    if (t.length === 0) continue;
    rows++;
    for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) rows++;
  }
  const out = new Float64Array(rows * width);
  let o = 0;
  for (const t of texts) {
    if (t.length === 0) continue;
    let start = 0;
    let field = 0;
    // the field's value while it has only digits (most do: ids, day numbers, counts)
    let digits = 0;
    let plain = true;
    for (let i = 0; i <= t.length; i++) {
      const c = i === t.length ? NEWLINE : t.charCodeAt(i);
      if (c !== COMMA && c !== NEWLINE) {
        if (c >= ZERO && c <= NINE && i - start < 15) digits = digits * 10 + (c - ZERO);
        else plain = false;
        continue;
      }
      out[o++] = i === start ? NaN : plain ? digits : Number(t.slice(start, i));
      start = i + 1;
      digits = 0;
      plain = true;
      field++;
      if (c === NEWLINE) {
        if (field !== width) throw new Error(`packed row of ${field} fields, not ${width}`);
        field = 0;
      } else if (field >= width) throw new Error(`packed row of more than ${width} fields`);
    }
  }
  return out;
}

/** How a field of a binary-packed row is stored: a big-endian int4 (`int4send`) or float8 (`float8send`). */
export type PackedField = 'int4' | 'float8';

/** The int4 that stands for NULL in a binary-packed row (the database writes it for a NULL field). */
export const NULL_INT4 = -2147483648;

const FIELD_BYTES: Record<PackedField, number> = { int4: 4, float8: 8 };

/**
 * Rows packed as bytes by the database (`string_agg(int4send(a) || float8send(b) || …, ''::bytea)`
 * over a chunk of rows; see the stores' `packedBinary`): the fields of the rows, row after row, as one
 * array like `unpackNumbers` gives (row r's field f at r × width + f), NULL_INT4 and a float8 NaN read
 * as NaN. No text is formatted or parsed: a national panel's million rows cost a few milliseconds.
 *
 * @example unpackBinary([Uint8Array.of(0, 0, 0, 7, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0)], ['int4', 'float8']) // Float64Array [7, 1.5]
 * @throws Error when a chunk is not a whole number of rows
 */
export function unpackBinary(chunks: readonly Uint8Array[], layout: readonly PackedField[]): Float64Array {
  const rowBytes = layout.reduce((n, f) => n + FIELD_BYTES[f], 0);
  let rows = 0;
  for (const c of chunks) {
    if (c.byteLength % rowBytes !== 0)
      throw new Error(`packed chunk of ${c.byteLength} bytes is not a whole number of ${rowBytes}-byte rows`);
    rows += c.byteLength / rowBytes;
  }
  const width = layout.length;
  const float = layout.map((f) => f === 'float8');
  const out = new Float64Array(rows * width);
  let o = 0;
  for (const c of chunks) {
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    for (let p = 0; p < c.byteLength;) {
      for (let f = 0; f < width; f++) {
        if (float[f]) {
          out[o++] = view.getFloat64(p);
          p += 8;
        } else {
          const v = view.getInt32(p);
          out[o++] = v === NULL_INT4 ? NaN : v;
          p += 4;
        }
      }
    }
  }
  return out;
}
