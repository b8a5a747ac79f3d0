import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { dayMonthDrift } from '../../../helpers/attendance-day-month.ts';
import { sql } from 'kysely';
import { verifyAuditChain } from '../../../../db/audit.store.ts';
import type { Db } from '../../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import {
  DAILY_HEADER,
  dailyCsv,
  dailyRows,
  monthlyCsv,
  monthlyRows,
  STUDENTS_CSV,
} from './fixture-district.ts';
import {
  count,
  importer,
  importFixtureBase,
  snapshot,
  studentIds,
  studyWithDistrict,
  TempFiles,
} from './import-helpers.ts';

/** Digest of attendance_day without the rows of the given keys (student id and date). */
async function attendanceDigestExcept(
  db: Db,
  keys: [number, string][],
): Promise<{ rows: number; digest: string }> {
  const skip = keys.map(([s, d]) => `${s}|${d}`);
  const r = await sql<{ rows: number; digest: string }>`
    SELECT count(*)::int AS rows, md5(string_agg(a::text, '|' ORDER BY a::text)) AS digest FROM attendance_day a
    WHERE NOT (a.student_id::text || '|' || a.date::text = ANY(${skip}))`.execute(db.kysely);
  return r.rows[0];
}

describe(`re-imports, files in pieces, revisions and the audit chain (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  let imp: ReturnType<typeof importer>;
  const september = dailyRows('2025-09-01', '2025-09-30');
  const october = dailyRows('2025-10-01', '2025-10-31');
  let septemberImport = 0;

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'revisions');
    imp = importer(db, files, 'revisions');
    await importFixtureBase(imp);
  });
  // attendance_day_month (migration 015) equals the daily rows after every test
  afterEach(async () => {
    expect(await dayMonthDrift(db.kysely)).toEqual([]);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('the same file twice: the second call is already_imported and changes nothing, whatever its name', async () => {
    const first = await imp('attendance', 'attendance-2025-09.csv', dailyCsv(september));
    septemberImport = first.importId;
    expect(first).toMatchObject({ status: 'imported', inserted: september.length });
    const before = await snapshot(db);
    const again = await imp('attendance', 'attendance-2025-09.csv', dailyCsv(september));
    expect(again).toMatchObject({
      status: 'already_imported',
      importId: first.importId,
      sha256: first.sha256,
      inserted: 0,
      replaced: 0,
    });
    const renamed = await imp('attendance', 'copy of september.csv', dailyCsv(september));
    expect(renamed).toMatchObject({ status: 'already_imported', importId: first.importId });
    expect(await snapshot(db)).toEqual(before);
    const rows = await db.kysely
      .selectFrom('import_file')
      .select(['id', 'file_name', 'rows_read', 'rows_inserted'])
      .where('sha256', '=', first.sha256)
      .execute();
    expect(rows).toEqual([
      {
        id: first.importId,
        file_name: 'attendance-2025-09.csv',
        rows_read: september.length,
        rows_inserted: september.length,
      },
    ]);
  });

  it('every kind re-imported is already_imported (roster, contacts, calendar, enrollment)', async () => {
    const before = await snapshot(db);
    const { calendarCsv, CONTACTS_CSV, ENROLLMENT_CSV, SCHOOLS_CSV } = await import('./fixture-district.ts');
    for (const [kind, name, text] of [
      ['schools', 'schools.csv', SCHOOLS_CSV],
      ['roster', 'students.csv', STUDENTS_CSV],
      ['contacts', 'contacts.csv', CONTACTS_CSV],
      ['calendar', 'calendar.csv', calendarCsv()],
      ['enrollment', 'enrollment.csv', ENROLLMENT_CSV],
    ] as const) {
      expect((await imp(kind, name, text)).status).toBe('already_imported');
    }
    expect(await snapshot(db)).toEqual(before);
  });

  it('files in pieces: October after September accumulates, September rows untouched', async () => {
    const septDigest = await attendanceDigestExcept(db, []);
    const s = await imp('attendance', 'attendance-2025-10.csv', dailyCsv(october));
    expect(s).toMatchObject({ status: 'imported', inserted: october.length, replaced: 0 });
    expect(await count(db, 'attendance_day')).toBe(september.length + october.length);
    const sept = await sql<{ rows: number; digest: string }>`
      SELECT count(*)::int AS rows, md5(string_agg(a::text, '|' ORDER BY a::text)) AS digest FROM attendance_day a WHERE a.date < '2025-10-01'`.execute(
      db.kysely,
    );
    expect(sept.rows[0]).toEqual(septDigest);
    expect(await count(db, 'row_revision')).toBe(0);
  });

  it('a revised attendance row replaces the earlier one, keeps its previous values, and deletes nothing', async () => {
    const ids = await studentIds(db);
    const target = september.find((r) => r.sis === '000102' && r.category === 'present')!;
    const same = september.find((r) => r.sis === '000104')!;
    const keys: [number, string][] = [[ids.get(target.sis)!, target.date]];
    const othersBefore = await attendanceDigestExcept(db, keys);
    const total = await count(db, 'attendance_day');
    const text = `${DAILY_HEADER}\n${target.sis},${target.date},excused,1,,EXC\n${same.sis},${same.date},${same.category},${same.fraction},,${same.code}\n`;
    const s = await imp('attendance', 'attendance-2025-09-corrections.csv', text);
    expect(s).toMatchObject({ status: 'imported', rowsRead: 2, inserted: 0, replaced: 1, unchanged: 1 });
    const row = await db.kysely
      .selectFrom('attendance_day')
      .selectAll()
      .where('student_id', '=', keys[0][0])
      .where('date', '=', target.date)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      district_id: expect.any(Number),
      student_id: keys[0][0],
      date: target.date,
      category: 'excused',
      absent_fraction: 1,
      suspension: null,
      sis_code: 'EXC',
      import_id: s.importId,
    });
    const revisions = await db.kysely.selectFrom('row_revision').selectAll().execute();
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({
      import_id: s.importId,
      previous_import_id: septemberImport,
      table_name: 'attendance_day',
      row_key: `${keys[0][0]}:${target.date}`,
    });
    expect(revisions[0].previous).toEqual({
      student_id: keys[0][0],
      date: target.date,
      category: 'present',
      absent_fraction: 0,
      suspension: null,
      sis_code: 'P',
    });
    expect(await attendanceDigestExcept(db, keys)).toEqual(othersBefore);
    expect(await count(db, 'attendance_day')).toBe(total);
    const f = await db.kysely
      .selectFrom('import_file')
      .select(['rows_read', 'rows_inserted', 'rows_replaced', 'rows_unchanged'])
      .where('id', '=', s.importId)
      .executeTakeFirstOrThrow();
    expect(f).toEqual({ rows_read: 2, rows_inserted: 0, rows_replaced: 1, rows_unchanged: 1 });
  });

  it("a revised roster changes one student's grade, keeps the previous grade, and keeps students absent from it", async () => {
    const studentsBefore = await db.kysely
      .selectFrom('student')
      .select(['sis_id', 'grade', 'import_id'])
      .orderBy('sis_id')
      .execute();
    const previousImport = studentsBefore.find((s) => s.sis_id === '000102')!.import_id;
    // The later file lists only two students; 000102 moves up a grade, 000101 is unchanged.
    const lines = STUDENTS_CSV.trim().split('\n');
    const text = `${lines[0]}\n${lines[1]}\n${lines[2].replace(',03,', ',04,')}\n`;
    const s = await imp('roster', 'students-revised.csv', text);
    expect(s).toMatchObject({ status: 'imported', rowsRead: 2, inserted: 0, replaced: 1, unchanged: 1 });
    const after = await db.kysely
      .selectFrom('student')
      .select(['sis_id', 'grade', 'import_id'])
      .orderBy('sis_id')
      .execute();
    expect(after.map((r) => [r.sis_id, r.grade])).toEqual(
      studentsBefore.map((r) => [r.sis_id, r.sis_id === '000102' ? '04' : r.grade]),
    );
    expect(after.filter((r) => r.import_id === s.importId).map((r) => r.sis_id)).toEqual(['000102']);
    const rev = await db.kysely
      .selectFrom('row_revision')
      .selectAll()
      .where('table_name', '=', 'student')
      .execute();
    expect(rev).toHaveLength(1);
    expect(rev[0]).toMatchObject({ import_id: s.importId, previous_import_id: previousImport });
    expect(rev[0].previous).toMatchObject({ sis_id: '000102', grade: '03' });
  });

  it('monthly files in pieces and a monthly revision', async () => {
    const months = monthlyRows();
    const sept = months.filter((m) => m.month === '2025-09');
    const oct = months.filter((m) => m.month === '2025-10');
    const a = await imp('attendance', 'monthly-09.csv', monthlyCsv(sept));
    const b = await imp('attendance', 'monthly-10.csv', monthlyCsv(oct));
    expect([a.inserted, b.inserted]).toEqual([sept.length, oct.length]);
    expect(await count(db, 'attendance_month')).toBe(months.length);
    const changed = { ...sept[0], absent: sept[0].absent + 1 };
    const c = await imp('attendance', 'monthly-09-revised.csv', monthlyCsv([changed]));
    expect(c).toMatchObject({ replaced: 1, inserted: 0 });
    expect(await count(db, 'attendance_month')).toBe(months.length);
    const rev = await db.kysely
      .selectFrom('row_revision')
      .selectAll()
      .where('table_name', '=', 'attendance_month')
      .executeTakeFirstOrThrow();
    expect(rev).toMatchObject({ import_id: c.importId, previous_import_id: a.importId });
    expect((rev.previous as { absent_days: number }).absent_days).toBe(sept[0].absent);
  });

  it('an enrollment window overlapping a stored one under another entry date is kept, with a warning', async () => {
    // 000103 is stored at 0220 from 2025-09-02 to 2025-10-15; a later export corrects the entry date.
    const text = `student_id,school_id,entry_date,exit_date
000104,0220,2025-09-15,
000103,0220,2025-09-05,2025-10-15
`;
    const s = await imp('enrollment', 'enrollment-corrected.csv', text);
    expect(s).toMatchObject({ status: 'imported', inserted: 1, unchanged: 1 });
    expect(s.warnings).toEqual([
      expect.objectContaining({
        line: 3,
        count: 1,
        message: expect.stringMatching(/overlaps a stored window of the same student.*both are kept/),
      }),
    ]);
    const windows = await sql<{ entry: string }>`
      SELECT e.entry_date::text AS entry FROM enrollment e JOIN student s ON s.id = e.student_id
      WHERE s.sis_id = '000103' ORDER BY 1`.execute(db.kysely);
    expect(windows.rows.map((r) => r.entry)).toEqual(['2025-09-02', '2025-09-05']);
  });

  it('each study creation, enrollment and import appended one audit event, and the chain holds', async () => {
    const events = await db.kysely
      .selectFrom('audit_event')
      .select(['action', 'entity', 'details'])
      .orderBy('seq')
      .execute();
    const imports = await db.kysely
      .selectFrom('import_file')
      .select(['kind', 'sha256', 'file_name'])
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.action)).toEqual([
      'study.create',
      'district.enroll',
      ...imports.map(() => 'import'),
    ]);
    expect(events[0].entity).toBe('study:revisions');
    expect(events[1].entity).toBe('study:revisions/district:0100005');
    expect(
      events
        .slice(2)
        .map((e) => [
          (e.details as { kind: string }).kind,
          (e.details as { sha256: string }).sha256,
          (e.details as { file: string }).file,
        ]),
    ).toEqual(imports.map((i) => [i.kind, i.sha256, i.file_name]));
    expect(await verifyAuditChain(db.kysely)).toBeNull();
  });
});
