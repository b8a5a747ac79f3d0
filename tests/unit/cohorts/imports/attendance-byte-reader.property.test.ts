import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import {
  attendanceBulkColumns,
  attendanceDailyTuples,
  NotBulkable,
  StudentsByBytes,
} from '../../../../cohorts/imports/attendance-byte-reader.ts';
import type { DistrictReference } from '../../../../cohorts/imports/district-reference.ts';
import { ProblemSink } from '../../../../cohorts/imports/import-problems.ts';
import { readerFor } from '../../../../cohorts/imports/import-readers.ts';
import type { ImportRequest } from '../../../../cohorts/imports/import-request.ts';
import { copyCsvRows } from '../../../../cohorts/imports/import-stream.service.ts';
import type { Session } from '../../../../db/connection.ts';
import { decodeTuples, exactFloat32 } from '../../../helpers/copy-binary.ts';

/**
 * The byte path of daily attendance (attendance-byte-reader.ts) must take exactly what the general reader
 * takes: whenever it accepts a file, the general reader accepts it too, with the same values (the
 * fraction as float4in would round the general reader's text) and the same warnings; whenever the
 * general reader finds a problem, the byte path stops. Random files mix valid rows with every kind of
 * deviation, split into random chunks.
 */

const dir = mkdtempSync(join(tmpdir(), 'pilot-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
const weekday = (d: string) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());

const SEPT_OCT = days('2025-09-01', '2025-10-31');
function calendar(holiday: string): Map<string, { instructional: boolean; fraction: number }> {
  return new Map(SEPT_OCT.map((d) => [d, { instructional: weekday(d) && d !== holiday, fraction: 1 }]));
}

const ref: DistrictReference = {
  leaid: '0100005',
  schools: new Map([
    ['S1', 11],
    ['S2', 22],
    ['S3', 33],
  ]),
  students: new Map([
    ['A1', { id: 1, schoolId: 11, householdKey: 'h1' }],
    ['A2', { id: 2, schoolId: 11, householdKey: 'h2' }],
    ['007', { id: 3, schoolId: 22, householdKey: 'h3' }],
    ['B4', { id: 4, schoolId: 11, householdKey: 'h4' }], // no enrollment windows
    ['C5', { id: 5, schoolId: 33, householdKey: 'h5' }], // enrolled at a school without a calendar
    ['Zoë', { id: 6, schoolId: 11, householdKey: 'h6' }],
  ]),
  enrollments: new Map([
    [1, [{ schoolId: 11, entry: '2025-09-01', exit: null }]],
    [
      2,
      [
        { schoolId: 11, entry: '2025-09-01', exit: '2025-09-30' },
        { schoolId: 22, entry: '2025-10-01', exit: null },
      ],
    ],
    [3, [{ schoolId: 22, entry: '2025-09-15', exit: '2025-10-20' }]],
    [5, [{ schoolId: 33, entry: '2025-09-01', exit: null }]],
    [6, [{ schoolId: 11, entry: '2025-09-01', exit: null }]],
  ]),
  calendars: new Map([
    [11, calendar('2025-10-13')],
    [22, calendar('2025-09-26')],
  ]),
};

/** Days each valid student may have a row. */
const VALID_DAYS: Record<string, string[]> = {
  A1: SEPT_OCT.filter((d) => ref.calendars.get(11)!.get(d)!.instructional),
  A2: SEPT_OCT.filter((d) =>
    d <= '2025-09-30'
      ? ref.calendars.get(11)!.get(d)!.instructional
      : ref.calendars.get(22)!.get(d)!.instructional,
  ),
  '007': SEPT_OCT.filter(
    (d) => d >= '2025-09-15' && d <= '2025-10-20' && ref.calendars.get(22)!.get(d)!.instructional,
  ),
  Zoë: SEPT_OCT.filter((d) => ref.calendars.get(11)!.get(d)!.instructional),
};

type Row = {
  student_id: string;
  date: string;
  category: string;
  absent_fraction: string;
  suspension: string;
  sis_code: string;
  notes: string;
};

const validAbsence = fc.constantFrom(
  { category: 'present', absent_fraction: '', suspension: '' },
  { category: 'present', absent_fraction: '0', suspension: '' },
  { category: 'Present', absent_fraction: '0', suspension: '' },
  { category: 'In Attendance', absent_fraction: '', suspension: 'ISS' },
  { category: 'tardy', absent_fraction: '0.25', suspension: '' },
  { category: 'excused', absent_fraction: '', suspension: '' },
  { category: 'excused', absent_fraction: '1', suspension: 'oss' },
  { category: 'excused', absent_fraction: '0', suspension: 'iss' },
  { category: 'Excused Absence', absent_fraction: '0.5', suspension: '' },
  { category: 'unexcused', absent_fraction: '1', suspension: 'Out of School Suspension' },
  { category: 'early_departure', absent_fraction: '0.333', suspension: '' },
  { category: 'early_departure', absent_fraction: '.5', suspension: '' },
  { category: 'partial', absent_fraction: '0.30000001192092896', suspension: '' },
  { category: 'partial', absent_fraction: '0.1', suspension: 'oss' },
);

const validRow: fc.Arbitrary<Row> = fc
  .constantFrom(...Object.keys(VALID_DAYS))
  .chain((sis) =>
    fc.record({
      student_id: fc.constant(sis),
      date: fc.constantFrom(...VALID_DAYS[sis]),
      absence: validAbsence,
      sis_code: fc.constantFrom('', 'P', 'EXC', 'é', ' X', 'a b'),
      notes: fc.constantFrom('', 'n'),
    }),
  )
  .map(({ absence, ...r }) => ({ ...r, ...absence }));

/** One field of a valid row replaced by something the general reader warns about or refuses. */
const deviantRow: fc.Arbitrary<Row> = fc
  .tuple(
    validRow,
    fc.constantFrom<[keyof Row, string]>(
      ['student_id', 'ZZ'],
      ['student_id', ' A1'],
      ['student_id', 'B4'],
      ['student_id', 'C5'],
      ['student_id', ''],
      ['date', '2025-09-06'], // a Saturday
      ['date', '2025-09-08'], // before 007 enrolled
      ['date', '2025-10-27'], // after 007 left
      ['date', '2025-10-13'], // a holiday at S1 only (A2 is at S2 in October)
      ['date', '2025-09-26'], // a holiday at S2 only (A2 is at S1 in September)
      ['date', '2025-02-30'],
      ['date', '09/02/2025'],
      ['date', '2025-12-01'],
      ['date', '2025-9-02'],
      ['category', 'bogus'],
      ['category', ''],
      ['absent_fraction', '2'],
      ['absent_fraction', 'x'],
      ['absent_fraction', '50%'],
      ['suspension', 'nope'],
      ['suspension', ' '],
      ['sis_code', '"quoted, with comma"'],
      ['sis_code', 'a"b'],
      ['sis_code', 'a\u0000b'],
      ['notes', 'x,y'],
    ),
  )
  .map(([r, [k, v]]) => ({ ...r, [k]: v }));

const fileArb = fc.record({
  columns: fc
    .tuple(fc.shuffledSubarray(['absent_fraction', 'suspension', 'sis_code', 'notes'] as const), fc.boolean())
    .chain(([optional, _]) =>
      fc.shuffledSubarray(['student_id', 'date', 'category', ...optional] as (keyof Row)[], {
        minLength: 3 + optional.length,
      }),
    ),
  rows: fc.array(fc.oneof({ weight: 12, arbitrary: validRow }, { weight: 1, arbitrary: deviantRow }), {
    minLength: 0,
    maxLength: 8,
  }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  blankAfter: fc.integer({ min: -1, max: 8 }),
  trailingNewline: fc.boolean(),
  exceptions: fc.boolean(),
  chunk: fc.integer({ min: 1, max: 64 }),
});

let n = 0;
async function generic(text: Buffer, exceptions: boolean) {
  const path = join(dir, `f${n++}.csv`);
  writeFileSync(path, text);
  const req: ImportRequest = { study: 's', leaid: '0100005', kind: 'attendance', path, exceptions };
  const sink = new ProblemSink('a.csv');
  let csv = '';
  const session = {
    copyCsv: async (_t: string, _c: string[], chunks: AsyncIterable<string>) => {
      for await (const c of chunks) csv += c;
      return 0;
    },
  } as unknown as Session;
  const rows = await copyCsvRows(
    session,
    { table: 't', direct: true, fixed: { district_id: 9, import_id: 7 } },
    readerFor('attendance_daily', ref, req),
    req,
    sink,
  );
  const records = Papa.parse<string[]>(csv.trimEnd(), { newline: '\n' }).data.filter((r) => r.length > 1);
  return { rows, sink, records };
}

async function bulk(text: Buffer, exceptions: boolean, chunk: number) {
  async function* chunks() {
    for (let i = 0; i < text.length; i += chunk) yield text.subarray(i, i + chunk);
  }
  const sink = new ProblemSink('a.csv');
  const counter = { rows: 0 };
  const out: Uint8Array[] = [];
  try {
    for await (const c of attendanceDailyTuples(
      chunks(),
      ref,
      { districtId: 9, importId: 7, withKeys: true, exceptions },
      sink,
      counter,
    ))
      out.push(c);
  } catch (e) {
    if (e instanceof NotBulkable) return null;
    throw e;
  }
  return {
    rows: counter.rows,
    sink,
    tuples: decodeTuples(out, ['int4', 'int4', 'date', 'text', 'float4', 'text', 'text', 'int4']),
  };
}

describe('students by the bytes of their id', () => {
  it('finds every id among many, as bytes anywhere in a buffer, and nothing else', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) =>
      i % 3 === 0 ? String(i).padStart(7, '0') : `S-${i}é`,
    );
    const map = new StudentsByBytes(
      ids.map((id, i) => [id, { id: i, index: i, windows: new Int32Array(0) }]),
    );
    const wrong: string[] = [];
    ids.forEach((id, i) => {
      const b = Buffer.from(`xx,${id},yy`, 'utf8');
      const at = 3;
      if (map.get(b, at, at + Buffer.byteLength(id))?.id !== i) wrong.push(id);
    });
    expect(wrong).toEqual([]);
    for (const miss of ['', '1', '000000', 'S-1', 'S-1e', '0000003 ', 'S-20000é'])
      expect(map.get(Buffer.from(miss), 0, Buffer.byteLength(miss))).toBeUndefined();
  });
});

