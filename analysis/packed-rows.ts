/**
 * Rows of numbers packed into text by the database: each row's fields joined by commas, rows by
 * newlines (`string_agg(concat_ws(',', …), E'\n')` over a chunk of rows), an empty field standing
 * for NULL. At national scale an outcome panel is about a million rows of a few numbers; the drivers
 * (node-postgres, PGlite) spend microseconds on each row object they build, so the store reads such
 * results as a few hundred text values and unpacks them here. Pure.
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
