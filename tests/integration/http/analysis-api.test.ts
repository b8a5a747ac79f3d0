import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import request from 'supertest';
import type { Db } from '../../../db/connection.ts';
import { fidelityReport } from '../../../outreach/fidelity.service.ts';
import { loadContamination } from '../../../outreach/fidelity.store.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OpenApiChecker } from '../../helpers/openapi.ts';
import { seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';

/**
 * `pilot estimate` and `pilot plan` over HTTP: the same services, the same answers (estimates checked
 * against the R golden file the CLI is checked against), validation errors as 4xx in the vocabulary.
 */

interface GoldenTerm {
  term: string;
  estimate: number;
  std_error: number;
  p_value: number;
  conf_low: number;
  conf_high: number;
}
interface GoldenCase {
  name: string;
  args: string[];
  n: number;
  dropped_missing_outcome: number;
  terms: GoldenTerm[];
}

const FIXTURES = new URL('../../fixtures/csv/', import.meta.url);
const golden = JSON.parse(readFileSync(new URL('estimate-golden.json', FIXTURES), 'utf8')) as {
  cases: GoldenCase[];
};

let db: Db;
let tokens: Tokens;
let openapi: OpenApiChecker;

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
  openapi = new OpenApiChecker((await request(testApp(db)).get('/api/v1/openapi.json')).body);
});
afterAll(async () => {
  await db?.close();
});

/** CLI arguments (`file --outcome y --se-type HC1`) as the form fields of POST /estimate. */
function fieldsOf(args: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 1; i < args.length; i += 2)
    fields[args[i].replace(/^--/, '').replaceAll('-', '_')] = args[i + 1];
  return fields;
}