describe('daily attendance byte path', () => {
  it('writes the columns of its mode', () => {
    expect(attendanceBulkColumns(true)).toEqual([
      'district_id',
      'student_id',
      'date',
      'category',
      'absent_fraction',
      'suspension',
      'sis_code',
      'import_id',
    ]);
    expect(attendanceBulkColumns(false)).toEqual([
      'student_id',
      'date',
      'category',
      'absent_fraction',
      'suspension',
      'sis_code',
    ]);
  });

  it('accepts exactly what the general reader accepts, with the same values and warnings', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const eol = f.crlf ? '\r\n' : '\n';
        const lines = [f.columns.join(','), ...f.rows.map((r) => f.columns.map((c) => r[c]).join(','))];
        if (f.blankAfter >= 0 && f.blankAfter < lines.length) lines.splice(f.blankAfter + 1, 0, '');
        const body = lines.join(eol) + (f.trailingNewline ? eol : '');
        const text = Buffer.concat([Buffer.from(f.bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(body, 'utf8')]);
        const g = await generic(text, f.exceptions);
        const b = await bulk(text, f.exceptions, f.chunk);
        if (g.sink.failed) {
          refused++;
          expect(b).toBeNull();
          return;
        }
        if (b === null) return; // left to the general reader (a quoted field, a warning it does not give…)
        accepted++;
        expect(b.rows).toBe(g.rows);
        expect(b.sink.warnings).toEqual(g.sink.warnings);
        expect(b.tuples).toHaveLength(g.records.length);
        b.tuples.forEach((t, i) => {
          const [student, date, category, fraction, suspension, code, districtId, importId] = g.records[i];
          expect(t).toEqual([
            Number(districtId),
            Number(student),
            date,
            category,
            exactFloat32(fraction),
            suspension === '' ? null : suspension,
            code === '' ? null : code,
            Number(importId),
          ]);
        });
      }),
      { numRuns: 400 },
    );
    // both sides of the property were exercised
    expect(accepted).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(30);
  });

  it('stops at bytes that are not UTF-8 and at a quoted header, leaving them to the general reader', async () => {
    const row = 'A1,2025-09-02,present,0,,P\n';
    const bad = Buffer.concat([
      Buffer.from(
        `student_id,date,category,absent_fraction,suspension,sis_code\n${row}A1,2025-09-03,present,0,,`,
      ),
      Buffer.from([0xe9, 0x0a]),
    ]);
    expect(await bulk(bad, false, 1 << 20)).toBeNull();
    expect(await bulk(Buffer.from(`"student_id",date,category\n${row}`), false, 7)).toBeNull();
    expect(await bulk(Buffer.from(''), false, 7)).toBeNull();
    expect(await bulk(Buffer.from('student_id,date,category\n'), false, 7)).toBeNull();
    const ok = await bulk(
      Buffer.from(`student_id,date,category,absent_fraction,suspension,sis_code\n${row}`),
      false,
      3,
    );
    expect(ok?.tuples).toEqual([[9, 1, '2025-09-02', 'present', 0, null, 'P', 7]]);
  });
});
