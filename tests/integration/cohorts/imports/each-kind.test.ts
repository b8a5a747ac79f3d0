import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { dayMonthDrift } from '../../../helpers/attendance-day-month.ts';
import { sql } from 'kysely';
import type { Db } from '../../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import {
  calendarCsv,
  CONTACTS_CSV,
  dailyCsv,
  dailyRows,
  enrolledDays,
  ENROLLMENT_CSV,
  HALF_DAY,
  instructionalDays,
  LABOR_DAY,
  LEAID,
  monthlyCsv,
  monthlyRows,
  SCHOOLS_CSV,
  STUDENTS_CSV,
} from './fixture-district.ts';
import { count, importer, studentIds, studyWithDistrict, TempFiles } from './import-helpers.ts';

/** Each plain import kind, in the order a district delivers them, with the stored values checked. */
describe(`import of each kind (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  let imp: ReturnType<typeof importer>;

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'kinds');
    imp = importer(db, files, 'kinds');
  });
  // attendance_day_month (migration 015) equals the daily rows after every test
  afterEach(async () => {
    expect(await dayMonthDrift(db.kysely)).toEqual([]);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('schools: keys and NCES ids keep their leading zeros', async () => {
    const s = await imp('schools', 'schools.csv', SCHOOLS_CSV);
    expect(s).toMatchObject({ kind: 'schools', status: 'imported', rowsRead: 2, inserted: 2, replaced: 0 });
    const rows = await db.kysely
      .selectFrom('school')
      .select(['school_key', 'nces_id', 'name'])
      .orderBy('school_key')
      .execute();
    expect(rows).toEqual([
      { school_key: '0110', nces_id: '010000500110', name: 'Oak Elementary' },
      { school_key: '0220', nces_id: '010000500220', name: 'Pine High' },
    ]);
    const d = await db.kysely.selectFrom('district').select('nces_leaid').executeTakeFirstOrThrow();
    expect(d.nces_leaid).toBe(LEAID);
  });

  it('roster (students.csv): grades normalized to CEDS codes and reported, households derived', async () => {
    const s = await imp('roster', 'students.csv', STUDENTS_CSV);
    expect(s).toMatchObject({ kind: 'roster', status: 'imported', rowsRead: 4, inserted: 4 });
    const messages = s.warnings.map((w) => w.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/grade 'K' read as 'KG'/),
        expect.stringMatching(/grade '7' read as '07'/),
        expect.stringMatching(/grade '1st' read as '01'/),
      ]),
    );
    const rows = await db.kysely
      .selectFrom('student as s')
      .innerJoin('school as sc', 'sc.id', 's.school_id')
      .innerJoin('household as h', 'h.id', 's.household_id')
      .select([
        's.sis_id',
        'sc.school_key',
        's.grade',
        'h.household_key',
        's.sex',
        's.race_ethnicity',
        's.english_learner',
        's.disability',
        's.low_income',
        's.prior_year_absence_rate',
      ])
      .orderBy('s.sis_id')
      .execute();
    expect(rows).toEqual([
      {
        sis_id: '000101',
        school_key: '0110',
        grade: 'KG',
        household_key: 'H01',
        sex: 'F',
        race_ethnicity: 'HI7',
        english_learner: true,
        disability: false,
        low_income: true,
        prior_year_absence_rate: 0.12,
      },
      {
        sis_id: '000102',
        school_key: '0110',
        grade: '03',
        household_key: 'H01',
        sex: 'M',
        race_ethnicity: 'HI7',
        english_learner: false,
        disability: false,
        low_income: true,
        prior_year_absence_rate: 0.05,
      },
      {
        sis_id: '000103',
        school_key: '0220',
        grade: '07',
        household_key: 'H02',
        sex: 'F',
        race_ethnicity: 'WH7',
        english_learner: false,
        disability: true,
        low_income: false,
        prior_year_absence_rate: null,
      },
      {
        sis_id: '000104',
        school_key: '0220',
        grade: '01',
        household_key: 'H03',
        sex: 'M',
        race_ethnicity: 'BL7',
        english_learner: false,
        disability: false,
        low_income: false,
        prior_year_absence_rate: 0.2,
      },
    ]);
    expect(await count(db, 'household')).toBe(3);
  });

  it('contacts: language to ISO 639-1, phones to E.164, one caregiver linked to both siblings', async () => {
    const s = await imp('contacts', 'contacts.csv', CONTACTS_CSV);
    expect(s).toMatchObject({ kind: 'contacts', status: 'imported', rowsRead: 4, inserted: 3 });
    expect(s.warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Spanish/),
        expect.stringMatching(/mother read as parent/),
        expect.stringMatching(/English assumed/),
      ]),
    );
    const rows = await db.kysely
      .selectFrom('caregiver as c')
      .innerJoin('household as h', 'h.id', 'c.household_id')
      .select([
        'c.contact_key',
        'h.household_key',
        'c.relationship',
        'c.first_name',
        'c.phone_e164',
        'c.email',
        'c.language',
        'c.sms_consent',
        'c.opt_out_at',
        'c.opt_out_channel',
      ])
      .orderBy('c.contact_key')
      .execute();
    expect(rows).toEqual([
      {
        contact_key: 'C1',
        household_key: 'H01',
        relationship: 'parent',
        first_name: 'Ana',
        phone_e164: '+12055550101',
        email: 'ana@example.org',
        language: 'es',
        sms_consent: true,
        opt_out_at: null,
        opt_out_channel: null,
      },
      {
        contact_key: 'C2',
        household_key: 'H02',
        relationship: 'guardian',
        first_name: 'Bo',
        phone_e164: '+12055550102',
        email: null,
        language: 'en',
        sms_consent: false,
        opt_out_at: null,
        opt_out_channel: null,
      },
      {
        contact_key: 'C3',
        household_key: 'H03',
        relationship: 'parent',
        first_name: 'Cy',
        phone_e164: '+12055550103',
        email: null,
        language: 'en',
        sms_consent: true,
        opt_out_at: '2025-09-01',
        opt_out_channel: 'sms',
      },
    ]);
    const links = await sql<{ contact_key: string; sis_id: string }>`
      SELECT c.contact_key, s.sis_id FROM caregiver_student cs JOIN caregiver c ON c.id = cs.caregiver_id JOIN student s ON s.id = cs.student_id
      ORDER BY 1, 2`.execute(db.kysely);
    expect(links.rows).toEqual([
      { contact_key: 'C1', sis_id: '000101' },
      { contact_key: 'C1', sis_id: '000102' },
      { contact_key: 'C2', sis_id: '000103' },
      { contact_key: 'C3', sis_id: '000104' },
    ]);
  });

  it('calendar: instructional flags and day fractions (defaults and a half day)', async () => {
    const text = calendarCsv();
    const s = await imp('calendar', 'calendar.csv', text);
    const lines = text.trim().split('\n').length - 1;
    expect(s).toMatchObject({ kind: 'calendar', rowsRead: lines, inserted: lines });
    const rows = await sql<{
      school_key: string;
      date: string;
      instructional: boolean;
      day_fraction: number;
    }>`
      SELECT s.school_key, c.date, c.instructional, c.day_fraction FROM calendar_day c JOIN school s ON s.id = c.school_id
      WHERE c.date IN (${LABOR_DAY}, ${HALF_DAY}) ORDER BY 1, 2`.execute(db.kysely);
    expect(rows.rows).toEqual([
      { school_key: '0110', date: LABOR_DAY, instructional: false, day_fraction: 0 },
      { school_key: '0110', date: HALF_DAY, instructional: true, day_fraction: 0.5 },
      { school_key: '0220', date: LABOR_DAY, instructional: false, day_fraction: 0 },
      { school_key: '0220', date: HALF_DAY, instructional: true, day_fraction: 1 },
    ]);
    const instructional = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM calendar_day WHERE instructional`.execute(db.kysely);
    expect(instructional.rows[0].n).toBe(2 * instructionalDays().length);
  });

  it('enrollment: windows with open and closed exits', async () => {
    const s = await imp('enrollment', 'enrollment.csv', ENROLLMENT_CSV);
    expect(s).toMatchObject({ kind: 'enrollment', rowsRead: 4, inserted: 4 });
    const rows = await sql`
      SELECT st.sis_id, sc.school_key, e.entry_date, e.exit_date FROM enrollment e
      JOIN student st ON st.id = e.student_id JOIN school sc ON sc.id = e.school_id ORDER BY 1`.execute(
      db.kysely,
    );
    expect(rows.rows).toEqual([
      { sis_id: '000101', school_key: '0110', entry_date: '2025-09-02', exit_date: null },
      { sis_id: '000102', school_key: '0110', entry_date: '2025-09-02', exit_date: null },
      { sis_id: '000103', school_key: '0220', entry_date: '2025-09-02', exit_date: '2025-10-15' },
      { sis_id: '000104', school_key: '0220', entry_date: '2025-09-15', exit_date: null },
    ]);
  });

  it('attendance, daily and full: one row per enrolled instructional day, values as written', async () => {
    const rows = dailyRows();
    const s = await imp('attendance', 'attendance.csv', dailyCsv(rows));
    expect(s).toMatchObject({
      kind: 'attendance_daily',
      rowsRead: rows.length,
      inserted: rows.length,
      replaced: 0,
    });
    expect(rows.length).toBe(
      ['000101', '000102', '000103', '000104'].reduce((n, sis) => n + enrolledDays(sis).length, 0),
    );
    const ids = await studentIds(db);
    const stored = await db.kysely
      .selectFrom('attendance_day')
      .select(['student_id', 'date', 'category', 'absent_fraction', 'suspension', 'sis_code', 'import_id'])
      .execute();
    expect(stored.length).toBe(rows.length);
    const bySisDate = new Map(stored.map((r) => [`${r.student_id}|${r.date}`, r]));
    for (const r of rows) {
      expect(bySisDate.get(`${ids.get(r.sis)}|${r.date}`)).toEqual({
        student_id: ids.get(r.sis),
        date: r.date,
        category: r.category,
        absent_fraction: r.fraction,
        suspension: null,
        sis_code: r.code,
        import_id: s.importId,
      });
    }
  });

  it('attendance, daily --exceptions: only the absences listed are stored, with suspensions and partial days', async () => {
    await studyWithDistrict(db, 'kinds-exceptions', '0100006');
    const imp2 = importer(db, files, 'kinds-exceptions', '0100006');
    await imp2('schools', 'schools.csv', SCHOOLS_CSV.replaceAll('0100005', '0100006'));
    await imp2('roster', 'students.csv', STUDENTS_CSV);
    await imp2('calendar', 'calendar.csv', calendarCsv());
    await imp2('enrollment', 'enrollment.csv', ENROLLMENT_CSV);
    const text = `student_id,date,category,absent_fraction,suspension,sis_code
000101,2025-09-03,unexcused,,,U
000101,2025-09-04,partial,0.25,,PT
000103,2025-09-05,excused,1,oss,OSS
000104,2025-09-16,early_departure,0.5,,ED
`;
    const s = await imp2('attendance', 'absences.csv', text, { exceptions: true });
    expect(s).toMatchObject({ kind: 'attendance_daily', rowsRead: 4, inserted: 4 });
    const rows = await sql`
      SELECT s.sis_id, a.date, a.category, a.absent_fraction, a.suspension, a.sis_code FROM attendance_day a
      JOIN student s ON s.id = a.student_id JOIN district d ON d.id = s.district_id WHERE d.nces_leaid = '0100006' ORDER BY 1, 2`.execute(
      db.kysely,
    );
    expect(rows.rows).toEqual([
      {
        sis_id: '000101',
        date: '2025-09-03',
        category: 'unexcused',
        absent_fraction: 1,
        suspension: null,
        sis_code: 'U',
      },
      {
        sis_id: '000101',
        date: '2025-09-04',
        category: 'partial',
        absent_fraction: 0.25,
        suspension: null,
        sis_code: 'PT',
      },
      {
        sis_id: '000103',
        date: '2025-09-05',
        category: 'excused',
        absent_fraction: 1,
        suspension: 'oss',
        sis_code: 'OSS',
      },
      {
        sis_id: '000104',
        date: '2025-09-16',
        category: 'early_departure',
        absent_fraction: 0.5,
        suspension: null,
        sis_code: 'ED',
      },
    ]);
    // A present day in an exceptions file is accepted with a warning.
    const present = await imp2(
      'attendance',
      'absences-2.csv',
      `${text.split('\n')[0]}\n000102,2025-09-03,present,0,,P\n`,
      { exceptions: true },
    );
    expect(present.status).toBe('imported');
    expect(present.warnings.map((w) => w.message)).toContain('an exceptions file lists a present day');
  });

  it('attendance, monthly: told apart by its header; enrolled and absent days stored on the first of the month', async () => {
    await studyWithDistrict(db, 'kinds-monthly', '0100007');
    const imp3 = importer(db, files, 'kinds-monthly', '0100007');
    await imp3('schools', 'schools.csv', SCHOOLS_CSV.replaceAll('0100005', '0100007'));
    await imp3('roster', 'students.csv', STUDENTS_CSV);
    await imp3('calendar', 'calendar.csv', calendarCsv());
    const months = monthlyRows();
    const s = await imp3('attendance', 'monthly.csv', monthlyCsv(months));
    expect(s).toMatchObject({ kind: 'attendance_monthly', rowsRead: months.length, inserted: months.length });
    const rows = await sql<{ sis_id: string; month: string; enrolled_days: number; absent_days: number }>`
      SELECT s.sis_id, a.month, a.enrolled_days, a.absent_days FROM attendance_month a JOIN student s ON s.id = a.student_id
      JOIN district d ON d.id = s.district_id WHERE d.nces_leaid = '0100007' ORDER BY 1, 2`.execute(
      db.kysely,
    );
    expect(rows.rows).toEqual(
      [...months]
        .sort((a, b) => (a.sis + a.month < b.sis + b.month ? -1 : 1))
        .map((m) => ({
          sis_id: m.sis,
          month: `${m.month}-01`,
          enrolled_days: m.enrolled,
          absent_days: m.absent,
        })),
    );
  });
});