function postEstimate(fileName: string, content: Buffer | string, fields: Record<string, string>) {
  let t = request(testApp(db)).post('/api/v1/estimate').set('Authorization', `Bearer ${tokens.analyst}`);
  for (const [k, v] of Object.entries(fields)) t = t.field(k, v);
  return t.attach('file', Buffer.from(content), fileName);
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-8 * Math.max(1, Math.abs(b));

describe(`POST /api/v1/estimate (${testDialect})`, () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s matches estimatr', async (_name, c) => {
    const file = c.args[0];
    const res = await postEstimate(file, readFileSync(new URL(file, FIXTURES)), fieldsOf(c.args));
    expect(res.status).toBe(200);
    expect(openapi.check('post', '/estimate', 200, String(res.headers['content-type']), res.body)).toEqual(
      [],
    );
    expect(res.body.file).toBe(file);
    expect(res.body.n).toBe(c.n);
    expect(res.body.dropped_missing_outcome).toBe(c.dropped_missing_outcome);
    for (const want of c.terms) {
      const got = (res.body.terms as GoldenTerm[]).find((t) => t.term === want.term);
      expect(got).toBeDefined();
      for (const k of ['estimate', 'std_error', 'p_value', 'conf_low', 'conf_high'] as const)
        expect([want.term, k, close(got![k], want[k])]).toEqual([want.term, k, true]);
    }
  });

  it('refuses bad options and files with a 400 naming the uploaded file, never a server path', async () => {
    const csv = 'y,z\n1,0\n2,0\n3,1\n';
    const missing = await postEstimate('mine.csv', csv, { outcome: 'absent', treatment: 'z' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('BAD_INPUT');
    expect(JSON.stringify(missing.body)).toContain('mine.csv');
    expect(JSON.stringify(missing.body)).not.toMatch(/pilot-upload-|\/tmp\//);
    const refused: Record<string, string>[] = [
      { outcome: 'y', treatment: 'z', ri: '100' }, // ri needs seed
      { outcome: 'y', treatment: 'z', alpha: '2' },
      { outcome: 'y', treatment: 'z', se_type: 'HC9' },
      { outcome: 'y', treatment: 'z', colour: 'blue' }, // unknown field
      { treatment: 'z' },
    ];
    for (const fields of refused) {
      const res = await postEstimate('mine.csv', csv, fields);
      expect([JSON.stringify(fields), res.status, res.body.error?.code]).toEqual([
        JSON.stringify(fields),
        400,
        'BAD_INPUT',
      ]);
    }
    const noFile = await request(testApp(db))
      .post('/api/v1/estimate')
      .set('Authorization', `Bearer ${tokens.analyst}`)
      .field('outcome', 'y')
      .field('treatment', 'z');
    expect(noFile.status).toBe(400);
  });
});

describe(`/api/v1/studies/:study/plan (${testDialect})`, () => {
  const as = (token: string) => ({
    post: (path: string, body?: object) =>
      request(testApp(db))
        .post(`/api/v1${path}`)
        .set('Authorization', `Bearer ${token}`)
        .send(body ?? {}),
    get: (path: string) => request(testApp(db)).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  });
  const plans = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM analysis_plan`.execute(db.kysely)).rows[0].n;

  it('sets, shows (defaults filled in) and locks a plan; a locked plan refuses changes with 409', async () => {
    const analyst = as(tokens.analyst);
    const plan = { window: { start: '2026-09-01', end: '2026-12-31' }, alpha: 0.1 };
    const set = await analyst.post('/studies/fresh/plan', plan);
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({ study: 'fresh', version: 1, locked: false, changed: true });
    const again = await analyst.post('/studies/fresh/plan', plan);
    expect(again.body).toMatchObject({ version: 1, changed: false });
    const shown = await as(tokens.staff).get('/studies/fresh/plan');
    expect(shown.status).toBe(200);
    expect(shown.body.plan).toMatchObject({ alpha: 0.1, estimator: { method: 'lin', se_type: 'CR2' } });
    expect(shown.body.sha256).toBe(set.body.sha256);
    const locked = await analyst.post('/studies/fresh/plan/lock');
    expect(locked.status).toBe(200);
    expect(locked.body.locked).toBe(true);
    const before = await plans();
    const refused = await analyst.post('/studies/fresh/plan', { ...plan, alpha: 0.05 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('CONFLICT');
    expect(await plans()).toBe(before);
  });

  it('refuses an invalid plan with 400 and stores nothing', async () => {
    const analyst = as(tokens.analyst);
    const before = await plans();
    for (const body of [
      { window: { start: '2026-02-30', end: '2026-12-31' } },
      { window: { start: '2026-09-01', end: '2026-12-31' }, colour: 'blue' },
      { window: { start: '2026-09-01', end: '2026-12-31' }, control_arm: 'nobody' },
      {},
    ]) {
      const res = await analyst.post('/studies/s1/plan', body);
      expect([JSON.stringify(body), res.status, res.body.error?.code]).toEqual([
        JSON.stringify(body),
        400,
        'BAD_INPUT',
      ]);
    }
    expect(await plans()).toBe(before);
    const missing = await analyst.get('/studies/nosuch/plan');
    expect(missing.status).toBe(404);
  });
});

describe(`GET /api/v1/studies/:study/fidelity (${testDialect})`, () => {
  it('answers what `pilot outreach fidelity --json` prints, contamination alarm included', async () => {
    const res = await request(testApp(db))
      .get('/api/v1/studies/s1/fidelity')
      .set('Authorization', `Bearer ${tokens.staff}`);
    expect(res.status).toBe(200);
    expect(
      openapi.check('get', '/studies/:study/fidelity', 200, String(res.headers['content-type']), res.body),
    ).toEqual([]);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(await fidelityReport(db, 's1'))));
    // The fixture has messages but no program: every messaged student is an alarm.
    expect(res.body.contamination.length).toBeGreaterThan(0);
    const studyId = (await sql<{ id: number }>`SELECT id FROM study WHERE slug = 's1'`.execute(db.kysely))
      .rows[0].id;
    expect(res.body.contamination).toEqual(await loadContamination(db.kysely, studyId));
    const missing = await request(testApp(db))
      .get('/api/v1/studies/nosuch/fidelity')
      .set('Authorization', `Bearer ${tokens.analyst}`);
    expect(missing.status).toBe(404);
  });
});
