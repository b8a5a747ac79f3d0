import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import iconv from 'iconv-lite';
import type { RequestedKind, ImportRequest } from '../../../../cohorts/imports/import.service.ts';
import { enrollDistrict } from '../../../../cohorts/study.service.ts';
import type { Db } from '../../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import {
  CONTACTS_HEADER,
  DAILY_HEADER,
  dailyCsv,
  dailyRows,
  HOLIDAY,
  STUDENTS_HEADER,
} from './fixture-district.ts';
import {
  ACTOR,
  expectProblem,
  importer,
  importFixtureBase,
  problemsOf,
  refusal,
  snapshot,
  studyWithDistrict,
  TempFiles,
} from './import-helpers.ts';

interface BadCase {
  name: string;
  kind: RequestedKind;
  file: string;
  content: string | Uint8Array;
  options?: Partial<ImportRequest>;
  line: number;
  column: string | null;
  reason: RegExp;
}

const MONTHLY_HEADER = 'student_id,month,enrolled_days,absent_days';
const ENROLLMENT_HEADER = 'student_id,school_id,entry_date,exit_date';
const day = (rest: string) => `${DAILY_HEADER}\n000101,2025-09-02,present,0,,P\n${rest}\n`;
/** Ten students with six-digit ids and leading zeros, plus one whose zeros were stripped. */
const tenStudents = Array.from(
  { length: 10 },
  (_, i) => `0002${String(i).padStart(2, '0')},0110,05,H9${i},F,WH7,false,false,false,0.1`,
).join('\n');

