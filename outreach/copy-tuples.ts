/**
 * Rows of outreach tables as binary COPY tuples (db/copy-binary.ts frames them; the store sends them
 * with cohorts/imports/import-copy.store.ts): generation writes its messages, alerts and staff tasks,
 * and a receipts import its receipts, with COPY instead of INSERT. Binary rather than CSV so a message body may hold any character,
 * line breaks included. Pure.
 */
import { float4OfText, pgDayOf } from '../cohorts/imports/binary-values.ts';

/** One column value: its type and the value (null for NULL). */
export type CopyValue =
  | { int4: number | null }
  | { int2: number | null }
  | { text: string | null }
  | { numeric: number | null }
  | { float4: number | null }
  | { int8: number | null }
  /** An instant as ISO 8601 text with at most millisecond precision (what Date#toISOString gives). */
  | { timestamptz: string | null }
  | { date: string | null };

/** Milliseconds from the Unix epoch to PostgreSQL's (2000-01-01T00:00:00Z). */
const PG_EPOCH_MS = 946_684_800_000;

/** An instant as PostgreSQL's binary timestamptz: microseconds since 2000-01-01 UTC. */
export function timestamptzMicros(iso: string): bigint {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${iso}`);
  return (BigInt(ms) - BigInt(PG_EPOCH_MS)) * 1000n;
}

/**
 * A numeric as PostgreSQL sends it in binary: int16 digit count, int16 weight (of the first base-10000
 * digit), int16 sign, int16 display scale, then the base-10000 digits. Written from the number's
 * shortest decimal text, which is what a parameter String(x) would have given the server, so the
 * stored value and its scale are the same as an INSERT of x. Finite, non-negative or negative x.
 */
export function numericBytes(x: number): Buffer {
  if (!Number.isFinite(x)) throw new Error(`numeric must be finite: ${x}`);
  let text = String(Math.abs(x));
  if (/e/i.test(text))
    text = Math.abs(x)
      .toFixed(10)
      .replace(/\.?0+$/, '');
  const [intText, fracText = ''] = text.split('.');
  const dscale = fracText.length;
  const intPadded = intText.replace(/^0+/, '');
  const intGroups: number[] = [];
  for (let end = intPadded.length; end > 0; end -= 4)
    intGroups.unshift(Number(intPadded.slice(Math.max(0, end - 4), end)));
  const fracGroups: number[] = [];
  for (let i = 0; i < fracText.length; i += 4)
    fracGroups.push(Number(fracText.slice(i, i + 4).padEnd(4, '0')));
  let digits = [...intGroups, ...fracGroups];
  let weight = intGroups.length - 1;
  while (digits.length > 0 && digits[0] === 0) {
    digits.shift();
    weight--;
  }
  while (digits.length > 0 && digits[digits.length - 1] === 0) digits.pop();
  if (digits.length === 0) {
    weight = 0;
    digits = [];
  }
  const b = Buffer.alloc(8 + 2 * digits.length);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(x < 0 && digits.length > 0 ? 0x4000 : 0, 4);
  b.writeInt16BE(dscale, 6);
  digits.forEach((d, i) => b.writeInt16BE(d, 8 + 2 * i));
  return b;
}

/** Appends tuples to a growing buffer, with no allocation per field. */
class TupleWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  size = 0;

  private room(n: number): void {
    if (this.size + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.size + n));
    this.buf.copy(next, 0, 0, this.size);
    this.buf = next;
  }

  private int32(v: number): void {
    this.room(4);
    this.buf.writeInt32BE(v, this.size);
    this.size += 4;
  }

  tuple(values: readonly CopyValue[]): void {
    this.room(2);
    this.buf.writeInt16BE(values.length, this.size);
    this.size += 2;
    for (const v of values) {
      if ('int4' in v) {
        if (v.int4 === null) this.int32(-1);
        else {
          this.int32(4);
          this.int32(v.int4);
        }
      } else if ('int2' in v) {
        if (v.int2 === null) this.int32(-1);
        else {
          this.int32(2);
          this.room(2);
          this.buf.writeInt16BE(v.int2, this.size);
          this.size += 2;
        }
      } else if ('text' in v) {
        if (v.text === null) this.int32(-1);
        else {
          const n = Buffer.byteLength(v.text, 'utf8');
          this.int32(n);
          this.room(n);
          this.size += this.buf.write(v.text, this.size, 'utf8');
        }
      } else if ('numeric' in v) {
        if (v.numeric === null) this.int32(-1);
        else {
          const b = numericBytes(v.numeric);
          this.int32(b.length);
          this.room(b.length);
          b.copy(this.buf, this.size);
          this.size += b.length;
        }
      } else if ('float4' in v) {
        if (v.float4 === null) this.int32(-1);
        else {
          this.int32(4);
          this.room(4);
          this.buf.writeFloatBE(float4OfText(v.float4), this.size);
          this.size += 4;
        }
      } else if ('int8' in v) {
        if (v.int8 === null) this.int32(-1);
        else {
          if (!Number.isSafeInteger(v.int8)) throw new Error(`int8 must be a safe integer: ${v.int8}`);
          this.int32(8);
          this.room(8);
          this.buf.writeBigInt64BE(BigInt(v.int8), this.size);
          this.size += 8;
        }
      } else if ('timestamptz' in v) {
        if (v.timestamptz === null) this.int32(-1);
        else {
          this.int32(8);
          this.room(8);
          this.buf.writeBigInt64BE(timestamptzMicros(v.timestamptz), this.size);
          this.size += 8;
        }
      } else if (v.date === null) this.int32(-1);
      else {
        this.int32(4);
        this.int32(pgDayOf(v.date));
      }
    }
  }

  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.size));
    this.size = 0;
    return out;
  }
}

/** One binary COPY tuple: int16 field count, then per field an int32 length (-1 for NULL) and the bytes. */
export function copyTuple(values: readonly CopyValue[]): Buffer {
  const w = new TupleWriter();
  w.tuple(values);
  return w.take();
}

/** Rows as chunks of whole tuples of about `chunkBytes` each. */
export async function* tupleChunks<T>(
  rows: Iterable<T>,
  toValues: (row: T) => readonly CopyValue[],
  chunkBytes = 1 << 20,
): AsyncGenerator<Uint8Array> {
  const w = new TupleWriter();
  for (const row of rows) {
    w.tuple(toValues(row));
    if (w.size >= chunkBytes) yield w.take();
  }
  if (w.size > 0) yield w.take();
}
