import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { dayMonthDrift } from '../../../helpers/attendance-day-month.ts';
import type { Db } from '../../../../db/connection.ts';
import { enrollDistrict } from '../../../../cohorts/study.service.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { CONTACTS_HEADER, dailyCsv, dailyRows } from './fixture-district.ts';
import { count, importer, importFixtureBase, studyWithDistrict, TempFiles } from './import-helpers.ts';

describe(`concurrent imports and contacts without household ids (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  let imp: ReturnType<typeof importer>;

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'concurrent');
    imp = importer(db, files, 'concurrent');
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

  it('the same file imported five times at once: one import, four already_imported, no error', async () => {
    const csv = dailyCsv(dailyRows('2025-09-01', '2025-09-30'));
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => imp('attendance', `september-${i}.csv`, csv)),
    );
    expect(results.filter((r) => r.status === 'imported')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'already_imported')).toHaveLength(4);
    const imported = results.find((r) => r.status === 'imported')!;
    expect(await count(db, 'attendance_day')).toBe(imported.inserted);
  });

  it('a blank household_id in contacts.csv means the student’s household on the roster', async () => {
    const before = await count(db, 'caregiver');
    const s = await imp(
      'contacts',
      'more-contacts.csv',
      `${CONTACTS_HEADER}\nC9,000103,,relative,Di,Sample,,,en,false,,\n`,
    );
    expect(s.status).toBe('imported');
    expect(await count(db, 'caregiver')).toBe(before + 1);
    const row = await db.kysely
      .selectFrom('caregiver as c')
      .innerJoin('household as h', 'h.id', 'c.household_id')
      .innerJoin('student as st', 'st.household_id', 'h.id')
      .select(['h.household_key', 'st.sis_id'])
      .where('c.contact_key', '=', 'C9')
      .where('st.sis_id', '=', '000103')
      .executeTakeFirst();
    expect(row?.household_key).toBe('H02');
  });
});

describe(`a student on two districts' rosters (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();

  beforeAll(async () => {
    db = await openTestDatabase();
  });
  // attendance_day_month (migration 015) equals the daily rows after every test
  afterEach(async () => {
    expect(await dayMonthDrift(db.kysely)).toEqual([]);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('is imported in both and reported by state id, without blocking', async () => {
    await studyWithDistrict(db, 'transfer');
    await enrollDistrict(
      db,
      { study: 'transfer', leaid: '0100006', name: 'Second', state: 'AL', locale: 43 },
      'test',
    );
    const first = importer(db, files, 'transfer');
    const second = importer(db, files, 'transfer', '0100006');
    const header = 'student_id,school_id,grade,household_id,state_id';
    await first('schools', 'schools-1.csv', 'school_id,name\nA,Alpha\n');
    await second('schools', 'schools-2.csv', 'school_id,name\nB,Beta\n');
    const one = await first('roster', 'students-1.csv', `${header}\n1,A,03,H1,ST-77\n2,A,04,H2,ST-78\n`);
    expect(one.warnings.map((w) => w.message).join('\n')).not.toMatch(/another district/);
    const two = await second('roster', 'students-2.csv', `${header}\n9,B,03,H9,ST-77\n`);
    expect(two.status).toBe('imported');
    expect(two.warnings.map((w) => w.message)).toContainEqual(
      expect.stringMatching(/^1 student\(s\) also on another district's roster .*ST-77/),
    );
  });
});