const CASES: BadCase[] = [
  // Duplicate natural keys within one file.
  {
    name: 'duplicate student id in students.csv',
    kind: 'roster',
    file: 'students.csv',
    content: `${STUDENTS_HEADER}\n000201,0110,05,H20,F,,,,,\n000202,0110,05,H20,F,,,,,\n000201,0220,09,H21,M,,,,,\n`,
    line: 4,
    column: 'student_id',
    reason: /000201.*lines 2, 4/,
  },
  {
    name: 'duplicate school id in schools.csv',
    kind: 'schools',
    file: 'schools.csv',
    content: 'school_id,nces_id,name\n0330,010000500330,Elm\n0330,010000500331,Elm Annex\n',
    line: 3,
    column: 'school_id',
    reason: /0330.*lines 2, 3/,
  },
  {
    name: 'duplicate student and date in daily attendance',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000102,2025-09-03,present,0,,P\n000101,2025-09-02,unexcused,1,,U'),
    line: 4,
    column: 'date',
    reason: /lines 2, 4/,
  },
  {
    name: 'duplicate student and month in monthly attendance',
    kind: 'attendance',
    file: 'monthly.csv',
    content: `${MONTHLY_HEADER}\n000101,2025-09,20,1\n000101,2025-09,20,2\n`,
    line: 3,
    column: 'month',
    reason: /lines 2, 3/,
  },
  // References to what the district does not have.
  {
    name: 'unknown student in daily attendance',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000999,2025-09-03,present,0,,P'),
    line: 3,
    column: 'student_id',
    reason: /000999 is not on this district's roster/,
  },
  {
    name: 'unknown student in contacts',
    kind: 'contacts',
    file: 'contacts.csv',
    content: `${CONTACTS_HEADER}\nC9,000999,H01,parent,Al,Ex,,,,,,\n`,
    line: 2,
    column: 'student_id',
    reason: /000999 is not on this district's roster/,
  },
  {
    name: 'unknown school in enrollment',
    kind: 'enrollment',
    file: 'enrollment.csv',
    content: `${ENROLLMENT_HEADER}\n000101,0330,2025-09-02,\n`,
    line: 2,
    column: 'school_id',
    reason: /school 0330 is not one of this district's schools/,
  },
  {
    name: 'unknown school in students.csv',
    kind: 'roster',
    file: 'students.csv',
    content: `${STUDENTS_HEADER}\n000201,0330,05,H20,F,,,,,\n`,
    line: 2,
    column: 'school_id',
    reason: /school 0330 is not one of this district's schools/,
  },
  {
    name: 'unknown school in calendar',
    kind: 'calendar',
    file: 'calendar.csv',
    content: 'school_id,date,instructional,day_fraction\n0330,2025-09-02,true,1\n',
    line: 2,
    column: 'school_id',
    reason: /school 0330/,
  },
  // Attendance against enrollment and calendar.
  {
    name: 'date outside enrollment',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000103,2025-10-20,present,0,,P'),
    line: 3,
    column: 'date',
    reason: /2025-10-20 is outside student 000103's enrollment \(2025-09-02\.\.2025-10-15\)/,
  },
  {
    name: 'date on a non-instructional day (holiday in the calendar)',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day(`000101,${HOLIDAY},unexcused,1,,U`),
    line: 3,
    column: 'date',
    reason: /not an instructional day in the school calendar$/,
  },
  {
    name: 'date on a weekend (no calendar entry)',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000101,2025-09-06,present,0,,P'),
    line: 3,
    column: 'date',
    reason: /not an instructional day.*no calendar entry/,
  },
  {
    name: 'absent days above enrolled days (monthly)',
    kind: 'attendance',
    file: 'monthly.csv',
    content: `${MONTHLY_HEADER}\n000101,2025-09,20,21\n`,
    line: 2,
    column: 'absent_days',
    reason: /absent_days 21 exceeds enrolled_days 20/,
  },
  {
    name: 'enrolled days above the calendar month (monthly)',
    kind: 'attendance',
    file: 'monthly.csv',
    content: `${MONTHLY_HEADER}\n000101,2025-09,25,1\n`,
    line: 2,
    column: 'enrolled_days',
    reason: /exceeds the 21 instructional days of 2025-09/,
  },
  // Spreadsheet damage to identifiers.
  {
    name: 'stripped leading zeros: student id in attendance',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('101,2025-09-03,present,0,,P'),
    line: 3,
    column: 'student_id',
    reason: /student 101 is not on the roster, but 000101 is: were leading zeros stripped/,
  },
  {
    name: 'stripped leading zeros: student id in students.csv',
    kind: 'roster',
    file: 'students.csv',
    content: `${STUDENTS_HEADER}\n${tenStudents}\n211,0110,05,H99,F,WH7,false,false,false,0.1\n`,
    line: 12,
    column: 'student_id',
    reason: /'211'.*did you mean '000211'/,
  },
  {
    name: 'stripped leading zero: NCES school id',
    kind: 'schools',
    file: 'schools.csv',
    content: 'school_id,nces_id,name\n0330,10000500330,Elm\n',
    line: 2,
    column: 'nces_id',
    reason: /has 11 digits, not 12.*did you mean '010000500330'/,
  },
  {
    name: 'scientific notation id',
    kind: 'enrollment',
    file: 'enrollment.csv',
    content: `${ENROLLMENT_HEADER}\n1.01E+02,0110,2025-09-02,\n`,
    line: 2,
    column: 'student_id',
    reason: /scientific notation/,
  },
  // Dates.
  {
    name: 'date written MM/DD/YYYY',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000101,09/03/2025,present,0,,P'),
    line: 3,
    column: 'date',
    reason: /looks like MM\/DD\/YYYY.*2025-09-03/,
  },
  {
    name: 'date that does not exist (2025-02-30)',
    kind: 'enrollment',
    file: 'enrollment.csv',
    content: `${ENROLLMENT_HEADER}\n000101,0110,2025-02-30,\n`,
    line: 2,
    column: 'entry_date',
    reason: /'2025-02-30'.*not a calendar date/,
  },
  {
    name: 'date that does not exist in attendance',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000101,2025-09-31,present,0,,P'),
    line: 3,
    column: 'date',
    reason: /'2025-09-31'/,
  },
  // Encodings.
  {
    name: 'Windows-1252 bytes',
    kind: 'contacts',
    file: 'contacts.csv',
    content: Buffer.concat([
      Buffer.from(`${CONTACTS_HEADER}\nC9,000101,H01,parent,Jos`),
      iconv.encode('é', 'win1252'),
      Buffer.from(',Ex,,,,,,\n'),
    ]),
    line: 2,
    column: 'character 25',
    reason: /not valid UTF-8.*Windows-1252, where byte E9 is "é"/,
  },
  {
    name: 'a NUL byte in a name',
    kind: 'contacts',
    file: 'contacts.csv',
    content: `${CONTACTS_HEADER}\nC9,000101,H01,parent,Jo\u0000se,Ex,,,,,,\n`,
    line: 2,
    column: 'character 24',
    reason: /NUL byte \(00\) at line 2, character 24/,
  },
  {
    name: 'a NUL byte in attendance (read by the byte path first)',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000101,2025-09-03,present,0,,P\u0000'),
    line: 3,
    column: 'character 31',
    reason: /NUL byte/,
  },
  {
    name: 'UTF-16 with a byte-order mark',
    kind: 'roster',
    file: 'students.csv',
    content: Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode(`${STUDENTS_HEADER}\n000201,0110,05,H20,F,,,,,\n`, 'utf16le'),
    ]),
    line: 1,
    column: null,
    reason: /UTF-16.*FF FE/,
  },
  {
    name: 'UTF-16 attendance (kind decided from the header)',
    kind: 'attendance',
    file: 'attendance.csv',
    content: Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode(day('000102,2025-09-03,present,0,,P'), 'utf16le'),
    ]),
    line: 1,
    column: null,
    reason: /UTF-16/,
  },
  // Shape of the file.
  {
    name: 'ragged row (too many fields)',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000102,2025-09-03,present,0,,P,extra'),
    line: 3,
    column: null,
    reason: /line has 7 fields but the header has 6/,
  },
  {
    name: 'ragged row (too few fields)',
    kind: 'enrollment',
    file: 'enrollment.csv',
    content: `${ENROLLMENT_HEADER}\n000101,0110\n`,
    line: 2,
    column: null,
    reason: /line has 2 fields but the header has 4/,
  },
  {
    name: 'unbalanced quote',
    kind: 'contacts',
    file: 'contacts.csv',
    content: `${CONTACTS_HEADER}\nC9,000101,H01,parent,"Al,Ex,,,,,,\n`,
    line: 2,
    column: null,
    reason: /malformed CSV/,
  },
  {
    name: 'missing required column',
    kind: 'calendar',
    file: 'calendar.csv',
    content: 'school_id,date,day_fraction\n0110,2025-09-02,1\n',
    line: 1,
    column: 'instructional',
    reason: /required column instructional is missing/,
  },
  {
    name: 'required column in the wrong case',
    kind: 'roster',
    file: 'students.csv',
    content: `Student_ID,school_id,grade,household_id\n000201,0110,05,H20\n`,
    line: 1,
    column: 'student_id',
    reason: /found "Student_ID"/,
  },
  {
    name: 'empty file (no bytes)',
    kind: 'roster',
    file: 'students.csv',
    content: '',
    line: 1,
    column: null,
    reason: /empty/,
  },
  {
    name: 'empty attendance file (no bytes)',
    kind: 'attendance',
    file: 'attendance.csv',
    content: '',
    line: 1,
    column: null,
    reason: /empty/,
  },
  {
    name: 'header row only',
    kind: 'roster',
    file: 'students.csv',
    content: `${STUDENTS_HEADER}\n`,
    line: 2,
    column: null,
    reason: /header row but no data rows/,
  },
  {
    name: 'blank lines only',
    kind: 'calendar',
    file: 'calendar.csv',
    content: '\n\n\r\n',
    line: 1,
    column: null,
    reason: /empty/,
  },
  // Values that contradict each other.
  {
    name: 'present with absent_fraction > 0',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000102,2025-09-03,present,0.5,,P'),
    line: 3,
    column: 'absent_fraction',
    reason: /present day cannot have absent_fraction 0.5/,
  },
  {
    name: 'partial day without absent_fraction',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000102,2025-09-03,partial,,,PT'),
    line: 3,
    column: 'absent_fraction',
    reason: /needs absent_fraction/,
  },
  {
    name: 'unknown attendance category',
    kind: 'attendance',
    file: 'attendance.csv',
    content: day('000102,2025-09-03,vacation,1,,V'),
    line: 3,
    column: 'category',
    reason: /vacation/,
  },
  {
    name: 'overlapping enrollment windows',
    kind: 'enrollment',
    file: 'enrollment.csv',
    content: `${ENROLLMENT_HEADER}\n000101,0110,2025-09-02,2025-09-30\n000102,0110,2025-09-02,\n000101,0220,2025-09-20,\n`,
    line: 4,
    column: 'entry_date',
    reason: /overlaps the one on line 2/,
  },
  {
    name: 'exit before entry',
    kind: 'enrollment',
    file: 'enrollment.csv',
    content: `${ENROLLMENT_HEADER}\n000101,0110,2025-09-02,2025-08-30\n`,
    line: 2,
    column: 'exit_date',
    reason: /before entry_date/,
  },
  {
    name: 'conflicting contact rows',
    kind: 'contacts',
    file: 'contacts.csv',
    content: `${CONTACTS_HEADER}\nC1,000101,H01,parent,Ana,Synthetic,(205) 555-0101,,es,true,,\nC1,000102,H01,parent,Ana,Synthetic,(205) 555-0199,,es,true,,\n`,
    line: 3,
    column: 'contact_id',
    reason: /contact C1 is described differently on lines 2, 3/,
  },
  {
    name: 'household mismatch between contacts and roster',
    kind: 'contacts',
    file: 'contacts.csv',
    content: `${CONTACTS_HEADER}\nC2,000103,H01,guardian,Bo,Example,,,en,false,,\n`,
    line: 2,
    column: 'household_id',
    reason: /household H01 differs from student 000103's household H02/,
  },
  {
    name: 'invalid phone number',
    kind: 'contacts',
    file: 'contacts.csv',
    content: `${CONTACTS_HEADER}\nC2,000103,H02,guardian,Bo,Example,555-0102,,en,false,,\n`,
    line: 2,
    column: 'phone',
    reason: /seven digits: the area code is missing/,
  },
  {
    name: 'unknown language',
    kind: 'contacts',
    file: 'contacts.csv',
    content: `${CONTACTS_HEADER}\nC2,000103,H02,guardian,Bo,Example,,,Klingonese,false,,\n`,
    line: 2,
    column: 'preferred_language',
    reason: /Klingonese/,
  },
  {
    name: 'grade Pilot does not enroll',
    kind: 'roster',
    file: 'students.csv',
    content: `${STUDENTS_HEADER}\n000201,0110,TK,H20,F,,,,,\n`,
    line: 2,
    column: 'grade',
    reason: /not a grade Pilot enrolls/,
  },
  {
    name: 'attendance header with neither date nor month',
    kind: 'attendance',
    file: 'attendance.csv',
    content: 'student_id,day,category\n000101,2025-09-02,present\n',
    line: 1,
    column: null,
    reason: /neither date nor month/,
  },
];

