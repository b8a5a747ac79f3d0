import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../../db/connection.ts';
import { exportAlerts, exportMonth, exportTasks } from '../../../outreach/export.service.ts';
import { generateAlerts, generateMonth } from '../../../outreach/messages.service.ts';
import { setProgram } from '../../../outreach/program.service.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { TempFiles } from '../cohorts/imports/import-helpers.ts';
import { ACTOR, FIXTURE, goldenStudy, LEAID } from './outreach-helpers.ts';

/**
 * The golden district (tests/fixtures/outreach/README.md): September's monthly summaries, the alerts
 * and staff tasks through September 30, exported and compared byte for byte with the checked-in files.
 * UPDATE_GOLDEN=1 rewrites them (then check the diff by hand).
 */
describe(`outreach golden district (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  const expected = (name: string) => join(FIXTURE, 'expected', name);
  const compare = (name: string, text: string) => {
    if (process.env.UPDATE_GOLDEN || !existsSync(expected(name))) {
      mkdirSync(join(FIXTURE, 'expected'), { recursive: true });
      writeFileSync(expected(name), text);
    }
    expect(text).toBe(readFileSync(expected(name), 'utf8'));
  };

  beforeAll(async () => {
    db = await openTestDatabase();
    await goldenStudy(db, files, 'golden');
    await setProgram(
      db,
      {
        study: 'golden',
        arm: 'summary',
        program: 'monthly_summary',
        configPath: files.write('summary.json', '{"channels":["sms","email"]}'),
      },
      ACTOR,
    );
    await setProgram(db, { study: 'golden', arm: 'alerts', program: 'threshold_alerts' }, ACTOR);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('generates and exports September summaries byte for byte', async () => {
    const steps: [number, number, string][] = [];
    const run = await generateMonth(db, { study: 'golden', month: '2025-09' }, ACTOR, (done, total, detail) =>
      steps.push([done, total, detail]),
    );
    // progress: the three set-based reads, then the district, then writing, then done
    expect(steps).toEqual([
      [0, 5, 'reading absences'],
      [1, 5, 'reading students'],
      [2, 5, 'reading contacts'],
      [3, 5, `district ${LEAID}`],
      [4, 5, 'writing'],
      [5, 5, 'done'],
    ]);
    expect(run.districts).toEqual([
      expect.objectContaining({
        leaid: LEAID,
        status: 'generated',
        messages: 3,
        byArm: {
          summary: {
            studentsEligible: 3,
            contactsOptedOut: 2,
            contactsNoConsent: 1,
            contactsNoValidChannel: 0,
            contactsInvalidPhone: 0,
            languageFallbacks: 1,
          },
        },
      }),
    ]);
    const out = files.write('messages.csv', '');
    const e = await exportMonth(db, { study: 'golden', district: LEAID, month: '2025-09', out }, ACTOR);
    expect(e).toMatchObject({ rows: 3, newlyExported: 3 });
    compare('messages-2025-09.csv', readFileSync(out, 'utf8'));
  });

  it('generates and exports alerts and staff tasks through September 30 byte for byte', async () => {
    const run = await generateAlerts(db, { study: 'golden', through: '2025-09-30' }, ACTOR);
    expect(run.districts[0]).toMatchObject({ status: 'generated', alerts: 10, tasks: 2, messages: 10 });
    const alerts = await exportAlerts(db, { study: 'golden', district: LEAID, through: '2025-09-30' }, ACTOR);
    compare('alerts-2025-09-30.csv', alerts.text);
    const tasks = await exportTasks(db, { study: 'golden', district: LEAID, through: '2025-09-30' });
    compare('tasks-2025-09-30.csv', tasks.text);
    expect(tasks.rows).toBe(2);
  });
});
