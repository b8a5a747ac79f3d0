import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sql } from 'kysely';
import { float4Numeric } from '../../../../cohorts/imports/attendance-month-counts.ts';
import { loadStudentMonthPanels, type OutcomeWindow } from '../../../../analysis/outcomes.store.ts';
import { randomizeStudy } from '../../../../assignment/assignment.service.ts';
import { enrollDistrict } from '../../../../cohorts/study.service.ts';
import type { Db } from '../../../../db/connection.ts';
import { dayMonthDrift } from '../../../helpers/attendance-day-month.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { oracleStudentMonthPanels } from '../../../helpers/outcome-panel-oracle.ts';
import {
  calendarCsv,
  DAILY_HEADER,
  enrolledDays,
  ENROLLMENT_CSV,
  SCHOOLS_CSV,
  STUDENTS_CSV,
  WINDOWS,
} from './fixture-district.ts';
import { ACTOR, importer, importFixtureBase, studyWithDistrict, TempFiles } from './import-helpers.ts';

/**
 * attendance_day_month (migration 015) stays exact under every way an import writes daily rows (a
 * district's first bulk load, later files through the parent, files that correct stored rows, the
 * general reader's direct copy), and the outcome panels read from it equal, row for row, the panels
 * of the query that grouped every daily row (the oracle), for windows that cut months anywhere.
 */

const SLUG = 'day-months';
const LEAIDS = ['0100005', '0100007'];
const SIS = Object.keys(WINDOWS);

/** A day's attendance as a file writes it: category, fraction text and suspension. */
const DAY_KINDS: [string, string, string][] = [
  ['present', '0', ''],
  ['present', '', ''],
  ['unexcused', '1', ''],
  ['excused', '', ''],
  ['excused', '0.5', ''],
  ['partial', '0.3333333333', ''],
  ['partial', '0.0000001', ''],
  ['partial', '0.1', ''],
  ['early_departure', '0.6666667', ''],
  ['partial', '0.01953125', ''],
  ['unexcused', '1', 'iss'],
  ['unexcused', '1', 'oss'],
  ['partial', '0.7', 'iss'],
  ['tardy', '0', ''],
];

interface Row {
  sis: string;
  date: string;
  kind: number;
}

/** A file's text; its sis_code names the file, so no two files are the same bytes. */
function fileText(rows: Row[], code: string): string {
  const byKey = new Map(rows.map((r) => [`${r.sis}|${r.date}`, r]));
  return `${DAILY_HEADER}\n${[...byKey.values()]
    .map((r) => {
      const [category, fraction, suspension] = DAY_KINDS[r.kind];
      return `${r.sis},${r.date},${category},${fraction},${suspension},${code}`;
    })
    .join('\n')}\n`;
}

const rowArb: fc.Arbitrary<Row> = fc
  .record({
    sis: fc.constantFrom(...SIS),
    day: fc.nat(60),
    kind: fc.nat(DAY_KINDS.length - 1),
  })
  .map(({ sis, day, kind }) => {
    const days = enrolledDays(sis);
    return { sis, date: days[day % days.length], kind };
  });

const fileArb = fc.record({
  district: fc.nat(LEAIDS.length - 1),
  rows: fc.array(rowArb, { minLength: 1, maxLength: 40 }),
  encoding: fc.constantFrom('utf-8' as const, 'utf-8' as const, 'windows-1252' as const),
});

const dayArb = fc.integer({ min: 0, max: 110 }).map((n) => {
  const t = Date.parse('2025-08-15T00:00:00Z') + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
});

const windowArb: fc.Arbitrary<OutcomeWindow> = fc
  .tuple(dayArb, dayArb)
  .map(([a, b]) => (a <= b ? { start: a, end: b } : { start: b, end: a }));

function decimalOf({ digits, scale }: { digits: bigint; scale: number }): string {
  const t = digits.toString().padStart(scale + 1, '0');
  return scale === 0 ? t : `${t.slice(0, t.length - scale)}.${t.slice(t.length - scale)}`;
}

/** A decimal's text without trailing zeros after the point. */
const canonical = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);

