import { pgDayNumber } from '../../cohorts/imports/binary-values.ts';

export type BinaryType = 'int4' | 'date' | 'text' | 'float4';
export type BinaryValue = number | string | null;

/** Decodes tuples of PostgreSQL's binary COPY format (no header or trailer) of the given column types. */
export function decodeTuples(chunks: Uint8Array[], types: BinaryType[]): BinaryValue[][] {
  const buf = Buffer.concat(chunks);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const rows: BinaryValue[][] = [];
  let o = 0;
  while (o < buf.length) {
    const n = view.getInt16(o);
    o += 2;
    if (n !== types.length)
      throw new Error(`tuple of ${n} fields at byte ${o - 2}, expected ${types.length}`);
    const row: BinaryValue[] = [];
    for (const type of types) {
      const len = view.getInt32(o);
      o += 4;
      if (len === -1) {
        row.push(null);
        continue;
      }
      if (type === 'text') row.push(buf.toString('utf8', o, o + len));
      else if (len !== 4) throw new Error(`${type} of ${len} bytes`);
      else if (type === 'int4') row.push(view.getInt32(o));
      else if (type === 'float4') row.push(view.getFloat32(o));
      else row.push(isoOfPgDay(view.getInt32(o)));
      o += len;
    }
    rows.push(row);
  }
  return rows;
}

/** The ISO date of a day number from 2000-01-01 (the inverse of pgDayNumber, through Date). */
export function isoOfPgDay(day: number): string {
  return new Date(Date.UTC(2000, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

/** Independent of float4OfText: the float32 nearest the decimal text (ties to even), by exact BigInt arithmetic. */
export function exactFloat32(text: string): number {
  const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) throw new Error(text);
  let num = BigInt((m[1] ?? '') + (m[2] ?? '') || '0');
  let den = 1n;
  const e10 = Number(m[3] ?? 0) - (m[2] ?? '').length;
  if (e10 >= 0) num *= 10n ** BigInt(e10);
  else den = 10n ** BigInt(-e10);
  if (num === 0n) return 0;
  // e = floor(log2(num / den))
  let e = num.toString(2).length - den.toString(2).length;
  const ge = (k: number) => (k >= 0 ? num >= den << BigInt(k) : num << BigInt(-k) >= den);
  while (!ge(e)) e--;
  while (ge(e + 1)) e++;
  const shift = e < -126 ? 149 : 23 - e;
  const scaledNum = shift >= 0 ? num << BigInt(shift) : num;
  const scaledDen = shift >= 0 ? den : den << BigInt(-shift);
  let q = scaledNum / scaledDen;
  const r2 = (scaledNum % scaledDen) * 2n;
  if (r2 > scaledDen || (r2 === scaledDen && q % 2n === 1n)) q++;
  return Number(q) * 2 ** -shift;
}

export { pgDayNumber };