describe(`bad input is refused with file, line, column and reason, and changes nothing (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  let imp: ReturnType<typeof importer>;

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'bad');
    imp = importer(db, files, 'bad');
    await importFixtureBase(imp);
    await imp('attendance', 'attendance.csv', dailyCsv(dailyRows('2025-09-01', '2025-09-30')));
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await snapshot(db);
    const e = await refusal(imp(c.kind, c.file, c.content, c.options));
    expectProblem(e, { file: c.file, line: c.line, column: c.column, reason: c.reason });
    expect(e.message).toContain(c.file);
    expect(await snapshot(db)).toEqual(before);
  });

  it('a file with many problems lists each one, all on their own lines', async () => {
    const before = await snapshot(db);
    const e = await refusal(
      imp(
        'attendance',
        'attendance.csv',
        day('000999,2025-09-03,present,0,,P\n000101,09/04/2025,present,0,,P\n000102,2025-09-06,present,0,,P'),
      ),
    );
    expect(problemsOf(e).map((p) => [p.line, p.column])).toEqual([
      [3, 'student_id'],
      [4, 'date'],
      [5, 'date'],
    ]);
    expect(e.message).toMatch(/3 problems; nothing was imported/);
    expect(await snapshot(db)).toEqual(before);
  });

  it('one bad row among many good ones (a whole month) still changes nothing', async () => {
    const rows = dailyCsv(dailyRows('2025-10-01', '2025-10-31'));
    const bad = `${rows}000101,2025-10-32,present,0,,P\n`;
    const before = await snapshot(db);
    const e = await refusal(imp('attendance', 'october.csv', bad));
    expectProblem(e, {
      file: 'october.csv',
      line: rows.trim().split('\n').length + 1,
      column: 'date',
      reason: /2025-10-32/,
    });
    expect(await snapshot(db)).toEqual(before);
  });

  it('a six-digit LEAID is refused at enrollment (a stripped leading zero) and changes nothing', async () => {
    const before = await snapshot(db);
    const e = await refusal(
      enrollDistrict(db, { study: 'bad', leaid: '100008', name: 'Stripped', state: 'AL', locale: 42 }, ACTOR),
    );
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/6 digits.*leading zero.*"0100008"/);
    expect(await snapshot(db)).toEqual(before);
  });

  it('warnings (normalized values, unknown columns, padded ids) do not block the import', async () => {
    const s = await imp(
      'attendance',
      'attendance.csv',
      `${DAILY_HEADER},teacher_note\n000102,2025-10-01,Present,0,,P,hi\n000104,2025-10-01,present,0,,P,\n`,
    );
    expect(s.status).toBe('imported');
    expect(s.inserted + s.replaced + s.unchanged).toBe(2);
    expect(s.warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining(['unknown column teacher_note ignored']),
    );
    const roster = await imp(
      'roster',
      'students.csv',
      `${STUDENTS_HEADER}\n 000105 ,0110,Kindergarten,H05,female,White,Y,N,yes,0.1\n`,
    );
    expect(roster.status).toBe('imported');
    expect(roster.warnings.length).toBeGreaterThanOrEqual(3);
    const st = await db.kysely
      .selectFrom('student')
      .select(['sis_id', 'grade', 'sex', 'race_ethnicity', 'english_learner', 'disability', 'low_income'])
      .where('sis_id', '=', '000105')
      .executeTakeFirstOrThrow();
    expect(st).toEqual({
      sis_id: '000105',
      grade: 'KG',
      sex: 'F',
      race_ethnicity: 'WH7',
      english_learner: true,
      disability: false,
      low_income: true,
    });
  });
  it('what Excel and legacy exports write is read: BOM, CRLF, quoted commas, Windows-1252 when asked for', async () => {
    const crlf = `\uFEFF${CONTACTS_HEADER}\r\nC7,000101,H01,relative,"Smith, Jr.",Ex,,,,,,\r\nC8,000999,H01,parent,A,B,,,,,,\r\n`;
    const e = await refusal(imp('contacts', 'contacts.csv', crlf));
    expect(problemsOf(e).map((p) => [p.line, p.column])).toEqual([[3, 'student_id']]);
    const ok = await imp('contacts', 'contacts.csv', crlf.split('\r\n').slice(0, 2).join('\r\n') + '\r\n');
    expect(ok.status).toBe('imported');
    const cp1252 = Buffer.concat([
      Buffer.from(`${CONTACTS_HEADER}\nC9,000101,H01,parent,Jos`),
      iconv.encode('é', 'win1252'),
      Buffer.from(',Ex,,,,,,\n'),
    ]);
    expect((await imp('contacts', 'contacts.csv', cp1252, { encoding: 'windows-1252' })).status).toBe(
      'imported',
    );
    const names = await db.kysely
      .selectFrom('caregiver')
      .select(['contact_key', 'first_name'])
      .where('contact_key', 'in', ['C7', 'C9'])
      .orderBy('contact_key')
      .execute();
    expect(names).toEqual([
      { contact_key: 'C7', first_name: 'Smith, Jr.' },
      { contact_key: 'C9', first_name: 'José' },
    ]);
  });
});
