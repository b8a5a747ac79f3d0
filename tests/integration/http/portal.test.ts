import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import type { Db } from '../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { MISSING, OTHER, OTHER_NAME, OWN, seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';

let db: Db;
let app: Express;
let tokens: Tokens;

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
  app = testApp(db);
});
afterAll(async () => {
  await db.close();
});

function cookieValue(setCookie: string[] | string | undefined, name: string): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = all.find((x) => x.startsWith(`${name}=`));
  return c ? c.slice(name.length + 1).split(';')[0] : '';
}

/** Signs in through the form as a browser would; returns the session cookie and the page's CSRF token. */
async function signInForm(a: Express, token: string) {
  const form = await request(a).get('/portal/login').expect(200);
  const loginCsrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1];
  const res = await request(a)
    .post('/portal/login')
    .set('Cookie', `pilot_login_csrf=${cookieValue(form.headers['set-cookie'], 'pilot_login_csrf')}`)
    .type('form')
    .send({ csrf: loginCsrf, token });
  return res;
}

async function session(token: string) {
  const res = await signInForm(app, token);
  expect(res.status).toBe(303);
  const cookie = `pilot_session=${cookieValue(res.headers['set-cookie'], 'pilot_session')}`;
  const home = await request(app).get('/portal').set('Cookie', cookie).expect(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(home.text)![1];
  return { cookie, home, csrf };
}

describe(`partner portal (${testDialect})`, () => {
  it('sends visitors without a session to the sign-in page', async () => {
    await request(app).get('/portal').expect(303).expect('location', '/portal/login');
    const form = await request(app).get('/portal/login').expect(200);
    expect(form.text).toMatch(/<label for="token">Access token<\/label>/);
    expect(form.text).toMatch(/<html lang="en">/);
    expect(form.text).toMatch(/name="viewport"/);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie on sign-in', async () => {
    const res = await signInForm(app, tokens.partner);
    expect(res.status).toBe(303);
    const set = (res.headers['set-cookie'] as unknown as string[]).find((c) =>
      c.startsWith('pilot_session='),
    )!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/portal/);
  });

  it('refuses a sign-in without the form token (CSRF) and a bad token', async () => {
    await request(app).post('/portal/login').type('form').send({ token: tokens.partner }).expect(403);
    const bad = await signInForm(app, 'pilot_' + 'x'.repeat(43));
    expect(bad.status).toBe(401);
    expect(bad.text).toMatch(/not valid/);
  });

  it("a partner sees its district's downloads and nothing of another district", async () => {
    const { home } = await session(tokens.partner);
    expect(home.text).toContain(`District ${OWN}`);
    expect(home.text).toContain(`/portal/studies/s1/districts/${OWN}/downloads/assignments.csv`);
    expect(home.text).not.toContain(OTHER);
    expect(home.text).not.toContain(OTHER_NAME);
  });

  it('a partner downloads its assignment list; another district answers as a missing one', async () => {
    const { cookie } = await session(tokens.partner);
    const csv = await request(app)
      .get(`/portal/studies/s1/districts/${OWN}/downloads/assignments.csv`)
      .set('Cookie', cookie)
      .expect(200)
      .expect('content-type', /text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('unit_key,student_id,district_leaid,block_key,arm,wave');
    const other = await request(app)
      .get(`/portal/studies/s1/districts/${OTHER}/downloads/assignments.csv`)
      .set('Cookie', cookie)
      .expect(404);
    const missing = await request(app)
      .get(`/portal/studies/s1/districts/${MISSING}/downloads/assignments.csv`)
      .set('Cookie', cookie)
      .expect(404);
    expect(other.text.replaceAll(OTHER, 'X')).toBe(missing.text.replaceAll(MISSING, 'X'));
  });

  it('staff see the study overview with every district and the randomization record', async () => {
    const { home } = await session(tokens.staff);
    expect(home.text).toMatch(/Study overview/);
    expect(home.text).toContain(OWN);
    expect(home.text).toContain(OTHER);
    expect(home.text).toMatch(/Randomization record/);
    expect(home.text).toMatch(/<th scope="col" class="num">Units<\/th>/);
  });

  it('sign-out needs the CSRF token and ends the session', async () => {
    const { cookie, csrf } = await session(tokens.analyst);
    await request(app).post('/portal/logout').set('Cookie', cookie).type('form').send({}).expect(403);
    await request(app).get('/portal').set('Cookie', cookie).expect(200);
    await request(app).post('/portal/logout').set('Cookie', cookie).type('form').send({ csrf }).expect(303);
    await request(app).get('/portal').set('Cookie', cookie).expect(303);
  });

  it('revoking a token ends its portal sessions', async () => {
    const { cookie } = await session(tokens.staff);
    const made = await request(app)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${tokens.staff}`)
      .send({ role: 'partner', district: OWN })
      .expect(201);
    const s = await session(made.body.token);
    await request(app).get('/portal').set('Cookie', s.cookie).expect(200);
    await request(app)
      .delete(`/api/v1/tokens/${made.body.info.id}`)
      .set('Authorization', `Bearer ${tokens.staff}`)
      .expect(200);
    await request(app).get('/portal').set('Cookie', s.cookie).expect(303);
    await request(app).get('/portal').set('Cookie', cookie).expect(200);
  });
});
