import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import request from 'supertest';
import type { Express } from 'express';
import type { Db } from '../../../db/connection.ts';
import { ROUTES } from '../../../server/routes.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OpenApiChecker } from '../../helpers/openapi.ts';
import { MATRIX, type Caller, type MatrixRequest } from './authorization-matrix.ts';
import { MISSING, OTHER, OTHER_NAME, OWN, seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';
import { seedOutreachStudy } from './outreach-fixture.ts';

let db: Db;
let app: Express;
let tokens: Tokens;
let openapi: OpenApiChecker;
let n = 0;

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
  await seedOutreachStudy(db);
  app = testApp(db);
  const doc = await request(app).get('/api/v1/openapi.json').expect(200);
  openapi = new OpenApiChecker(doc.body);
});
afterAll(async () => {
  await db.close();
});

const TOKEN_OF: Record<Caller, keyof Tokens> = {
  staff: 'staff',
  analyst: 'analyst',
  partnerOwn: 'partner',
  partnerOther: 'partner',
};

/** Row counts of every table a request could change. */
async function stateCounts(): Promise<Record<string, number>> {
  const r = await sql<Record<string, number>>`
    SELECT (SELECT count(*) FROM study)::int AS study, (SELECT count(*) FROM district)::int AS district,
           (SELECT count(*) FROM school)::int AS school, (SELECT count(*) FROM import_file)::int AS import_file,
           (SELECT count(*) FROM randomization)::int AS randomization,
           (SELECT count(*) FROM api_token)::int AS api_token,
           (SELECT count(*) FROM api_token WHERE revoked_at IS NOT NULL)::int AS revoked,
           (SELECT count(*) FROM analysis_plan)::int AS analysis_plan,
           (SELECT count(*) FROM analysis_plan WHERE locked_at IS NOT NULL)::int AS locked_plans,
           (SELECT count(*) FROM message_batch)::int AS message_batch,
           (SELECT count(*) FROM message)::int AS message,
           (SELECT count(*) FROM message WHERE status = 'exported')::int AS exported,
           (SELECT count(*) FROM alert)::int AS alert, (SELECT count(*) FROM staff_task)::int AS staff_task,
           (SELECT count(*) FROM event_study_run)::int AS event_study_run,
           (SELECT count(*) FROM audit_event)::int AS audit_event`.execute(db.kysely);
  return r.rows[0];
}

/** A binary answer's bytes as res.body (a JSON answer, an error, parsed as JSON). */
function bytes(res: request.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    const json = String(res.headers['content-type'] ?? '').startsWith('application/json');
    done(null, json ? JSON.parse(body.toString('utf8')) : body);
  });
}

async function send(method: string, req: MatrixRequest, token: string | null) {
  const path = `/api/v1${req.path.replace('SPARE', String(tokens.spare))}`;
  let t = (request(app) as unknown as Record<string, (p: string) => request.Test>)[method](path);
  if (token) t = t.set('Authorization', `Bearer ${token}`);
  if (req.upload) {
    for (const [k, v] of Object.entries(req.upload.fields ?? {})) t = t.field(k, v);
    return t.attach('file', Buffer.from(req.upload.content), req.upload.fileName);
  }
  if (req.binary) t = t.buffer(true).parse(bytes);
  if (req.body !== undefined) return t.send(req.body as object);
  return t;
}

