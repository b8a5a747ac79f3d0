/**
 * A district's first bulk load summed per student and calendar month (attendance_day_month, migration
 * 015) while the byte reader reads its rows: the partition it fills is attached afterwards, so no
 * trigger sees those rows, and grouping them again in SQL would cost about as much as the copy. Pure.
 *
 * The absence sum must equal what the outcome query sums, `absent_fraction::numeric`, exactly.
 * PostgreSQL turns a real into numeric through its text with 6 significant digits (float4_numeric:
 * `%.6g`, rounding the float's exact binary value half to even), so 1/3 counts as 0.333333. Days of
 * fraction 1 (most absences) are counted as integers; other fractions per distinct value, and summed
 * as exact decimals (BigInt) only when the rows are written.
 */

const MS_PER_DAY = 86_400_000;
const EPOCH_MS = Date.UTC(2000, 0, 1);

export class AttendanceMonthCounts {
  private readonly months: number;
  /** by day from firstDay: the month's index from the first month */
  private readonly monthOfDay: Int32Array;
  /** first day (PostgreSQL day number) of each month */
  private readonly monthStart: Int32Array;
  private readonly records: Int32Array;
  private readonly chronic: Int32Array;
  private readonly ones: Int32Array;
  private readonly last: Int32Array;
  /** cell → fraction (neither 0 nor 1) → days */
  private readonly parts = new Map<number, Map<number, number>>();

  /**
   * @param firstDay, lastDay the range of days rows may fall on (PostgreSQL day numbers)
   * @param studentIds the district's student ids; a row names its student by index in this list
   */
  constructor(
    private readonly firstDay: number,
    lastDay: number,
    private readonly studentIds: readonly number[],
  ) {
    this.monthOfDay = new Int32Array(Math.max(0, lastDay - firstDay + 1));
    const starts: number[] = [];
    let key = -1;
    for (let d = firstDay; d <= lastDay; d++) {
      const t = new Date(EPOCH_MS + d * MS_PER_DAY);
      const k = t.getUTCFullYear() * 12 + t.getUTCMonth();
      if (k !== key) {
        key = k;
        starts.push(d - t.getUTCDate() + 1);
      }
      this.monthOfDay[d - firstDay] = starts.length - 1;
    }
    this.months = starts.length;
    this.monthStart = Int32Array.from(starts);
    const cells = this.months * studentIds.length;
    this.records = new Int32Array(cells);
    this.chronic = new Int32Array(cells);
    this.ones = new Int32Array(cells);
    this.last = new Int32Array(cells);
  }

  /** One daily row: the student's index, its day, its stored float4 fraction, whether suspended in school. */
  add(student: number, day: number, fraction: number, inSchoolSuspension: boolean): void {
    const at = day - this.firstDay;
    if (at < 0 || at >= this.monthOfDay.length) throw new RangeError(`day ${day} outside the counted range`);
    const cell = student * this.months + this.monthOfDay[at];
    if (this.records[cell]++ === 0 || day > this.last[cell]) this.last[cell] = day;
    if (inSchoolSuspension || fraction === 0) return;
    if (fraction >= 0.5) this.chronic[cell]++;
    if (fraction === 1) {
      this.ones[cell]++;
      return;
    }
    let m = this.parts.get(cell);
    if (m === undefined) this.parts.set(cell, (m = new Map()));
    m.set(fraction, (m.get(fraction) ?? 0) + 1);
  }

  /**
   * CSV lines for COPY into attendance_day_month (district_id, student_id, month, records, absence,
   * chronic, last_date), one per student-month with a row, in key order: each row then goes to the
   * right-hand edge of the summary's primary key (a copy in the roster's order, which follows no key,
   * took about three times as long).
   */
  *csvLines(districtId: number): Generator<string> {
    const ids = this.studentIds;
    const byId = Int32Array.from(ids.keys()).sort((a, b) => ids[a] - ids[b]);
    let out = '';
    for (const s of byId)
      for (let m = 0; m < this.months; m++) {
        const cell = s * this.months + m;
        if (this.records[cell] === 0) continue;
        const parts = this.parts.get(cell);
        const absence = parts ? exactSum(this.ones[cell], parts) : String(this.ones[cell]);
        out += `${districtId},${this.studentIds[s]},${isoDay(this.monthStart[m])},${this.records[cell]},${absence},${this.chronic[cell]},${isoDay(this.last[cell])}\n`;
        if (out.length > 1 << 16) {
          yield out;
          out = '';
        }
      }
    if (out) yield out;
  }
}

function isoDay(day: number): string {
  return new Date(EPOCH_MS + day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** ones + Σ days × float4Numeric(fraction), as exact decimal text. */
function exactSum(ones: number, parts: Map<number, number>): string {
  let scale = 0;
  const terms: [bigint, number][] = [];
  for (const [f, n] of parts) {
    const d = float4Numeric(f);
    terms.push([d.digits * BigInt(n), d.scale]);
    scale = Math.max(scale, d.scale);
  }
  let sum = BigInt(ones) * 10n ** BigInt(scale);
  for (const [digits, s] of terms) sum += digits * 10n ** BigInt(scale - s);
  return decimalText(sum, scale);
}

function decimalText(n: bigint, scale: number): string {
  if (scale === 0) return n.toString();
  const t = n.toString().padStart(scale + 1, '0');
  return `${t.slice(0, t.length - scale)}.${t.slice(t.length - scale)}`;
}

/**
 * The numeric PostgreSQL makes of the float4 f (0 ≤ f): f's exact binary value rounded half to even
 * to 6 significant digits, as digits × 10^-scale (scale ≥ 0 for f < 10^6).
 */
export function float4Numeric(f: number): { digits: bigint; scale: number } {
  if (f === 0) return { digits: 0n, scale: 0 };
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, f);
  const bits = view.getUint32(0);
  const biased = (bits >>> 23) & 0xff;
  let mant = BigInt(bits & 0x7fffff);
  let exp2: number;
  if (biased === 0) exp2 = -149;
  else {
    mant |= 1n << 23n;
    exp2 = biased - 150;
  }
  // f = mant × 2^exp2 = exact / 10^scale
  let exact: bigint;
  let scale: number;
  if (exp2 >= 0) {
    exact = mant << BigInt(exp2);
    scale = 0;
  } else {
    exact = mant * 5n ** BigInt(-exp2);
    scale = -exp2;
  }
  const drop = exact.toString().length - 6;
  if (drop <= 0) return { digits: exact, scale };
  const unit = 10n ** BigInt(drop);
  let q = exact / unit;
  const r = exact % unit;
  const half = unit / 2n;
  if (r > half || (r === half && q % 2n === 1n)) q += 1n;
  if (drop <= scale) return { digits: q, scale: scale - drop };
  return { digits: q * 10n ** BigInt(drop - scale), scale: 0 };
}
