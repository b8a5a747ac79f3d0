import { afterAll, beforeAll, describe, it } from '@jest/globals';
import iconv from 'iconv-lite';
import type { Db } from '../../../db/connection.ts';
import { openTestDatabase } from '../../helpers/database.ts';
import { rosterFiles11, zipRoster } from '../../fixtures/oneroster/sample-roster.ts';
import { CONTACTS_HEADER, STUDENTS_HEADER, DAILY_HEADER } from './fixture-district.ts';
import {
  importer,
  importFixtureBase,
  refusal,
  studyWithDistrict,
  TempFiles,
  problemsOf,
} from './import-helpers.ts';

describe('probe', () => {
  let db: Db;
  const files = new TempFiles();
  let imp: ReturnType<typeof importer>;
  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'p');
    imp = importer(db, files, 'p');
    await importFixtureBase(imp);
    await studyWithDistrict(db, 'or', '2300001', 'ME');
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });
  const tryit = async (label: string, p: Promise<unknown>) => {
    try {
      const r = await p;
      console.log(label, 'OK', JSON.stringify(r));
    } catch (e) {
      console.log(label, 'ERR', (e as Error).message, JSON.stringify(problemsOf(e as never)));
    }
  };
  it('probe', async () => {
    await tryit('header-only', imp('roster', 'students.csv', `${STUDENTS_HEADER}\n`));
    await tryit(
      'quoted',
      imp(
        'contacts',
        'contacts.csv',
        `${CONTACTS_HEADER}\r\nC7,000101,H01,parent,"Smith, Jr.",X,,,,,,\r\nC8,000999,H01,parent,A,B,,,,,,\r\n`,
      ),
    );
    await tryit(
      'cp1252',
      imp(
        'contacts',
        'contacts.csv',
        Buffer.concat([
          Buffer.from(`${CONTACTS_HEADER}\nC9,000101,H01,parent,Jos`),
          iconv.encode('é', 'win1252'),
          Buffer.from(',Ex,,,,,,\n'),
        ]),
        { encoding: 'windows-1252' },
      ),
    );
    const f = rosterFiles11();
    f['users.csv'] = f['users.csv'].replace('s2,,,true,sch1,', 's2,,,true,sch9,');
    await tryit('or-school', importer(db, files, 'or', '2300001')('roster', 'o.zip', zipRoster(f)));
    await tryit(
      'bom',
      imp('attendance', 'a.csv', `\uFEFF${DAILY_HEADER}\r\n000101,2025-09-02,present,0,,P\r\n`),
    );
    await tryit(
      'neg',
      imp(
        'attendance',
        'a.csv',
        `${DAILY_HEADER}\n000101,2025-09-03,unexcused,1.5,,P\n000101,2025-09-04,excused,-1,,P\n`,
      ),
    );
    await tryit(
      'monthlyneg',
      imp(
        'attendance',
        'm.csv',
        `student_id,month,enrolled_days,absent_days\n000101,2025-09,-1,0\n000101,2025-13,5,0\n`,
      ),
    );
  });
});
