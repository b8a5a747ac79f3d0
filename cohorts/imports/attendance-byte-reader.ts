import { isUtf8 } from 'node:buffer';
import { AttendanceMonthCounts } from './attendance-month-counts.ts';
import { float4OfText, pgDayNumber, pgDayOf } from './binary-values.ts';
import type { DistrictReference } from './district-reference.ts';
import { FORMATS, optionalColumns } from './import-formats.ts';
import { bindHeader, type BoundHeader, type ProblemSink } from './import-problems.ts';
import { DEFAULT_FRACTION, EXCEPTIONS_PRESENT } from './import-rows/attendance-daily-rows.ts';
import {
  ATTENDANCE_CATEGORIES,
  parseAttendanceCategory,
  parseSuspension,
} from './normalize/attendance-codes.ts';
import { fractionOrNaN } from './normalize/values.ts';

/**
 * The byte path of a daily attendance file: reads the UTF-8 bytes directly and writes binary COPY
 * tuples, with no per-row strings or objects, for the tens of millions of rows of a national pilot.
 * It accepts exactly the rows the general reader (import-rows/attendance-daily-rows.ts) accepts, with
 * the same values and warnings. Anything it does not decide on its own (a quoted field, bytes that
 * are not UTF-8, an unknown student, a date off the calendar, a bad value: anything the general reader
 * would report, or a file without enrollment windows or calendars) stops it with NotBulkable, and the
 * caller reads the file again with the general reader, which reports it or takes it.
 */
