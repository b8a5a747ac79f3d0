/**
 * Values as PostgreSQL's binary COPY format carries them (the framing is in db/copy-binary.ts): a date
 * as days from 2000-01-01, a real as the float4 that PostgreSQL itself would make of the decimal text.
 * Pure.
 */

/**
 * Days from 2000-01-01 (PostgreSQL's date epoch, how a date travels in binary) to the proleptic
 * Gregorian date y-m-d (m 1–12). Integer arithmetic only (H. Hinnant's days_from_civil).
 */
export function pgDayNumber(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468 - 10957;
}

/** pgDayNumber of an ISO `YYYY-MM-DD` string (assumed well formed). */
export function pgDayOf(iso: string): number {
  return pgDayNumber(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The float4 PostgreSQL stores for `real` input String(x) (its float4in rounds the decimal text
 * correctly, as strtof does). Math.fround(x) rounds the double x instead, which differs only when x
 * lies exactly halfway between two floats and its decimal text does not: then the text decides.
 * For x ≥ 0.
 */
export function float4OfText(x: number): number {
  const f = Math.fround(x);
  if (f === x || !Number.isFinite(x) || x < 0) return f;
  f32[0] = f;
  u32[0] += f < x ? 1 : -1; // the neighbouring float on x's other side
  const g = f32[0];
  if ((f + g) / 2 !== x) return f; // not a tie: both roundings agree
  const side = compareDecimalToDouble(String(x), x);
  if (side === 0) return f; // the text is the exact midpoint too: ties to even, as fround did
  return side > 0 ? Math.max(f, g) : Math.min(f, g);
}

/** Sign of (decimal text − v), exactly, for a non-negative finite decimal like '0.1', '1e-7', '12.5e3'. */
export function compareDecimalToDouble(text: string, v: number): number {
  const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const digits = BigInt((m[1] ?? '') + (m[2] ?? '') || '0');
  const exp10 = Number(m[3] ?? 0) - (m[2] ?? '').length;
  // v = mant × 2^exp2 exactly
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mant |= 1n << 52n;
    exp2 = biased - 1075;
  }
  // compare digits × 10^exp10 with mant × 2^exp2, both scaled to integers
  let left = digits;
  let right = mant;
  if (exp10 >= 0) left *= 10n ** BigInt(exp10);
  else right *= 10n ** BigInt(-exp10);
  if (exp2 >= 0) right <<= BigInt(exp2);
  else left <<= BigInt(-exp2);
  return left === right ? 0 : left > right ? 1 : -1;
}
