import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { dayMonthDrift } from '../../../helpers/attendance-day-month.ts';
import { sql } from 'kysely';
import type { Db } from '../../../../db/connection.ts';
import { migrateDown, migrateToLatest } from '../../../../db/migrate.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { DAILY_HEADER, dailyCsv, dailyRows, type DailyRow } from './fixture-district.ts';
import {
  importer,
  importFixtureBase,
  problemsOf,
  refusal,
  studyDistrictId,
  studyWithDistrict,
  TempFiles,
} from './import-helpers.ts';

/**
 * Daily attendance lives in one partition per district (migration 004). A district's first file is
 * read by the byte path and copied in binary into a new partition that is indexed, checked and
 * attached afterwards; later files go through attendance_day; a file the byte path leaves alone is
 * read by the general reader. Whichever way, the same rows are stored.
 */
describe(`attendance partitions and the byte path (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  let bytes: ReturnType<typeof importer>;
  let general: ReturnType<typeof importer>;

  /** Fractions whose float4 differs between rounding the double and rounding the text, and plain ones. */
  const FRACTIONS = ['0.30000001192092896', '0.1', '0.333', '0.7', '0.2500000074505806', '0.05'];

  function septemberRows(): DailyRow[] {
    return dailyRows('2025-09-01', '2025-09-30').map((r, i) =>
      i % 5 === 0
        ? { ...r, category: 'partial', fraction: Number(FRACTIONS[i % FRACTIONS.length]), code: 'Q' }
        : r,
    );
  }
  const septemberText = () =>
    `${DAILY_HEADER}\n${septemberRows()
      .map((r) =>
        [
          r.sis,
          r.date,
          r.category,
          FRACTIONS.find((f) => Number(f) === r.fraction) ?? r.fraction,
          r.suspension,
          r.code,
        ].join(','),
      )
      .join('\n')}\n`;
  /** The same rows with every field quoted: the byte path leaves such a file to the general reader. */
  const quoted = (text: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((l) =>
        l
          .split(',')
          .map((f) => `"${f}"`)
          .join(','),
      )
      .join('\n') + '\n';

  const districtId = (study: string) => studyDistrictId(db, study);

  async function partition(study: string) {
    const t = `attendance_day_d${await districtId(study)}`;
    const r = await sql<{
      attached: boolean;
      pkey: string | null;
      triggers: number;
      /** attendance_day_month's (migration 015), among triggers */
      month_triggers: number;
      loading: number;
      defaults: number;
    }>`SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(${t}) AND inhparent = 'attendance_day'::regclass) AS attached,
              (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(${t}) AND contype = 'p') AS pkey,
              (SELECT count(*)::int FROM pg_trigger WHERE tgrelid = to_regclass(${t}) AND NOT tgisinternal) AS triggers,
              (SELECT count(*)::int FROM pg_trigger WHERE tgrelid = to_regclass(${t}) AND NOT tgisinternal
                AND tgname LIKE '%\\_month\\_%') AS month_triggers,
              (SELECT count(*)::int FROM pg_constraint WHERE conrelid = to_regclass(${t}) AND (conname LIKE '%_loading' OR conname LIKE '%_students')) AS loading,
              (SELECT count(*)::int FROM pg_attrdef WHERE adrelid = to_regclass(${t})) AS defaults`.execute(
      db.kysely,
    );
    return {
      exists:
        (await sql<{ t: string | null }>`SELECT to_regclass(${t})::text AS t`.execute(db.kysely)).rows[0]
          .t !== null,
      ...r.rows[0],
    };
  }

  async function stored(study: string) {
    const r = await sql<{ row: string }>`
      SELECT concat_ws('|', s.sis_id, a.date::text, a.category, a.absent_fraction::float8::text, a.suspension, a.sis_code) AS row
      FROM attendance_day a JOIN student s ON s.id = a.student_id JOIN district d ON d.id = a.district_id
      WHERE d.id = ${await districtId(study)} ORDER BY 1`.execute(db.kysely);
    return r.rows.map((x) => x.row);
  }

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'bytes');
    await studyWithDistrict(db, 'general');
    bytes = importer(db, files, 'bytes');
    general = importer(db, files, 'general');
    await importFixtureBase(bytes);
    await importFixtureBase(general);
  });
  // attendance_day_month (migration 015) equals the daily rows after every test
  afterEach(async () => {
    expect(await dayMonthDrift(db.kysely)).toEqual([]);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('refuses a first file with a repeated row, leaving no partition behind', async () => {
    const rows = septemberRows();
    const error = await refusal(bytes('attendance', 'dup.csv', dailyCsv([...rows, rows[3]])));
    expect(problemsOf(error)).toEqual([
      expect.objectContaining({
        line: rows.length + 2,
        column: 'date',
        reason: expect.stringMatching(/appears on lines 5, /),
      }),
    ]);
    expect((await partition('bytes')).exists).toBe(false);
  });

  it('refuses a first file with an unknown student by line and column, leaving no partition behind', async () => {
    const rows = septemberRows();
    const text = dailyCsv([...rows.slice(0, 40), { ...rows[40], sis: '999999' }, ...rows.slice(41)]);
    const error = await refusal(bytes('attendance', 'unknown.csv', text));
    expect(problemsOf(error)).toEqual([
      expect.objectContaining({
        line: 42,
        column: 'student_id',
        reason: expect.stringMatching(/999999 is not on this district's roster/),
      }),
    ]);
    expect((await partition('bytes')).exists).toBe(false);
  });

  it("a district's first file fills its own partition, attached with its key, its triggers and no loading constraints", async () => {
    const s = await bytes('attendance', 'attendance-2025-09.csv', septemberText());
    expect(s).toMatchObject({
      status: 'imported',
      route: 'bulk',
      rowsRead: septemberRows().length,
      inserted: septemberRows().length,
    });
    expect(await partition('bytes')).toEqual({
      exists: true,
      attached: true,
      pkey: 'PRIMARY KEY (student_id, date, district_id)',
      triggers: 6,
      month_triggers: 4,
      loading: 0,
      defaults: 0,
    });
    expect(await stored('bytes')).toHaveLength(septemberRows().length);
  });

  it('stores what the general reader stores for the same rows, fractions rounded as float4in rounds their text', async () => {
    const s = await general('attendance', 'attendance-2025-09.csv', quoted(septemberText()));
    expect(s).toMatchObject({ status: 'imported', route: 'direct', inserted: septemberRows().length });
    // the general reader's direct copy made the partition empty first, then copied through attendance_day
    expect(await partition('general')).toMatchObject({
      attached: true,
      triggers: 6,
      month_triggers: 4,
      loading: 0,
    });
    expect(await stored('bytes')).toEqual(await stored('general'));
    // each stored float4 is PostgreSQL's own reading of the decimal text the file held
    const stored4 = await sql<{ f: number }>`
      SELECT DISTINCT absent_fraction::float8 AS f FROM attendance_day WHERE category = 'partial' ORDER BY 1`.execute(
      db.kysely,
    );
    const own: number[] = [];
    for (const f of FRACTIONS)
      own.push((await sql<{ v: number }>`SELECT ${f}::real::float8 AS v`.execute(db.kysely)).rows[0].v);
    expect(stored4.rows.map((r) => r.f)).toEqual([...new Set(own)].sort((x, y) => x - y));
  });

  it('later files go through attendance_day into the partition; a changed row is a revision', async () => {
    const october = dailyRows('2025-10-01', '2025-10-31');
    const s = await bytes('attendance', 'attendance-2025-10.csv', dailyCsv(october));
    expect(s).toMatchObject({ status: 'imported', route: 'bulk', inserted: october.length, replaced: 0 });
    const changed = { ...october[0], category: 'excused', fraction: 1, code: 'E2' };
    const c = await bytes('attendance', 'attendance-2025-10-fix.csv', dailyCsv([changed]));
    expect(c).toMatchObject({ status: 'imported', route: 'merged', inserted: 0, replaced: 1 });
    expect(await stored('bytes')).toHaveLength(septemberRows().length + october.length);
    const only = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ONLY attendance_day`.execute(
      db.kysely,
    );
    expect(only.rows[0].n).toBe(0); // every row is in a partition
  });

  it("two districts' first files imported at once both attach their partitions", async () => {
    const studies = ['at-once-1', 'at-once-2', 'at-once-3'];
    const imps = studies.map((study) => importer(db, files, study));
    for (const [i, study] of studies.entries()) {
      await studyWithDistrict(db, study);
      await importFixtureBase(imps[i]);
    }
    const text = septemberText();
    const results = await Promise.all(imps.map((imp) => imp('attendance', 'attendance-2025-09.csv', text)));
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ status: 'imported', route: 'bulk', inserted: septemberRows().length });
      expect(await partition(studies[i])).toMatchObject({
        attached: true,
        triggers: 6,
        month_triggers: 4,
        loading: 0,
      });
      expect(await stored(studies[i])).toEqual(await stored('general')); // September only
    }
  });

  it('migration 004 moves stored rows out of and back into partitions', async () => {
    const before = [...(await stored('bytes')), ...(await stored('general')), ...(await stored('at-once-1'))];
    // Later migrations are reverted first, down to and including 004.
    const down: string[] = [];
    while (!down.includes('2026-11-23-004-attendance-partitions')) down.push(...(await migrateDown(db)));
    expect(down.at(-1)).toBe('2026-11-23-004-attendance-partitions');
    const plain = await sql<{ n: number }>`SELECT count(*)::int AS n FROM attendance_day`.execute(db.kysely);
    expect(plain.rows[0].n).toBe(before.length + 2 * septemberRows().length);
    expect(await migrateToLatest(db)).toEqual([...down].reverse());
    expect([
      ...(await stored('bytes')),
      ...(await stored('general')),
      ...(await stored('at-once-1')),
    ]).toEqual(before);
    expect(await partition('bytes')).toMatchObject({
      attached: true,
      triggers: 6,
      month_triggers: 4,
      loading: 0,
      defaults: 0,
    });
  });
});
