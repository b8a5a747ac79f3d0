import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tmpdir } from 'node:os';
import { unzipSync } from 'fflate';
import request from 'supertest';
import type { Express } from 'express';
import { createToken } from '../../../access/token.service.ts';
import type { Db } from '../../../db/connection.ts';
import { SYNTH_MAX_STUDENTS } from '../../../server/operation-routes.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OpenApiChecker } from '../../helpers/openapi.ts';
import { testApp } from './http-fixture.ts';

/** `POST /api/v1/synth` (`pilot synth`, its folder as a zip): deterministic and bounded. */

let db: Db;
let app: Express;
let staff: string;
let openapi: OpenApiChecker;

beforeAll(async () => {
  db = await openTestDatabase();
  app = testApp(db);
  staff = (await createToken(db, { role: 'staff' }, 'test', new Date())).token;
  openapi = new OpenApiChecker((await request(app).get('/api/v1/openapi.json').expect(200)).body);
});
afterAll(async () => {
  await db?.close();
});

function synth(body: object) {
  return request(app)
    .post('/api/v1/synth')
    .set('Authorization', `Bearer ${staff}`)
    .send(body)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const json = String(res.headers['content-type'] ?? '').startsWith('application/json');
        done(null, json ? JSON.parse(bytes.toString('utf8')) : bytes);
      });
    });
}

describe(`POST /synth (${testDialect})`, () => {
  it('answers the same bytes for the same options, other bytes for another seed', async () => {
    const options = { districts: 3, students: 90, seed: 'same', exceptions: true };
    const a = await synth(options);
    const b = await synth(options);
    const c = await synth({ ...options, seed: 'other' });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(openapi.check('post', '/synth', 200, String(a.headers['content-type']), a.body)).toEqual([]);
    expect((a.body as Buffer).equals(b.body as Buffer)).toBe(true);
    expect((a.body as Buffer).equals(c.body as Buffer)).toBe(false);
    const files = unzipSync(new Uint8Array(a.body as Buffer));
    const manifest = JSON.parse(Buffer.from(files['manifest.json']).toString('utf8'));
    expect(manifest.parameters).toEqual({
      districts: 3,
      students: 90,
      seed: 'same',
      year: 2025,
      oneroster: 0,
      exceptions: true,
    });
    expect(manifest.counts.students).toBe(90);
    const districts = Buffer.from(files['districts.csv']).toString('utf8').trim().split('\n');
    expect(districts).toHaveLength(1 + 3);
    for (const d of manifest.districts as { leaid: string; files: string[] }[])
      for (const f of d.files) expect(files[`${d.leaid}/${f}`]).toBeDefined();
  });

  it('refuses more students than the HTTP limit, unknown fields and impossible options with a 400', async () => {
    const cases: [object, RegExp][] = [
      [{ districts: 1, students: SYNTH_MAX_STUDENTS + 1, seed: 's' }, /students/],
      [{ districts: 1, students: 40, seed: 's', out: '/etc' }, /out/],
      [{ districts: 4, students: 40, seed: 's' }, /at least \d+ students per district/],
      [{ districts: 2, students: 60, seed: 's', oneroster: 3 }, /oneroster/],
      [{ districts: 1, students: 40 }, /seed/],
    ];
    for (const [body, message] of cases) {
      const res = await synth(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_INPUT');
      expect(JSON.stringify(res.body.error)).toMatch(message);
      expect(JSON.stringify(res.body)).not.toContain(tmpdir());
    }
  });
});