describe(`attendance summed per student and month (${testDialect})`, () => {
  let db: Db;
  let studyId: number;
  const files = new TempFiles();
  let fileNo = 0;
  const imports = LEAIDS.map(() => undefined as unknown as ReturnType<typeof importer>);

  const importRows = async (district: number, rows: Row[], encoding: 'utf-8' | 'windows-1252') =>
    imports[district]('attendance', `attendance-${++fileNo}.csv`, fileText(rows, `F${fileNo}`), {
      encoding,
    });

  const expectPanelsAsOracle = async (windows: OutcomeWindow[]) => {
    for (const scope of ['study', 'districts'] as const) {
      const got = await loadStudentMonthPanels(db.kysely, studyId, windows, scope);
      const want = await oracleStudentMonthPanels(db.kysely, studyId, windows, scope);
      expect(got).toEqual(want);
    }
  };

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, SLUG, LEAIDS[0]);
    await enrollDistrict(
      db,
      { study: SLUG, leaid: LEAIDS[1], name: 'District two', state: 'AL', locale: 42 },
      ACTOR,
    );
    for (const [k, leaid] of LEAIDS.entries()) {
      imports[k] = importer(db, files, SLUG, leaid);
      if (k === 0) await importFixtureBase(imports[k]);
      else {
        // the fixture district again, its schools' NCES ids under this LEAID
        await imports[k]('schools', 'schools.csv', SCHOOLS_CSV.replaceAll(LEAIDS[0], leaid));
        await imports[k]('roster', 'students.csv', STUDENTS_CSV);
        await imports[k]('calendar', 'calendar.csv', calendarCsv());
        await imports[k]('enrollment', 'enrollment.csv', ENROLLMENT_CSV);
      }
    }
    await randomizeStudy(db, { study: SLUG, actor: ACTOR });
    const s = await db.kysely
      .selectFrom('study')
      .select('id')
      .where('slug', '=', SLUG)
      .executeTakeFirstOrThrow();
    studyId = s.id;
  }, 120_000);
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it("turns a real into numeric as the database does (float4Numeric, the first load's sums)", async () => {
    const floats = fc.sample(
      fc.oneof(
        fc.float({ min: 0, max: 1, noNaN: true }),
        fc.float({ min: 0, max: Math.fround(1e-6), noNaN: true }),
        fc.integer({ min: 0, max: 1 << 20 }).map((n) => Math.fround(n / (1 << 20))),
      ),
      { numRuns: 400, seed: 7 },
    );
    const r = await sql<{ t: string }>`
      SELECT (x::real)::numeric::text AS t FROM unnest(${floats.map(String)}::text[]) WITH ORDINALITY AS u(x, i)
      ORDER BY i`.execute(db.kysely);
    const mismatched = floats
      .map((f, i) => ({ f, want: canonical(r.rows[i].t), got: canonical(decimalOf(float4Numeric(f))) }))
      .filter((x) => x.want !== x.got);
    expect(mismatched).toEqual([]);
  });

  it("counts a district's first bulk load as it reads it, every fraction exactly", async () => {
    // every kind of day for every student of the first district, September and part of October
    const rows: Row[] = [];
    for (const sis of SIS)
      enrolledDays(sis).forEach((date, i) => {
        if (date <= '2025-10-20')
          rows.push({ sis, date, kind: (i * 5 + sis.charCodeAt(5)) % DAY_KINDS.length });
      });
    // two students without any record
    const first = await importRows(
      0,
      rows.filter((r) => r.sis !== '000104'),
      'utf-8',
    );
    expect(first).toMatchObject({ status: 'imported', route: 'bulk' });
    expect(await dayMonthDrift(db.kysely)).toEqual([]);
    const stored = await sql<{ n: number; parts: number }>`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE absence <> round(absence))::int AS parts
      FROM attendance_day_month`.execute(db.kysely);
    expect(stored.rows[0].n).toBe(6);
    expect(stored.rows[0].parts).toBeGreaterThan(0);
    // a later file of the same months (through the parent's triggers), then a correction
    const later = rows.filter((r) => r.sis === '000104');
    expect(await importRows(0, later, 'utf-8')).toMatchObject({ status: 'imported', route: 'bulk' });
    const corrected = rows
      .filter((_, i) => i % 4 === 0)
      .map((r) => ({ ...r, kind: (r.kind + 3) % DAY_KINDS.length }));
    expect(await importRows(0, corrected, 'utf-8')).toMatchObject({ status: 'imported', route: 'merged' });
    expect(await dayMonthDrift(db.kysely)).toEqual([]);
    await expectPanelsAsOracle([
      { start: '2025-09-01', end: '2025-10-31' },
      { start: '2025-09-10', end: '2025-10-15' },
      { start: '2025-10-07', end: '2025-10-07' },
      { start: '2025-08-01', end: '2025-09-30' },
    ]);
  }, 120_000);

  it('keeps the sums exact and the panels equal to the daily query after random files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fileArb, { minLength: 1, maxLength: 3 }),
        fc.array(windowArb, { minLength: 1, maxLength: 3 }),
        async (batch, windows) => {
          for (const f of batch) {
            const r = await importRows(f.district, f.rows, f.encoding);
            expect(r.status).toBe('imported');
          }
          expect(await dayMonthDrift(db.kysely)).toEqual([]);
          await expectPanelsAsOracle(windows);
        },
      ),
      { numRuns: 25, seed: 20261206 },
    );
  }, 600_000);

  it('leaves monthly rows and students without daily rows as the daily query does', async () => {
    const monthly = `student_id,month,enrolled_days,absent_days\n000104,2025-11,18,2.5\n000101,2025-10,20,1\n`;
    expect(await imports[1]('attendance', 'monthly.csv', monthly)).toMatchObject({ status: 'imported' });
    await expectPanelsAsOracle([
      { start: '2025-09-15', end: '2025-11-30' },
      { start: '2025-11-01', end: '2025-11-30' },
    ]);
  }, 120_000);
});
