import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { verifyAudit } from '../../../access/audit.service.ts';
import { createToken } from '../../../access/token.service.ts';
import type { Config } from '../../../config.ts';
import { openDatabase, type Db } from '../../../db/connection.ts';
import { createApp } from '../../../server/app.ts';
import { ROUTES } from '../../../server/routes.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OpenApiChecker } from '../../helpers/openapi.ts';
import { TempFiles } from '../cohorts/imports/import-helpers.ts';
import { FIXTURE, goldenStudy, LEAID } from '../outreach/outreach-helpers.ts';
import { PANEL } from './authorization-matrix.ts';

/**
 * The CLI's remaining operations over /api/v1 (server/operation-routes.ts), each answering with
 * success on a study with data: the outreach golden district (programs, templates, message and alert
 * runs, exports compared byte for byte with the checked-in files, receipts and visits imports, the
 * home-visit worklist) and a small `pilot demo` study (late wave, analysis, district report, event
 * studies, design diagnosis). Every answer is checked against the OpenAPI document.
 */

type Caller = (
  method: 'get' | 'post',
  path: string,
  send?: object,
) => Promise<request.Response & { checked: true }>;

function callerOf(app: Express, openapi: () => OpenApiChecker, token: string): Caller {
  return async (method, path, send) => {
    let t = request(app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    if (send) t = t.send(send);
    const res = await t;
    const route = ROUTES.find(
      (r) =>
        r.method === method &&
        new RegExp(`^${r.path.replace(/:[a-z]+/g, '[^/]+')}$`).test(path.split('?')[0]),
    )!;
    const problems = openapi().check(
      method,
      route.path,
      res.status,
      String(res.headers['content-type'] ?? ''),
      res.body,
    );
    expect(problems).toEqual([]);
    return res as request.Response & { checked: true };
  };
}

const expected = (name: string) => readFileSync(join(FIXTURE, 'expected', name), 'utf8');

describe(`outreach operations over HTTP on the golden district (${testDialect})`, () => {
  let db: Db;
  let app: Express;
  let openapi: OpenApiChecker;
  let staff: Caller;
  let analyst: Caller;
  const files = new TempFiles();

  beforeAll(async () => {
    db = await openTestDatabase();
    await goldenStudy(db, files, 'golden');
    await goldenStudy(db, files, 'visits');
    app = createApp({ db, logger: pino({ level: 'silent' }) });
    openapi = new OpenApiChecker((await request(app).get('/api/v1/openapi.json').expect(200)).body);
    const token = async (role: string) => (await createToken(db, { role }, 'test', new Date())).token;
    staff = callerOf(app, () => openapi, await token('staff'));
    analyst = callerOf(app, () => openapi, await token('analyst'));
  });
  afterAll(async () => {
    await db?.close();
    files.remove();
  });

  it('programs.set: each arm gets its program (the configuration as JSON)', async () => {
    const summary = await staff('post', '/studies/golden/programs/summary', {
      program: 'monthly_summary',
      config: { channels: ['sms', 'email'] },
    });
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ arm: 'summary', program: 'monthly_summary', version: 1 });
    expect(summary.body.config.channels).toEqual(['sms', 'email']);
    const alerts = await staff('post', '/studies/golden/programs/alerts', { program: 'threshold_alerts' });
    expect(alerts.status).toBe(200);
    expect(alerts.body).toMatchObject({ arm: 'alerts', program: 'threshold_alerts' });
  });

  it('templates.add: a new version of a template from its text', async () => {
    // (in the other study: golden's exports stay those of its checked-in files)
    const res = await staff('post', '/studies/visits/templates', {
      purpose: 'monthly_summary',
      language: 'vi',
      text: '{{student_first_name}} nghỉ {{absences_month}} ngày trong tháng {{month_name}}.',
      max_segments: 4,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ purpose: 'monthly_summary', language: 'vi', version: 1, encoding: 'ucs2' });
  });

  it("messages.generate and messages.export: September's summaries, the CSV byte for byte", async () => {
    const run = await staff('post', '/studies/golden/messages', { month: '2025-09' });
    expect(run.status).toBe(200);
    expect(run.body.districts).toEqual([expect.objectContaining({ leaid: LEAID, status: 'generated' })]);
    expect(run.body.districts[0].messages).toBeGreaterThan(0);
    const csv = await staff('post', `/studies/golden/districts/${LEAID}/messages/export`, {
      month: '2025-09',
    });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain(`golden-${LEAID}-messages-2025-09.csv`);
    expect(csv.text).toBe(expected('messages-2025-09.csv'));
  });

  it('alerts.generate, alerts.export and tasks.export: through September 30, byte for byte', async () => {
    const run = await staff('post', '/studies/golden/alerts', { through: '2025-09-30' });
    expect(run.status).toBe(200);
    expect(run.body.districts[0]).toMatchObject({ leaid: LEAID, status: 'generated' });
    const alerts = await staff('post', `/studies/golden/districts/${LEAID}/alerts/export`, {
      through: '2025-09-30',
    });
    expect(alerts.status).toBe(200);
    expect(alerts.text).toBe(expected('alerts-2025-09-30.csv'));
    const tasks = await analyst('get', `/studies/golden/districts/${LEAID}/tasks?through=2025-09-30`);
    expect(tasks.status).toBe(200);
    expect(tasks.text).toBe(expected('tasks-2025-09-30.csv'));
  });

  it('imports.create receipts: a delivery receipt updates its message', async () => {
    const message = await sql<{ id: number }>`
      SELECT m.id FROM message m JOIN message_batch b ON b.id = m.batch_id JOIN study s ON s.id = b.study_id
       WHERE s.slug = 'golden' ORDER BY m.id LIMIT 1`.execute(db.kysely);
    const res = await request(app)
      .post(`/api/v1/studies/golden/districts/${LEAID}/imports/receipts`)
      .set('Authorization', `Bearer ${(await createToken(db, { role: 'staff' }, 'test', new Date())).token}`)
      .attach(
        'file',
        Buffer.from(`message_id,status,status_at\n${message.rows[0].id},delivered,2025-10-01T14:00:00Z\n`),
        'receipts.csv',
      );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'receipts',
      file: 'receipts.csv',
      status: 'imported',
      rows_read: 1,
      messages_updated: 1,
    });
    expect(
      openapi.check(
        'post',
        '/studies/:study/districts/:leaid/imports/:kind',
        201,
        'application/json',
        res.body,
      ),
    ).toEqual([]);
  });

  it('imports.create visits and visits.worklist: a home-visit arm lists its chronically absent students', async () => {
    const program = await staff('post', '/studies/visits/programs/summary', { program: 'home_visits' });
    expect(program.status).toBe(200);
    const token = (await createToken(db, { role: 'staff' }, 'test', new Date())).token;
    const res = await request(app)
      .post(`/api/v1/studies/visits/districts/${LEAID}/imports/visits`)
      .set('Authorization', `Bearer ${token}`)
      .attach(
        'file',
        Buffer.from('student_id,visit_date,modality,personnel\n000201,2025-09-20,in_person,school\n'),
        'visits.csv',
      );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'visits', status: 'imported', rows_read: 1, inserted: 1 });
    const worklist = await analyst(
      'get',
      `/studies/visits/districts/${LEAID}/visits/worklist?through=2025-09-30`,
    );
    expect(worklist.status).toBe(200);
    expect(worklist.headers['content-type']).toMatch(/^text\/csv/);
    expect(worklist.text.split('\n')[0]).toBe(
      'school_id,school_name,student_sis_id,grade,enrolled_days,absence_days,absence_rate,visits,last_visit_date',
    );
  });

  it('left the audit chain whole', async () => {
    await expect(verifyAudit(db)).resolves.toMatchObject({ firstBroken: null });
  });
});