export class NotBulkable extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Columns of the tuples, in order: district_id and import_id only `withKeys` (else the table's defaults fill them). */
export function attendanceBulkColumns(withKeys: boolean): string[] {
  const values = ['student_id', 'date', 'category', 'absent_fraction', 'suspension', 'sis_code'];
  return withKeys ? ['district_id', ...values, 'import_id'] : values;
}

export interface BulkStudent {
  id: number;
  /** the student's place in the district's roster as read (AttendanceMonthCounts' student index) */
  index: number;
  /** Enrollment windows as (entry day, last day, calendar index) triples, in the reference's order. */
  windows: Int32Array;
}

interface BulkCalendar {
  first: number;
  /** By day from `first`: 1 instructional, 2 a calendar day without instruction, 0 no entry. */
  days: Uint8Array;
}

const OPEN_END = 2 ** 31 - 1;
const CATEGORY_BYTES = ATTENDANCE_CATEGORIES.map((c) => Buffer.from(c, 'latin1'));
const SUSPENSIONS = ['oss', 'iss'] as const;
const SUSPENSION_BYTES = SUSPENSIONS.map((s) => Buffer.from(s, 'latin1'));
const PRESENT = ATTENDANCE_CATEGORIES.indexOf('present');
const EXCUSED = ATTENDANCE_CATEGORIES.indexOf('excused');
const UNEXCUSED = ATTENDANCE_CATEGORIES.indexOf('unexcused');
/** Bytes a tuple takes besides its sis_code: field count, 8 length words, 5 four-byte values, longest category, suspension. */
const TUPLE_FIXED = 2 + 8 * 4 + 5 * 4 + 15 + 3;
const OUT_BYTES = 4 << 20;

/**
 * Students by the UTF-8 bytes of their student_id, so a row's id is looked up where it lies in the
 * file's bytes, with no string made: open addressing on an FNV-1a hash. Bytes equal exactly when the
 * decoded strings are equal (UTF-8 is one-to-one), so it finds what `ref.students.get(id)` finds.
 */
export class StudentsByBytes {
  private readonly keys: Uint8Array;
  private readonly starts: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(private readonly entries: [string, BulkStudent][]) {
    const encoded = entries.map(([key]) => Buffer.from(key, 'utf8'));
    this.keys = Buffer.concat(encoded);
    this.starts = new Int32Array(entries.length + 1);
    encoded.forEach((b, i) => (this.starts[i + 1] = this.starts[i] + b.length));
    let size = 16;
    while (size < entries.length * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size).fill(-1);
    encoded.forEach((b, i) => {
      let slot = StudentsByBytes.hash(b, 0, b.length) & this.mask;
      while (this.slots[slot] >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = i;
    });
  }

  static hash(b: Uint8Array, a: number, z: number): number {
    let h = 0x811c9dc5;
    for (let k = a; k < z; k++) h = Math.imul(h ^ b[k], 0x01000193);
    return h >>> 0;
  }

  /** The student whose id is the bytes b[a, z), or undefined. */
  get(b: Uint8Array, a: number, z: number): BulkStudent | undefined {
    const len = z - a;
    for (let slot = StudentsByBytes.hash(b, a, z) & this.mask; ; slot = (slot + 1) & this.mask) {
      const i = this.slots[slot];
      if (i < 0) return undefined;
      const s = this.starts[i];
      if (this.starts[i + 1] - s !== len) continue;
      let k = 0;
      while (k < len && this.keys[s + k] === b[a + k]) k++;
      if (k === len) return this.entries[i][1];
    }
  }
}

function prepare(ref: DistrictReference): {
  students: StudentsByBytes;
  studentIds: number[];
  calendars: BulkCalendar[];
} {
  const calendars: BulkCalendar[] = [];
  const calendarIndex = new Map<number, number>();
  for (const [schoolId, days] of ref.calendars) {
    let first = OPEN_END;
    let last = -OPEN_END;
    const numbered: [number, boolean][] = [];
    for (const [date, day] of days) {
      const n = pgDayOf(date);
      numbered.push([n, day.instructional]);
      first = Math.min(first, n);
      last = Math.max(last, n);
    }
    if (numbered.length === 0) continue;
    const bytes = new Uint8Array(last - first + 1);
    for (const [n, instructional] of numbered) bytes[n - first] = instructional ? 1 : 2;
    calendarIndex.set(schoolId, calendars.length);
    calendars.push({ first, days: bytes });
  }
  const students: [string, BulkStudent][] = [];
  for (const [sis, s] of ref.students) {
    const list = ref.enrollments.get(s.id) ?? [];
    const windows = new Int32Array(list.length * 3);
    list.forEach((w, i) => {
      windows[3 * i] = pgDayOf(w.entry);
      windows[3 * i + 1] = w.exit === null ? OPEN_END : pgDayOf(w.exit);
      windows[3 * i + 2] = calendarIndex.get(w.schoolId) ?? -1;
    });
    students.push([sis, { id: s.id, index: students.length, windows }]);
  }
  return { students: new StudentsByBytes(students), studentIds: students.map(([, s]) => s.id), calendars };
}

/** Month counts over the calendars' days (every accepted row falls on an instructional calendar day). */
function monthCounts(calendars: BulkCalendar[], studentIds: number[]): AttendanceMonthCounts {
  let first = OPEN_END;
  let last = -OPEN_END;
  for (const c of calendars) {
    first = Math.min(first, c.first);
    last = Math.max(last, c.first + c.days.length - 1);
  }
  return new AttendanceMonthCounts(first, Math.max(first - 1, last), studentIds);
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Day number of bytes `YYYY-MM-DD` at a, or -OPEN_END when they are not exactly a real date. */
function dayAt(b: Uint8Array, a: number): number {
  let y = 0;
  for (let k = 0; k < 4; k++) {
    const c = b[a + k] - 48;
    if (c < 0 || c > 9) return -OPEN_END;
    y = y * 10 + c;
  }
  if (b[a + 4] !== 45 || b[a + 7] !== 45) return -OPEN_END;
  const m1 = b[a + 5] - 48,
    m2 = b[a + 6] - 48,
    d1 = b[a + 8] - 48,
    d2 = b[a + 9] - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -OPEN_END;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (m < 1 || m > 12 || d < 1) return -OPEN_END;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS_IN_MONTH[m] + (leap ? 1 : 0)) return -OPEN_END;
  return pgDayNumber(y, m, d);
}

function sameBytes(b: Uint8Array, a: number, z: number, want: Uint8Array): boolean {
  if (z - a !== want.length) return false;
  for (let k = 0; k < want.length; k++) if (b[a + k] !== want[k]) return false;
  return true;
}

export interface BulkOptions {
  districtId: number;
  importId: number;
  /** Write district_id and import_id into every tuple (copying through attendance_day). */
  withKeys: boolean;
  exceptions: boolean;
  /** Count the rows per student and month too (counter.months; a district's first load, migration 015). */
  countMonths?: boolean;
}

/**
 * Binary COPY tuples (columns ATTENDANCE_BULK_COLUMNS) of a daily attendance file's bytes; warnings go
 * to sink, the count of data rows to counter.rows. Throws NotBulkable (see the module comment).
 */
export async function* attendanceDailyTuples(
  bytes: AsyncIterable<Uint8Array>,
  ref: DistrictReference,
  opts: BulkOptions,
  sink: ProblemSink,
  counter: { rows: number; months?: AttendanceMonthCounts },
): AsyncGenerator<Uint8Array> {
  const { students, studentIds, calendars } = prepare(ref);
  const months = opts.countMonths ? monthCounts(calendars, studentIds) : undefined;
  counter.months = months;
  const withKeys = opts.withKeys;
  let header: BoundHeader | null = null;
  let width = 0;
  let iStudent = -1,
    iDate = -1,
    iCategory = -1,
    iFraction = -1,
    iSuspension = -1,
    iCode = -1;
  let cuts = new Int32Array(1);
  let line = 0;
  let carry: Buffer | null = null;
  let first = true;

  let out = Buffer.allocUnsafe(OUT_BYTES);
  let view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let o = 0;

  const readHeader = (buf: Buffer, start: number, end: number): void => {
    let le = end;
    if (le > start && buf[le - 1] === 13) le--;
    if (!isUtf8(buf.subarray(start, le))) throw new NotBulkable(1, 'header is not UTF-8');
    const text = buf.toString('utf8', start, le);
    if (text.trim() === '' || text.includes('"')) throw new NotBulkable(1, 'header is blank or quoted');
    header = bindHeader(
      text.split(','),
      FORMATS.attendanceDaily.required,
      optionalColumns(FORMATS.attendanceDaily),
      sink,
    );
    if (header === null) throw new NotBulkable(1, 'header is not usable');
    width = header.width;
    cuts = new Int32Array(width + 1);
    iStudent = header.index.student_id;
    iDate = header.index.date;
    iCategory = header.index.category;
    iFraction = header.index.absent_fraction;
    iSuspension = header.index.suspension;
    iCode = header.index.sis_code;
  };

  /** Rows of buf[start, end), whole lines; end is the buffer's end only at the end of the file. */
  const rowsOf = (buf: Buffer, start: number, end: number): void => {
    let p = start;
    while (p < end) {
      line++;
      let q = p;
      let nf = 0;
      cuts[0] = p - 1;
      for (; q < end; q++) {
        const c = buf[q];
        if (c === 10) break;
        if (c === 44) {
          if (++nf < width) cuts[nf] = q;
        } else if (c === 34) throw new NotBulkable(line, 'quoted field');
      }
      let le = q;
      if (le > p && buf[le - 1] === 13) le--;
      const next = q + 1;
      if (le === p) {
        p = next;
        continue; // a blank line
      }
      if (nf !== width - 1) throw new NotBulkable(line, 'ragged line');
      cuts[width] = le;
      counter.rows++;

      // student
      let a = cuts[iStudent] + 1;
      let z = cuts[iStudent + 1];
      const student = students.get(buf, a, z);
      if (student === undefined) throw new NotBulkable(line, 'student not on the roster as written');

      // date
      a = cuts[iDate] + 1;
      z = cuts[iDate + 1];
      const day = z - a === 10 ? dayAt(buf, a) : -OPEN_END;
      if (day === -OPEN_END) throw new NotBulkable(line, 'date not written YYYY-MM-DD');

      // category
      a = cuts[iCategory] + 1;
      z = cuts[iCategory + 1];
      let category = -1;
      for (let k = 0; k < CATEGORY_BYTES.length; k++)
        if (sameBytes(buf, a, z, CATEGORY_BYTES[k])) {
          category = k;
          break;
        }
      if (category < 0) {
        const r = parseAttendanceCategory(buf.toString('utf8', a, z));
        if (!r.ok) throw new NotBulkable(line, 'category');
        if (r.note) sink.warn(r.note, line);
        category = ATTENDANCE_CATEGORIES.indexOf(r.value);
      }

      // suspension
      let suspension = -1;
      if (iSuspension >= 0) {
        a = cuts[iSuspension] + 1;
        z = cuts[iSuspension + 1];
        if (z > a) {
          if (sameBytes(buf, a, z, SUSPENSION_BYTES[0])) suspension = 0;
          else if (sameBytes(buf, a, z, SUSPENSION_BYTES[1])) suspension = 1;
          else {
            const r = parseSuspension(buf.toString('utf8', a, z));
            if (!r.ok) throw new NotBulkable(line, 'suspension');
            if (r.note) sink.warn(r.note, line);
            suspension = r.value === null ? -1 : SUSPENSIONS.indexOf(r.value);
          }
        }
      }

      // absent fraction
      let fraction: number;
      a = iFraction >= 0 ? cuts[iFraction] + 1 : 0;
      z = iFraction >= 0 ? cuts[iFraction + 1] : 0;
      if (z === a) {
        const implied = DEFAULT_FRACTION[ATTENDANCE_CATEGORIES[category]];
        if (implied === null) throw new NotBulkable(line, 'category needs absent_fraction');
        fraction = implied;
      } else if (z - a === 1 && (buf[a] === 48 || buf[a] === 49)) fraction = buf[a] - 48;
      else {
        fraction = fractionOrNaN(buf.toString('latin1', a, z));
        if (fraction !== fraction) throw new NotBulkable(line, 'absent_fraction');
      }
      if (category === PRESENT && fraction > 0) throw new NotBulkable(line, 'present with an absence');
      if ((category === EXCUSED || category === UNEXCUSED) && fraction === 0 && suspension < 0)
        throw new NotBulkable(line, 'absence of 0');
      if (opts.exceptions && category === PRESENT) sink.warn(EXCEPTIONS_PRESENT, line);

      // enrollment window, then the calendar of its school
      const w = student.windows;
      let calendar = -2;
      for (let k = 0; k < w.length; k += 3)
        if (w[k] <= day && day <= w[k + 1]) {
          calendar = w[k + 2];
          break;
        }
      if (calendar < 0) throw new NotBulkable(line, 'no enrollment window or no calendar');
      const cal = calendars[calendar];
      const at = day - cal.first;
      if (at < 0 || at >= cal.days.length || cal.days[at] !== 1)
        throw new NotBulkable(line, 'not an instructional day');

      // the tuple
      let codeA = 0,
        codeZ = 0;
      if (iCode >= 0) {
        codeA = cuts[iCode] + 1;
        codeZ = cuts[iCode + 1];
      }
      if (o + TUPLE_FIXED + (codeZ - codeA) > out.length) flush(TUPLE_FIXED + (codeZ - codeA));
      if (withKeys) {
        view.setInt16(o, 8);
        view.setInt32(o + 2, 4);
        view.setInt32(o + 6, opts.districtId);
        o += 10;
      } else {
        view.setInt16(o, 6);
        o += 2;
      }
      view.setInt32(o, 4);
      view.setInt32(o + 4, student.id);
      view.setInt32(o + 8, 4);
      view.setInt32(o + 12, day);
      o += 16;
      const cat = CATEGORY_BYTES[category];
      view.setInt32(o, cat.length);
      o += 4;
      for (let k = 0; k < cat.length; k++) out[o++] = cat[k];
      const stored = float4OfText(fraction);
      view.setInt32(o, 4);
      view.setFloat32(o + 4, stored);
      o += 8;
      months?.add(student.index, day, stored, suspension === 1);
      if (suspension < 0) {
        view.setInt32(o, -1);
        o += 4;
      } else {
        view.setInt32(o, 3);
        o += 4;
        const s = SUSPENSION_BYTES[suspension];
        out[o++] = s[0];
        out[o++] = s[1];
        out[o++] = s[2];
      }
      if (codeZ === codeA) {
        view.setInt32(o, -1);
        o += 4;
      } else {
        view.setInt32(o, codeZ - codeA);
        o += 4;
        for (let k = codeA; k < codeZ; k++) out[o++] = buf[k];
      }
      if (withKeys) {
        view.setInt32(o, 4);
        view.setInt32(o + 4, opts.importId);
        o += 8;
      }
      p = next;
    }
  };

  const pending: Uint8Array[] = [];
  const flush = (need: number): void => {
    if (o > 0) pending.push(out.subarray(0, o));
    out = Buffer.allocUnsafe(Math.max(OUT_BYTES, need));
    view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    o = 0;
  };

  const block = (buf: Buffer, end: number): void => {
    let start = 0;
    if (first) {
      first = false;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    }
    if (!isUtf8(buf.subarray(start, end))) throw new NotBulkable(line + 1, 'bytes that are not UTF-8');
    const zero = buf.indexOf(0, start);
    if (zero >= 0 && zero < end) throw new NotBulkable(line + 1, 'a NUL byte');
    if (header === null) {
      const nl = buf.indexOf(10, start);
      const headerEnd = nl < 0 || nl >= end ? end : nl;
      line = 1;
      readHeader(buf, start, headerEnd);
      start = Math.min(end, headerEnd + 1);
    }
    rowsOf(buf, start, end);
  };

  for await (const chunk of bytes) {
    const buf: Buffer = carry
      ? Buffer.concat([carry, chunk])
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const cut = buf.lastIndexOf(10) + 1;
    if (cut === 0) {
      carry = buf;
      continue;
    }
    carry = cut < buf.length ? buf.subarray(cut) : null;
    block(buf, cut);
    flush(0);
    yield* pending.splice(0);
  }
  if (carry) block(carry, carry.length);
  if (header === null) throw new NotBulkable(1, 'empty file');
  if (counter.rows === 0) throw new NotBulkable(2, 'no data rows');
  flush(0);
  yield* pending.splice(0);
}
