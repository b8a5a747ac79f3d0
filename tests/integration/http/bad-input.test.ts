import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import request from 'supertest';
import type { Express } from 'express';
import type { Db } from '../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OWN, seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';

let db: Db;
let app: Express;
let tokens: Tokens;
const LIMIT = 2000;

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
  app = testApp(db, { maxUploadBytes: LIMIT });
});
afterAll(async () => {
  await db.close();
});

async function counts() {
  const r = await sql<Record<string, number>>`
    SELECT (SELECT count(*) FROM study)::int AS study, (SELECT count(*) FROM district)::int AS district,
           (SELECT count(*) FROM school)::int AS school, (SELECT count(*) FROM import_file)::int AS imports,
           (SELECT count(*) FROM audit_event)::int AS audit`.execute(db.kysely);
  return r.rows[0];
}

const post = (path: string) =>
  request(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${tokens.staff}`);
const upload = `/studies/fresh/districts/${OWN}/imports/schools`;

/** Sends a request, expects a 4xx with the error body, and checks nothing changed. */
async function refused(t: () => PromiseLike<request.Response>, status: number, message: RegExp) {
  const before = await counts();
  const res = await t();
  expect(res.status).toBe(status);
  expect(res.body.error.message).toMatch(message);
  expect(await counts()).toEqual(before);
  return res;
}

describe(`bad input over HTTP (${testDialect})`, () => {
  it('malformed JSON', async () => {
    await refused(
      () => post('/studies').set('Content-Type', 'application/json').send('{"slug": "x",'),
      400,
      /not valid JSON/,
    );
  });

  it('wrong types, named by field', async () => {
    const res = await refused(
      () => post('/studies/fresh/districts').send({ leaid: '3600099', name: 'X', state: 'NY', locale: '42' }),
      400,
      /locale/,
    );
    expect(res.body.error.details.issues).toEqual([
      { path: 'locale', message: expect.stringMatching(/expected number/) },
    ]);
  });

  it('unknown fields', async () => {
    const res = await refused(
      () => post('/studies/s1/randomizations').send({ wave: 2, force: true }),
      400,
      /`force`: unknown field/,
    );
    expect(res.body.error.details.issues).toEqual([{ path: 'force', message: 'unknown field' }]);
  });

  it('unknown query parameters and bad path parameters', async () => {
    await refused(
      () => request(app).get('/api/v1/studies?limit=5').set('Authorization', `Bearer ${tokens.staff}`),
      400,
      /`limit`: unknown field/,
    );
    await refused(
      () => request(app).get('/api/v1/studies/NOT%20A%20SLUG').set('Authorization', `Bearer ${tokens.staff}`),
      400,
      /`study`: must be a study slug/,
    );
  });

  it('a JSON body over 100 kB', async () => {
    await refused(
      () =>
        post('/studies').send({
          slug: 'big',
          name: 'x'.repeat(150_000),
          unit: 'student',
          arms: 'a:0.5,b:0.5',
        }),
      413,
      /over the limit/,
    );
  });

  it('an upload one byte over the limit is refused; one at the limit is read', async () => {
    const header = 'school_id,name\n';
    const line = 'aaaaaaaaa,bbbbbbbbbbbbbbbbbbbb\n';
    let body = header;
    while (body.length + line.length <= LIMIT) body += line;
    body += 'x'.repeat(LIMIT - body.length); // exactly LIMIT bytes (the last line is refused by the reader)
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const atLimit = await post(upload).attach('file', Buffer.from(body), 'schools.csv');
    expect(atLimit.status).toBe(400); // read whole, then refused for its bad last row, not for size
    expect(atLimit.body.error.message).not.toMatch(/over the limit/);
    await refused(
      () => post(upload).attach('file', Buffer.from(body + 'y'), 'schools.csv'),
      413,
      new RegExp(`over the limit of ${LIMIT} bytes`),
    );
  });

  it('a bad file is refused with file, line and column, naming the uploaded file', async () => {
    const res = await refused(
      () =>
        post(upload).attach(
          'file',
          Buffer.from('school_id,name,nces_id\nnorth,North,999\n'),
          'district schools.csv',
        ),
      400,
      /./,
    );
    const problems = res.body.error.details.problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: 'district schools.csv', line: 2, column: 'nces_id' });
  });

  it('path traversal in an upload file name', async () => {
    for (const name of ['../../etc/passwd', '..\\evil.csv', '/tmp/x.csv', '.hidden.csv']) {
      await refused(
        // filepath: form-data would otherwise send only the base name
        () => post(upload).attach('file', Buffer.from('school_id,name\na,b\n'), { filepath: name } as never),
        400,
        /`file`: the name .* is not allowed/,
      );
    }
  });

  it('path traversal in a download name', async () => {
    await refused(
      () =>
        request(app)
          .get(`/api/v1/studies/s1/districts/${OWN}/downloads/..%2F..%2Fetc%2Fpasswd`)
          .set('Authorization', `Bearer ${tokens.partner}`),
      400,
      /`name`: must be an artifact name/,
    );
  });

  it('an upload that is not multipart, without a file, or with two files', async () => {
    await refused(() => post(upload).send({ file: 'x' }), 400, /multipart\/form-data/);
    await refused(() => post(upload).field('encoding', 'utf-8'), 400, /`file`: a multipart field "file"/);
    await refused(
      () =>
        post(upload)
          .attach('file', Buffer.from('school_id,name\na,b\n'), 'a.csv')
          .attach('file', Buffer.from('school_id,name\nc,d\n'), 'b.csv'),
      400,
      /one file per request/,
    );
    await refused(
      () => post(upload).field('colour', 'red').attach('file', Buffer.from('school_id,name\na,b\n'), 'a.csv'),
      400,
      /`colour`: unknown field/,
    );
  });

  it('an unknown endpoint or method', async () => {
    await refused(
      () => request(app).put('/api/v1/studies').set('Authorization', `Bearer ${tokens.staff}`),
      404,
      /no such endpoint/,
    );
  });

  it('a good upload is imported, and the same file again changes nothing', async () => {
    const file = Buffer.from('school_id,name\nnorth,North School\n');
    const first = await post(upload).attach('file', file, 'schools.csv').expect(201);
    expect(first.body).toMatchObject({ status: 'imported', file: 'schools.csv', inserted: 1 });
    const again = await post(upload).attach('file', file, 'schools.csv').expect(201);
    expect(again.body).toMatchObject({ status: 'already_imported', import_id: first.body.import_id });
  });
});
