import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Db } from '../../../db/connection.ts';
import { generateAlerts, generateMonth } from '../../../outreach/messages.service.ts';
import { setProgram } from '../../../outreach/program.service.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { CONTACTS_HEADER } from '../cohorts/imports/fixture-district.ts';
import { expectProblem, importer, refusal, TempFiles } from '../cohorts/imports/import-helpers.ts';
import { ACTOR, goldenStudy, LEAID } from './outreach-helpers.ts';

/**
 * Contacts as districts really export them (issue 11 item 8): an invalid phone number or email is
 * imported with a warning naming line and column, kept as given, and gives no SMS (or email) channel,
 * counted at generation; keys and dates stay strict.
 */
describe(`contacts with invalid phones and emails (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  beforeAll(async () => {
    db = await openTestDatabase();
    await goldenStudy(db, files, 'tolerant');
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('imports the contact with a warning, keeps the number as given, and gives it no SMS channel', async () => {
    const imp = importer(db, files, 'tolerant', LEAID);
    const text = `${CONTACTS_HEADER}
C03,000202,H02,guardian,Cleo,Example,000-000-0000,,vi,true,,
C11,000201,H01,relative,Kim,Synthetic,555-0111,kim@example,en,true,,
`;
    const s = await imp('contacts', 'contacts-2025-10.csv', text);
    expect(s.status).toBe('imported');
    const warnings = s.warnings.map((w) => [w.line, w.message]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        [
          2,
          expect.stringMatching(
            /^column phone: phone number '000-000-0000' is not a valid US .*; imported without an SMS channel$/,
          ),
        ],
        [
          3,
          expect.stringMatching(/^column phone: .*'555-0111'.*area code is missing.*without an SMS channel$/),
        ],
        [3, "column email: 'kim@example' is not an email address; imported without an email channel"],
      ]),
    );
    const rows = await db.kysely
      .selectFrom('caregiver')
      .select(['contact_key', 'phone_e164', 'phone_as_given', 'email', 'email_valid'])
      .where('contact_key', 'in', ['C03', 'C11'])
      .orderBy('contact_key')
      .execute();
    expect(rows).toEqual([
      {
        contact_key: 'C03',
        phone_e164: null,
        phone_as_given: '000-000-0000',
        email: null,
        email_valid: true,
      },
      {
        contact_key: 'C11',
        phone_e164: null,
        phone_as_given: '555-0111',
        email: 'kim@example',
        email_valid: false,
      },
    ]);
    await setProgram(
      db,
      {
        study: 'tolerant',
        arm: 'summary',
        program: 'monthly_summary',
        configPath: files.write('c.json', '{"channels":["sms","email"]}'),
      },
      ACTOR,
    );
    const run = await generateMonth(db, { study: 'tolerant', month: '2025-09' }, ACTOR);
    // C03 (bad number, no email) and C11 (bad number, bad email): no valid channel; both counted.
    expect(run.districts[0].byArm.summary).toMatchObject({
      contactsNoValidChannel: 2,
      contactsInvalidPhone: 2,
    });
    expect(run.districts[0].messages).toBe(2); // C01 by SMS and C02 by email, as in the golden file
  });

  it('a contact marked messenger_contact false is never messaged', async () => {
    const imp = importer(db, files, 'tolerant', LEAID);
    await imp(
      'contacts',
      'contacts-messenger.csv',
      `${CONTACTS_HEADER},messenger_contact\nC06,000204,H04,parent,Fay,Alerts,205-555-0106,,en,true,,,false\n`,
    );
    await setProgram(db, { study: 'tolerant', arm: 'alerts', program: 'threshold_alerts' }, ACTOR);
    const run = await generateAlerts(db, { study: 'tolerant', through: '2025-09-30' }, ACTOR);
    // 000204's only contact is not a message contact: its 7 alerts raise tasks but no messages;
    // 000206's 3 alerts reach C09 by email.
    expect(run.districts[0]).toMatchObject({ alerts: 10, tasks: 2, messages: 3 });
  });

  it('keys and dates stay strict', async () => {
    const imp = importer(db, files, 'tolerant', LEAID);
    const e = await refusal(
      imp(
        'contacts',
        'contacts-bad.csv',
        `${CONTACTS_HEADER}\nC12,000201,H01,parent,Lu,S,000-000-0000,,en,true,2025-13-01,sms\n`,
      ),
    );
    expectProblem(e, { file: 'contacts-bad.csv', line: 2, column: 'opt_out_at', reason: /./ });
  });
});
