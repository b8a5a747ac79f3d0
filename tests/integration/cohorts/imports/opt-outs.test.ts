import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Db } from '../../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { CONTACTS_HEADER } from './fixture-district.ts';
import { importer, importFixtureBase, studyWithDistrict, TempFiles } from './import-helpers.ts';

/**
 * An opt-out belongs to the phone number (DATA-FORMATS §7, "apply the opt-out to the number"), and it
 * stays: a later file that leaves it blank is not a new consent. The fixture district's contacts.csv
 * has C1 (Ana, 205-555-0101, two children), C2 (Bo, 205-555-0102) and C3 (Cy, 205-555-0103, opted out
 * by SMS on 2025-09-01).
 */
describe(`opt-outs across files (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  let imp: ReturnType<typeof importer>;

  async function optOuts(): Promise<Record<string, string>> {
    const rows = await db.kysely
      .selectFrom('caregiver')
      .select(['contact_key', 'opt_out_at', 'opt_out_channel'])
      .orderBy('contact_key')
      .execute();
    return Object.fromEntries(
      rows.map((r) => [r.contact_key, r.opt_out_at ? `${r.opt_out_at} ${r.opt_out_channel}` : '-']),
    );
  }

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, 'opt-outs');
    imp = importer(db, files, 'opt-outs');
    await importFixtureBase(imp);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('a later file that leaves an opt-out blank keeps it; a new contact on an opted-out number is opted out', async () => {
    expect(await optOuts()).toEqual({ C1: '-', C2: '-', C3: '2025-09-01 sms' });
    const text = `${CONTACTS_HEADER}
C3,000104,H03,parent,Cy,Testcase,+1 205 555 0103,,en,true,,
C4,000104,H03,relative,Di,Testcase,205-555-0103,,en,true,,
`;
    const s = await imp('contacts', 'contacts-2025-10.csv', text);
    expect(s).toMatchObject({ status: 'imported', inserted: 1, replaced: 0, unchanged: 1 });
    expect(s.warnings.map((w) => w.message)).toEqual([
      'opt-out recorded earlier kept for 1 contact row(s) whose row in this file has none (an export is not a new consent)',
      'opt-out applied to 1 contact row(s) whose phone number a stored caregiver opted out',
    ]);
    expect(await optOuts()).toEqual({ C1: '-', C2: '-', C3: '2025-09-01 sms', C4: '2025-09-01 sms' });
  });

  it('an opt-out in a later file reaches stored caregivers on the same number, each change a revision', async () => {
    const text = `${CONTACTS_HEADER}
C5,000103,H02,relative,Ed,Example,205.555.0102,,en,true,2025-10-06,sms
`;
    const before = await db.kysely.selectFrom('row_revision').select('id').execute();
    const s = await imp('contacts', 'contacts-2025-10b.csv', text);
    expect(s).toMatchObject({ status: 'imported', inserted: 1 });
    expect(s.warnings.map((w) => w.message)).toEqual([
      'opt-out applied to 1 other caregiver(s) of the district whose phone number is now opted out',
    ]);
    expect(await optOuts()).toEqual({
      C1: '-',
      C2: '2025-10-06 sms',
      C3: '2025-09-01 sms',
      C4: '2025-09-01 sms',
      C5: '2025-10-06 sms',
    });
    const revisions = await db.kysely
      .selectFrom('row_revision')
      .select(['table_name', 'row_key', 'previous', 'import_id'])
      .where('id', 'not in', before.length ? before.map((r) => r.id) : [0])
      .execute();
    expect(revisions).toEqual([
      {
        table_name: 'caregiver',
        row_key: expect.stringMatching(/:C2$/),
        previous: expect.objectContaining({ contact_key: 'C2', opt_out_at: null, opt_out_channel: null }),
        import_id: s.importId,
      },
    ]);
  });
});