describe(`analysis operations over HTTP on a demo study (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-cli-operations-'));
  let config: Config;
  let drop: () => Promise<void>;
  let db: Db;
  let app: Express;
  let openapi: OpenApiChecker;
  let staff: Caller;
  let analyst: Caller;
  let leaid: string;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
    const demo = await runPilot(
      config,
      'demo',
      '--districts',
      '1',
      '--students',
      '120',
      '--oneroster',
      '0',
      '--seed',
      'cli-operations',
      '--out',
      join(dir, 'files'),
    );
    expect(demo.code).toBe(0);
    db = await openDatabase(config);
    app = createApp({ db, logger: pino({ level: 'silent' }) });
    openapi = new OpenApiChecker((await request(app).get('/api/v1/openapi.json').expect(200)).body);
    const token = async (role: string) => (await createToken(db, { role }, 'test', new Date())).token;
    staff = callerOf(app, () => openapi, await token('staff'));
    analyst = callerOf(app, () => openapi, await token('analyst'));
    leaid = (await sql<{ nces_leaid: string }>`SELECT nces_leaid FROM district`.execute(db.kysely)).rows[0]
      .nces_leaid;
  }, 240_000);
  afterAll(async () => {
    await db?.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waves.open: the next late wave with its seed commitment', async () => {
    const res = await staff('post', '/studies/demo/waves', {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ study: 'demo', wave: 2 });
    expect(res.body.seed_commitment).toMatch(/^[0-9a-f]{64}$/);
  });

  it("analyze: the plan's estimates, the report and its hash", async () => {
    const res = await analyst('post', '/studies/demo/analyses', {});
    expect(res.status).toBe(201);
    expect(res.body.files).toEqual(expect.arrayContaining(['report.json', 'report.html']));
    expect(res.body.report_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.audit_head).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.report.headline).toEqual(res.body.headline);
    const run = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM report_run WHERE kind = 'analysis'`.execute(db.kysely);
    expect(run.rows[0].n).toBe(2); // the demo's and this one
  });

  it('reports.district: the stored partner report is what the partner then downloads', async () => {
    const res = await analyst('post', `/studies/demo/districts/${leaid}/reports`);
    expect(res.status).toBe(201);
    expect(res.body.files).toEqual(expect.arrayContaining(['report.json', 'report.html']));
    const partner = (await createToken(db, { role: 'partner', district: leaid }, 'test', new Date())).token;
    const download = await request(app)
      .get(`/api/v1/studies/demo/districts/${leaid}/downloads/report.json`)
      .set('Authorization', `Bearer ${partner}`);
    expect(download.status).toBe(200);
    const sha = (await import('node:crypto')).createHash('sha256').update(download.text).digest('hex');
    expect(sha).toBe(res.body.report_sha256);
  });

  it("event-study.study: TWFE on the study's panel from the first delivered message", async () => {
    const res = await analyst('post', '/studies/demo/event-study', {
      start: 'first_delivered_message',
      method: 'twfe',
    });
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('twfe');
    expect(Array.isArray(res.body.terms)).toBe(true);
    expect(res.body.terms.length).toBeGreaterThan(0);
  });

  it('event-study.file: TWFE on an uploaded panel CSV', async () => {
    const token = (await createToken(db, { role: 'analyst' }, 'test', new Date())).token;
    const res = await request(app)
      .post('/api/v1/event-study')
      .set('Authorization', `Bearer ${token}`)
      .field('id', 'id')
      .field('time', 't')
      .field('cohort', 'g')
      .field('outcome', 'y')
      .field('method', 'twfe')
      .attach('file', Buffer.from(PANEL), 'panel.csv');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ file: 'panel.csv', method: 'twfe' });
    expect(res.body.terms.length).toBeGreaterThan(0);
    expect(openapi.check('post', '/event-study', 200, 'application/json', res.body)).toEqual([]);
  });

  it('diagnose: power, bias, RMSE and coverage of a plan by simulation', async () => {
    const res = await analyst('post', '/diagnose', {
      plan: { window: { start: '2026-09-01', end: '2026-12-31' } },
      districts: 2,
      students: 80,
      effect: -1,
      sims: 6,
      seed: 'cli-operations',
    });
    expect(res.status).toBe(200);
    expect(res.body.sims).toBe(6);
    expect(res.body.power.value).toBeGreaterThanOrEqual(0);
    expect(res.body.power.value).toBeLessThanOrEqual(1);
  });

  it('left the audit chain whole', async () => {
    await expect(verifyAudit(db)).resolves.toMatchObject({ firstBroken: null });
  });
});
