import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { rosterFiles11, rosterFiles12, zipRoster } from '../../../fixtures/oneroster/sample-roster.ts';
import { CONTACTS_HEADER } from './fixture-district.ts';
import {
  expectProblem,
  importer,
  refusal,
  snapshot,
  studyWithDistrict,
  TempFiles,
} from './import-helpers.ts';

const LEAID = '2300001';
/** Zipped once: a zip records modification times, so zipping again can give other bytes. */
const ZIP_11 = zipRoster(rosterFiles11());

interface Row {
  [column: string]: string | boolean | null;
}

/** What a district holds, by natural keys only (no database ids), to compare two imports. */
async function districtContent(
  db: Db,
  study: string,
): Promise<Record<'schools' | 'students' | 'caregivers' | 'links', Row[]>> {
  const q = (query: ReturnType<typeof sql<Row>>) => query.execute(db.kysely).then((r) => r.rows);
  const district = sql`(SELECT d.id FROM district d JOIN study s ON s.id = d.study_id WHERE s.slug = ${study})`;
  return {
    schools: await q(
      sql<Row>`SELECT school_key, nces_id, name FROM school WHERE district_id = ${district} ORDER BY 1`,
    ),
    students: await q(sql<Row>`
      SELECT s.sis_id, s.state_id, sc.school_key, s.grade, h.household_key, s.sex, s.race_ethnicity FROM student s
      JOIN school sc ON sc.id = s.school_id JOIN household h ON h.id = s.household_id WHERE s.district_id = ${district} ORDER BY 1`),
    caregivers: await q(sql<Row>`
      SELECT c.contact_key, h.household_key, c.relationship, c.first_name, c.last_name, c.phone_e164, c.email, c.language, c.sms_consent
      FROM caregiver c JOIN household h ON h.id = c.household_id WHERE c.district_id = ${district} ORDER BY 1`),
    links: await q(sql<Row>`
      SELECT c.contact_key, s.sis_id FROM caregiver_student cs JOIN caregiver c ON c.id = cs.caregiver_id JOIN student s ON s.id = cs.student_id
      WHERE c.district_id = ${district} ORDER BY 1, 2`),
  };
}