describe(`authorization matrix (${testDialect})`, () => {
  it('has a row for every route and no row for a route that does not exist', () => {
    expect([...new Set(MATRIX.map((r) => r.route))].sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });

  for (const row of MATRIX) {
    const route = ROUTES.find((r) => r.id === row.route)!;
    describe(`${route.method.toUpperCase()} ${row.request(OWN, 0).path}`, () => {
      it('answers 401 without a token and changes nothing', async () => {
        const before = await stateCounts();
        const res = await send(route.method, row.request(OWN, ++n), null);
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
        expect(await stateCounts()).toEqual(before);
      });

      for (const caller of ['partnerOther', 'partnerOwn', 'analyst', 'staff'] as Caller[]) {
        const status = row.expect[caller];
        it(`${caller} → ${status}`, async () => {
          const before = await stateCounts();
          const district = caller === 'partnerOther' ? OTHER : OWN;
          const res = await send(
            route.method,
            row.request(district, ++n),
            tokens[TOKEN_OF[caller]] as string,
          );
          expect({ status: res.status, body: res.body }).toMatchObject({ status });
          const problems = openapi.check(
            route.method,
            route.path,
            res.status,
            String(res.headers['content-type'] ?? ''),
            res.body,
          );
          expect(problems).toEqual([]);
          if (status < 300 && row.check) await row.check(res, caller);
          if (status >= 400) {
            // A refused request changes nothing (the audit trail included).
            expect(await stateCounts()).toEqual(before);
          }
          if (caller === 'partnerOwn') {
            // (a binary answer's text is undefined: its body is the bytes, or the parsed error)
            const text = res.text ?? JSON.stringify(res.body);
            expect(text).not.toContain(OTHER);
            expect(text).not.toContain(OTHER_NAME);
          }
          if (caller === 'partnerOther' && route.districtParam) {
            // Another district answers exactly as one that does not exist.
            const missing = await send(route.method, row.request(MISSING, ++n), tokens.partner);
            expect(missing.status).toBe(res.status);
            expect(res.text.replaceAll(OTHER, 'X')).toBe(missing.text.replaceAll(MISSING, 'X'));
          }
        });
      }
    });
  }
});

describe(`responses (${testDialect})`, () => {
  it('a partner reads only its own district: the assignment list names no other district', async () => {
    const res = await request(app)
      .get(`/api/v1/studies/s1/districts/${OWN}/assignments`)
      .set('Authorization', `Bearer ${tokens.partner}`)
      .expect(200);
    expect(res.body.length).toBeGreaterThan(0);
    expect(new Set(res.body.map((r: { district_leaid: string }) => r.district_leaid))).toEqual(
      new Set([OWN]),
    );
    const all = await request(app)
      .get('/api/v1/studies/s1/assignments')
      .set('Authorization', `Bearer ${tokens.analyst}`)
      .expect(200);
    expect(res.body).toEqual(all.body.filter((r: { district_leaid: string }) => r.district_leaid === OWN));
  });

  it('the partner download is the district CSV and is audited', async () => {
    const before = (await stateCounts()).audit_event;
    const res = await request(app)
      .get(`/api/v1/studies/s1/districts/${OWN}/downloads/assignments.csv`)
      .set('Authorization', `Bearer ${tokens.partner}`)
      .expect(200)
      .expect('content-type', /text\/csv/)
      .expect('content-disposition', /attachment; filename="?s1-3600001-assignments\.csv"?/);
    const lines = res.text.trim().split('\n');
    expect(lines[0]).toBe('unit_key,student_id,district_leaid,block_key,arm,wave');
    expect(lines.slice(1).every((l) => l.includes(`:${OWN}:`))).toBe(true);
    expect((await stateCounts()).audit_event).toBe(before + 1);
    const last = await sql<{ action: string; entity: string; actor: string }>`
      SELECT action, entity, actor FROM audit_event ORDER BY seq DESC LIMIT 1`.execute(db.kysely);
    expect(last.rows[0]).toMatchObject({
      action: 'download',
      entity: `study:s1/district:${OWN}/assignments.csv`,
    });
    expect(last.rows[0].actor).toMatch(/^token:\d+:partner:3600001$/);
  });

  it('a revoked token gets 401 at once', async () => {
    const made = await request(app)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${tokens.staff}`)
      .send({ role: 'analyst' })
      .expect(201);
    await request(app).get('/api/v1/me').set('Authorization', `Bearer ${made.body.token}`).expect(200);
    await request(app)
      .delete(`/api/v1/tokens/${made.body.info.id}`)
      .set('Authorization', `Bearer ${tokens.staff}`)
      .expect(200);
    await request(app).get('/api/v1/me').set('Authorization', `Bearer ${made.body.token}`).expect(401);
  });

  it('no plaintext token is stored', async () => {
    const r = await sql<{ t: string }>`SELECT row_to_json(t)::text AS t FROM api_token t`.execute(db.kysely);
    const dump = r.rows.map((x) => x.t).join('\n');
    for (const t of [tokens.staff, tokens.analyst, tokens.partner])
      expect(dump).not.toContain(t.slice(6, 20));
  });

  it('health and readiness', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200, { status: 'ready' });
  });

  it('is not ready while migrations are pending', async () => {
    const { openMemoryDatabase } = await import('../../../db/connection.ts');
    const empty = await openMemoryDatabase();
    try {
      const res = await request(testApp(empty)).get('/readyz').expect(503);
      expect(res.body.status).toBe('migrations pending');
    } finally {
      await empty.close();
    }
  });

  it('logs method, path and status: no token, cookie, query or body', async () => {
    const { Writable } = await import('node:stream');
    const { pino } = await import('pino');
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    const logged = testApp(db, { logger: pino({ level: 'info' }, sink) });
    await request(logged)
      .get(`/api/v1/studies/s1/districts/${OWN}/assignments?x=1`)
      .set('Authorization', `Bearer ${tokens.partner}`)
      .set('Cookie', 'pilot_session=secret-cookie');
    await request(logged)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${tokens.staff}`)
      .send({ role: 'analyst' });
    expect(text).toMatch(/"path":"\/api\/v1\/studies\/s1\/districts\/3600001\/assignments"/);
    expect(text).toMatch(/"status":201/);
    expect(text).not.toContain(tokens.partner);
    expect(text).not.toContain(tokens.staff);
    expect(text).not.toContain('pilot_');
    expect(text).not.toContain('secret-cookie');
    expect(text).not.toContain('x=1');
    expect(text).not.toMatch(/household:|"S\d+"/);
  });

  it('an unknown error is a 500 with a request id and no stack', async () => {
    const broken = testApp(db, {
      routes: [
        {
          ...ROUTES.find((r) => r.id === 'me')!,
          handler: async () => {
            throw new Error('secret detail SELECT * FROM student');
          },
        },
      ],
    });
    const res = await request(broken).get('/api/v1/me').set('Authorization', `Bearer ${tokens.staff}`);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(res.body.error.details.request_id).toBe(res.headers['x-request-id']);
    expect(res.text).not.toMatch(/secret|SELECT|at .*\.ts/);
  });
});
