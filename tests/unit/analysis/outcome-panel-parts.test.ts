import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { enrolledMonths, monthOfDay, type EnrollmentSpan } from '../../../analysis/enrolled-days.ts';
import { NULL_INT4, unpackBinary, unpackNumbers, type PackedField } from '../../../analysis/packed-rows.ts';
import { combinePanel, type DailySums, type MonthlyRow } from '../../../analysis/student-month-panel.ts';

describe('packed rows', () => {
  it('unpacks the documented example', () => {
    expect([...unpackNumbers(['1,2.5,\n3,-4,5'], 3)]).toEqual([1, 2.5, NaN, 3, -4, 5]);
    expect(unpackNumbers(['', '7,8'], 2)).toEqual(Float64Array.from([7, 8]));
  });

  it('gives every number as Number() parses its text', () => {
    const num = fc.oneof(
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, 123456789012345, 2 ** 60, 0.1, 1e-7, 5e-324),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(num, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 20 }),
        (rows) => {
          const text = rows.map((r) => r.map(String).join(',')).join('\n');
          const want = rows.flat().map((x) => Number(String(x)));
          expect([...unpackNumbers([text], 3)]).toEqual(want);
        },
      ),
    );
  });

  it('refuses rows of the wrong width', () => {
    expect(() => unpackNumbers(['1,2\n3'], 2)).toThrow('1 fields');
    expect(() => unpackNumbers(['1,2,3'], 2)).toThrow('more than 2');
  });
});

/** Bytes as the database's int4send / float8send write them (big-endian). */
function sendBytes(rows: number[][], layout: readonly PackedField[]): Uint8Array {
  const width = layout.reduce((n, f) => n + (f === 'int4' ? 4 : 8), 0);
  const out = new Uint8Array(rows.length * width);
  const view = new DataView(out.buffer);
  let p = 0;
  for (const r of rows)
    r.forEach((x, f) => {
      if (layout[f] === 'int4') {
        view.setInt32(p, x);
        p += 4;
      } else {
        view.setFloat64(p, x);
        p += 8;
      }
    });
  return out;
}

describe('binary-packed rows', () => {
  it('unpacks the documented example', () => {
    const bytes = Uint8Array.of(0, 0, 0, 7, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0);
    expect([...unpackBinary([bytes], ['int4', 'float8'])]).toEqual([7, 1.5]);
  });

  it('gives every field exactly, NULL (NULL_INT4, NaN) as NaN, across chunks and offsets', () => {
    const layout: PackedField[] = ['int4', 'float8', 'int4'];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), fc.constant(NULL_INT4)),
            fc.oneof(fc.double({ noDefaultInfinity: true }), fc.constant(NaN)),
            fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          ),
          { maxLength: 20 },
        ),
        fc.nat({ max: 20 }),
        (rows, split) => {
          const at = Math.min(split, rows.length);
          // the second chunk a view into a larger buffer, as a driver's Buffer often is
          const second = sendBytes(rows.slice(at), layout);
          const padded = new Uint8Array(second.length + 3);
          padded.set(second, 3);
          const chunks = [sendBytes(rows.slice(0, at), layout), padded.subarray(3)];
          const want = rows.flat().map((x) => (x === NULL_INT4 ? NaN : x));
          expect([...unpackBinary(chunks, layout)]).toEqual(want);
        },
      ),
    );
  });

  it('refuses a chunk that is not whole rows', () => {
    expect(() => unpackBinary([new Uint8Array(13)], ['int4', 'float8'])).toThrow('13 bytes');
  });
});

const DAY0 = Math.round(Date.parse('2025-08-25T00:00:00Z') / 86_400_000);