describe(`OneRoster roster zips (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'or11', LEAID, 'ME');
    await studyWithDistrict(db, 'or12', LEAID, 'ME');
    await studyWithDistrict(db, 'or-wrong', '2300002', 'ME');
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('1.1: schools, students (grade, state id, demographics) and caregivers stored; split identities merged', async () => {
    const s = await importer(db, files, 'or11', LEAID)('roster', 'oneroster.zip', ZIP_11);
    expect(s).toMatchObject({ kind: 'roster', status: 'imported', replaced: 0 });
    expect(s.warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/'s4-b' is the same person as 's4'/)]),
    );
    const c = await districtContent(db, 'or11');
    expect(c.schools).toEqual([
      { school_key: 'sch1', nces_id: '230000100001', name: 'Pine Hollow Elementary' },
      { school_key: 'sch2', nces_id: '230000100002', name: 'Pine Hollow High' },
    ]);
    expect(c.students.map((r) => [r.sis_id, r.state_id, r.school_key, r.grade, r.sex])).toEqual([
      ['000101', 'ME0000101', 'sch1', 'KG', 'F'],
      ['000102', null, 'sch1', '03', 'M'],
      ['000103', null, 'sch2', '09', 'F'],
      ['000104', null, 'sch2', '10', null],
    ]);
    expect(
      c.caregivers.map((r) => [
        r.contact_key,
        r.relationship,
        r.phone_e164,
        r.email,
        r.language,
        r.sms_consent,
      ]),
    ).toEqual([
      ['g1', 'parent', '+12075550134', 'pat@example.org', 'en', false],
      ['g2', 'guardian', '+12075550199', null, 'en', false],
      ['g3', 'relative', null, null, 'en', false],
    ]);
  });

  it('student enrollments become enrollment windows: earliest begin, exclusive end made inclusive, open when a class has no end', async () => {
    const rows = await sql<{
      sis_id: string;
      school_key: string;
      entry_date: string;
      exit_date: string | null;
    }>`
      SELECT s.sis_id, sc.school_key, e.entry_date, e.exit_date FROM enrollment e
      JOIN student s ON s.id = e.student_id JOIN school sc ON sc.id = e.school_id
      JOIN district d ON d.id = s.district_id JOIN study st ON st.id = d.study_id
      WHERE st.slug = 'or11' ORDER BY 1, 2`.execute(db.kysely);
    expect(rows.rows).toEqual([
      { sis_id: '000101', school_key: 'sch1', entry_date: '2025-08-25', exit_date: '2026-06-11' },
      { sis_id: '000103', school_key: 'sch2', entry_date: '2025-08-25', exit_date: null },
      { sis_id: '000104', school_key: 'sch1', entry_date: '2025-08-25', exit_date: '2026-01-15' },
    ]);
  });

  it('guardian links through agentSourcedIds on the student row, on the guardian row, and both; siblings share a household', async () => {
    const c = await districtContent(db, 'or11');
    // s1 lists g1 and g3 (student row); g1 lists s2 (guardian row); s3 lists g2 and g2 lists s3 (both).
    expect(c.links).toEqual([
      { contact_key: 'g1', sis_id: '000101' },
      { contact_key: 'g1', sis_id: '000102' },
      { contact_key: 'g2', sis_id: '000103' },
      { contact_key: 'g3', sis_id: '000101' },
    ]);
    const household = (sis: string) => c.students.find((r) => r.sis_id === sis)!.household_key;
    const caregiverHousehold = (key: string) =>
      c.caregivers.find((r) => r.contact_key === key)!.household_key;
    expect(household('000101')).toBe(household('000102'));
    expect(caregiverHousehold('g1')).toBe(household('000101'));
    expect(caregiverHousehold('g3')).toBe(household('000101'));
    expect(caregiverHousehold('g2')).toBe(household('000103'));
    expect(new Set(['000101', '000103', '000104'].map(household)).size).toBe(3);
    const households = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM household h JOIN district d ON d.id = h.district_id JOIN study s ON s.id = d.study_id WHERE s.slug = 'or11'`.execute(
      db.kysely,
    );
    expect(households.rows[0].n).toBe(3);
  });

  it('1.2 with roles.csv stores the same district as 1.1', async () => {
    const s = await importer(
      db,
      files,
      'or12',
      LEAID,
    )('roster', 'oneroster-1.2.zip', zipRoster(rosterFiles12()));
    expect(s.status).toBe('imported');
    expect(await districtContent(db, 'or12')).toEqual(await districtContent(db, 'or11'));
  });

  it('the same zip again is already_imported; the 1.2 export of the same roster changes no row', async () => {
    const imp = importer(db, files, 'or11', LEAID);
    const before = await snapshot(db);
    expect((await imp('roster', 'oneroster.zip', ZIP_11)).status).toBe('already_imported');
    expect(await snapshot(db)).toEqual(before);
    const content = await districtContent(db, 'or11');
    const s = await imp('roster', 'oneroster-1.2.zip', zipRoster(rosterFiles12(), 'export/'));
    expect(s).toMatchObject({ status: 'imported', inserted: 0, replaced: 0 });
    expect(await districtContent(db, 'or11')).toEqual(content);
  });

  it('a zip for another district (orgs identifier ≠ the enrolled LEAID) is refused and changes nothing', async () => {
    const before = await snapshot(db);
    const e = await refusal(
      importer(db, files, 'or-wrong', '2300002')('roster', 'oneroster.zip', zipRoster(rosterFiles11())),
    );
    expectProblem(e, {
      file: 'oneroster.zip:orgs.csv',
      line: 0,
      column: 'identifier',
      reason: /the zip is for district 2300001, not 2300002/,
    });
    expect(await snapshot(db)).toEqual(before);
  });

  it('a district identifier that lost its leading zero, and a zip without users.csv, are refused and change nothing', async () => {
    const imp = importer(db, files, 'or-wrong', '2300002');
    const before = await snapshot(db);
    const stripped = rosterFiles11();
    stripped['orgs.csv'] = stripped['orgs.csv'].replace(',district,2300001,', ',district,230001,');
    const e1 = await refusal(imp('roster', 'oneroster.zip', zipRoster(stripped)));
    expectProblem(e1, {
      file: 'oneroster.zip:orgs.csv',
      line: 2,
      column: 'identifier',
      reason: /6 digits, not 7/,
    });
    const noUsers = rosterFiles11();
    delete noUsers['users.csv'];
    const e2 = await refusal(imp('roster', 'oneroster.zip', zipRoster(noUsers)));
    expectProblem(e2, { file: 'oneroster.zip', line: 0, column: null, reason: /users\.csv/ });
    // A problem inside one of the zip's files names that file, its line and its column.
    const badSchool = rosterFiles11();
    badSchool['users.csv'] = badSchool['users.csv'].replace('s2,,,true,sch1,', 's2,,,true,sch9,');
    const e3 = await refusal(imp('roster', 'oneroster.zip', zipRoster(badSchool)));
    expectProblem(e3, {
      file: 'oneroster.zip:users.csv',
      line: 3,
      column: 'orgSourcedIds',
      reason: /^org 'sch9' is not in orgs\.csv$/,
    });
    expect(await snapshot(db)).toEqual(before);
  });

  it('a later roster zip keeps the language, SMS consent and opt-out a contacts.csv gave a OneRoster caregiver', async () => {
    const imp = importer(db, files, 'or11', LEAID);
    const household = (await districtContent(db, 'or11')).students.find(
      (r) => r.sis_id === '000101',
    )!.household_key;
    const contacts = `${CONTACTS_HEADER}\ng1,000101,${household},parent,Pat,Synthetic,207-555-0134,pat@example.org,es,true,2025-10-01,sms\n`;
    expect((await imp('contacts', 'contacts.csv', contacts)).replaced).toBe(1);
    const revised = rosterFiles11();
    revised['users.csv'] = revised['users.csv']
      .replace(',000102,,,,,03,', ',000102,,,,,04,')
      // g3 now gives g1's phone number, which g1 opted out: the opt-out applies to the number
      .replace(
        'g3,,,true,d1,relative,,,Ray,Synthetic,,,,,,,,',
        'g3,,,true,d1,relative,,,Ray,Synthetic,,,,,207-555-0134,,,',
      );
    const s = await imp('roster', 'oneroster-refresh.zip', zipRoster(revised));
    expect(s).toMatchObject({ status: 'imported', replaced: 2 });
    expect(s.warnings.map((w) => w.message)).toContain(
      'opt-out applied to 1 caregiver(s) whose phone number a caregiver of the district opted out',
    );
    const g3 = await db.kysely
      .selectFrom('caregiver as c')
      .innerJoin('district as d', 'd.id', 'c.district_id')
      .innerJoin('study as s', 's.id', 'd.study_id')
      .select(['c.opt_out_at', 'c.opt_out_channel', 'c.phone_e164'])
      .where('s.slug', '=', 'or11')
      .where('c.contact_key', '=', 'g3')
      .executeTakeFirstOrThrow();
    expect(g3).toEqual({ opt_out_at: '2025-10-01', opt_out_channel: 'sms', phone_e164: '+12075550134' });
    const g1 = await db.kysely
      .selectFrom('caregiver as c')
      .innerJoin('district as d', 'd.id', 'c.district_id')
      .innerJoin('study as s', 's.id', 'd.study_id')
      .select(['c.language', 'c.sms_consent', 'c.opt_out_at', 'c.opt_out_channel', 'c.phone_e164'])
      .where('s.slug', '=', 'or11')
      .where('c.contact_key', '=', 'g1')
      .executeTakeFirstOrThrow();
    expect(g1).toEqual({
      language: 'es',
      sms_consent: true,
      opt_out_at: '2025-10-01',
      opt_out_channel: 'sms',
      phone_e164: '+12075550134',
    });
  });
});
