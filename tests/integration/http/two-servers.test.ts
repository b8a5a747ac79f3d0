import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { openPostgres, type Db } from '../../../db/connection.ts';
import { migrateToLatest } from '../../../db/migrate.ts';
import { createScratchPostgres } from '../../../db/scratch-database.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OWN, seedHttpFixture, type Tokens } from './http-fixture.ts';
import { startServer, type RunningServer } from '../../../server/serve.ts';
import { pino } from 'pino';

/**
 * Two `pilot serve` processes on one database serve the same users: a session made on one works on
 * the other, and failed authentications count once across both. On PostgreSQL the two are real
 * processes; PGlite is single-process, so there the two are servers in this process on one handle.
 */
let db: Db;
let tokens: Tokens;
let drop = async () => {};
const children: ChildProcess[] = [];
const servers: RunningServer[] = [];
let urls: string[] = [];

function spawnServe(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/pilot.js', 'serve', '--port', '0'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PILOT_LOG_LEVEL: 'silent', PILOT_FROM_SOURCE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`pilot serve exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchPostgres(process.env.DATABASE_URL, 'pilot_two');
    db = openPostgres(scratch.url);
    drop = scratch.drop;
    await migrateToLatest(db);
    tokens = await seedHttpFixture(db);
    urls = (await Promise.all([spawnServe(scratch.url), spawnServe(scratch.url)])).map((s) => s.url);
  } else {
    db = await openTestDatabase();
    tokens = await seedHttpFixture(db);
    for (let i = 0; i < 2; i++) {
      const s = await startServer(db, { port: 0, logger: pino({ level: 'silent' }) });
      servers.push(s);
      urls.push(`http://127.0.0.1:${s.port}`);
    }
  }
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null)));
  for (const s of servers) await s.close();
  await db.close();
  await drop();
});

async function signIn(base: string, token: string): Promise<string> {
  const form = await fetch(`${base}/portal/login`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1];
  const loginCookie = form.headers
    .getSetCookie()
    .find((c) => c.startsWith('pilot_login_csrf='))!
    .split(';')[0];
  const res = await fetch(`${base}/portal/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, token }).toString(),
  });
  expect(res.status).toBe(303);
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith('pilot_session='))!
    .split(';')[0];
}

describe(`two servers on one database (${testDialect})`, () => {
  it('a session made on one server works on the other', async () => {
    const cookie = await signIn(urls[0], tokens.partner);
    const page = await fetch(`${urls[1]}/portal`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`District ${OWN}`);
  });

  it('failed authentications are counted across both servers', async () => {
    const bad = { authorization: `Bearer pilot_${'A'.repeat(43)}` };
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++)
      statuses.push((await fetch(`${urls[i % 2]}/api/v1/me`, { headers: bad })).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses[20]).toBe(429);
    expect((await fetch(`${urls[0]}/api/v1/me`, { headers: bad })).status).toBe(429);
    // A valid token is never throttled.
    const ok = await fetch(`${urls[1]}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.staff}` } });
    expect(ok.status).toBe(200);
  });

  it('a stopping server finishes the request in flight', async () => {
    // PostgreSQL: SIGTERM to the first `pilot serve` process; PGlite: close() on the in-process server.
    const child = children[0] as ChildProcess | undefined;
    let closed: Promise<unknown> = Promise.resolve();
    const stop = () => {
      if (child) child.kill('SIGTERM');
      else closed = servers.shift()!.close();
    };
    const url = new URL(urls[0]);
    const boundary = 'pilotboundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="schools.csv"\r\nContent-Type: text/csv\r\n\r\nschool_id,name\n`;
    const tail = `late,Late School\n\r\n--${boundary}--\r\n`;
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/api/v1/studies/fresh/districts/${OWN}/imports/schools`,
          headers: {
            authorization: `Bearer ${tokens.staff}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': Buffer.byteLength(head + tail),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.write(head);
      setTimeout(() => {
        stop();
        setTimeout(() => req.end(tail), 300);
      }, 300);
    });
    const exited = child
      ? new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
      : Promise.resolve(0);
    const res = await response;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'imported', inserted: 1 });
    expect(await exited).toBe(0);
    await closed;
    // …and then it is gone.
    await expect(fetch(`${urls[0]}/healthz`)).rejects.toThrow();
  });
});