describe('enrolled days from calendars and enrollment windows', () => {
  it('gives the documented example', () => {
    expect(
      enrolledMonths(
        [{ schoolId: 1, days: [20333, 20334, 20364] }],
        [{ studentId: 7, schoolId: 1, entry: 20334, exit: null }],
        0,
        99999,
      ),
    ).toEqual({ studentIds: [7, 7], months: [24308, 24309], days: [1, 1] });
  });

  it('counts the distinct instructional days of each student and month (brute force)', () => {
    const schoolDays = fc.uniqueArray(fc.nat(120), { maxLength: 80 }).map((d) => d.sort((a, b) => a - b));
    const span = fc.record({
      studentId: fc.integer({ min: 1, max: 6 }),
      schoolId: fc.integer({ min: 1, max: 3 }),
      entry: fc.integer({ min: -5, max: 125 }),
      length: fc.option(fc.nat(90), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.tuple(schoolDays, schoolDays, schoolDays),
        fc.array(span, { maxLength: 10 }),
        fc.integer({ min: -5, max: 125 }),
        fc.integer({ min: 0, max: 130 }),
        (days, raw, lo, width) => {
          const calendars = days.map((d, k) => ({ schoolId: k + 1, days: d.map((x) => x + DAY0) }));
          const spans: EnrollmentSpan[] = raw.map((s) => ({
            studentId: s.studentId,
            schoolId: s.schoolId,
            entry: s.entry + DAY0,
            exit: s.length === null ? null : s.entry + s.length + DAY0,
          }));
          const [a, b] = [lo + DAY0, lo + width + DAY0];
          const want = new Map<string, Set<number>>();
          for (const s of spans)
            for (const d of calendars[s.schoolId - 1].days)
              if (d >= Math.max(a, s.entry) && d <= Math.min(b, s.exit ?? Infinity)) {
                const key = `${s.studentId}|${monthOfDay(d)}`;
                want.set(key, (want.get(key) ?? new Set()).add(d));
              }
          const got = enrolledMonths(calendars, spans, a, b);
          const gotKeys = got.studentIds.map((s, i) => [s, got.months[i], got.days[i]]);
          const wantKeys = [...want]
            .map(([k, v]) => [...k.split('|').map(Number), v.size])
            .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          expect(gotKeys).toEqual(wantKeys);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('one window panel from its sources', () => {
  const sums = (rows: [number, number, number, number, number, number][]): DailySums => ({
    studentIds: Int32Array.from(rows.map((r) => r[0])),
    months: Int32Array.from(rows.map((r) => r[1])),
    records: Int32Array.from(rows.map((r) => r[2])),
    absence: Float64Array.from(rows.map((r) => r[3])),
    chronic: Int32Array.from(rows.map((r) => r[4])),
    lastDays: Int32Array.from(rows.map((r) => r[5])),
  });
  const SEP = 2025 * 12 + 8;

  it('takes enrolled days from the calendar, else the records, else the monthly row, in student and month order', () => {
    const monthly: MonthlyRow[] = [
      { studentId: 9, month: SEP, enrolledDays: 18, absentDays: 2.5 },
      { studentId: 5, month: SEP + 1, enrolledDays: 20, absentDays: 1 },
    ];
    const panel = combinePanel(
      { studentIds: [5, 5], months: [SEP, SEP + 1], days: [19, 21] },
      sums([
        [9, SEP + 1, 3, 0.3333333432674408, 0, DAY0 + 40],
        [5, SEP + 1, 21, 2.0000001, 2, DAY0 + 37],
      ]),
      monthly,
    );
    expect(panel).toEqual([
      {
        studentId: 5,
        month: '2025-09',
        enrolledDays: 19,
        absenceDays: 0,
        chronicDays: 0,
        source: 'calendar',
        lastRecord: null,
      },
      {
        studentId: 5,
        month: '2025-10',
        enrolledDays: 21,
        absenceDays: 2,
        chronicDays: 2,
        source: 'calendar',
        lastRecord: '2025-10-01',
      },
      {
        studentId: 9,
        month: '2025-09',
        enrolledDays: 18,
        absenceDays: 2.5,
        chronicDays: 2.5,
        source: 'monthly',
        lastRecord: null,
      },
      {
        studentId: 9,
        month: '2025-10',
        enrolledDays: 3,
        absenceDays: 0.333333,
        chronicDays: 0,
        source: 'records',
        lastRecord: '2025-10-04',
      },
    ]);
  });

  it('orders daily sums given in any order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            // ids far apart too (then sorted by comparison, not counted into buckets)
            fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1e8, max: 1e8 + 3 })),
            fc.integer({ min: SEP, max: SEP + 11 }),
          ),
          {
            selector: (x) => `${x[0]}|${x[1]}`,
            maxLength: 60,
          },
        ),
        (keys) => {
          const panel = combinePanel(
            { studentIds: [], months: [], days: [] },
            sums(keys.map(([s, m]) => [s, m, 1, 0, 0, DAY0])),
            [],
          );
          const want = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          expect(panel.map((r) => [r.studentId, r.month])).toEqual(
            want.map(([s, m]) => [s, `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`]),
          );
        },
      ),
    );
  });
});
