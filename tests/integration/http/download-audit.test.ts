import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import request from 'supertest';
import { verifyAudit } from '../../../access/audit.service.ts';
import type { Db } from '../../../db/connection.ts';
import { AuditBatcher, appendAuditEventsNow } from '../../../access/audit-batch.service.ts';
import { appendAuditEventNow, auditHash } from '../../../db/audit.store.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OWN, seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';

/**
 * The fast download path: stored report bytes served with a strong ETag from the process's cache,
 * every download (a 304 too) still appending to the audit chain, and concurrent appends never forking it.
 */

let db: Db;
let tokens: Tokens;

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
});
afterAll(async () => {
  await db?.close();
});

const downloads = async () =>
  (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_event WHERE action = 'download'`.execute(
      db.kysely,
    )
  ).rows[0].n;

describe(`report downloads (${testDialect})`, () => {
  const app = () => testApp(db);
  const path = `/api/v1/studies/s1/districts/${OWN}/downloads/report.html`;

  it('carry an ETag; If-None-Match gets 304 with no body, and both are audited', async () => {
    const before = await downloads();
    const first = await request(app()).get(path).set('Authorization', `Bearer ${tokens.partner}`);
    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(first.headers['cache-control']).toBe('private, no-store');
    const again = await request(app())
      .get(path)
      .set('Authorization', `Bearer ${tokens.partner}`)
      .set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(await downloads()).toBe(before + 2);
  });

  it('serve a newer stored report as soon as there is one (the cache is keyed by run)', async () => {
    const first = await request(app()).get(path).set('Authorization', `Bearer ${tokens.partner}`);
    await sql`
      INSERT INTO report_run (study_id, plan_id, kind, district_id, manifest, report_sha256, actor, report_json, report_html)
      SELECT r.study_id, r.plan_id, 'district', r.district_id, r.manifest, ${'c'.repeat(64)}, 'test',
             r.report_json, '<h1>Second report of ' || ${OWN} || '</h1>'
        FROM report_run r JOIN district d ON d.id = r.district_id
       WHERE d.nces_leaid = ${OWN} ORDER BY r.id DESC LIMIT 1`.execute(db.kysely);
    const second = await request(app()).get(path).set('Authorization', `Bearer ${tokens.partner}`);
    expect(second.status).toBe(200);
    expect(second.text).toBe(`<h1>Second report of ${OWN}</h1>`);
    expect(second.headers.etag).not.toBe(first.headers.etag);
  });

  it('go gzip-compressed to a client that accepts gzip, each encoding with its own ETag', async () => {
    const big = `<h1>Long report of ${OWN}</h1>` + '<p>attendance rate by month and arm</p>\n'.repeat(200);
    await sql`
      INSERT INTO report_run (study_id, plan_id, kind, district_id, manifest, report_sha256, actor, report_json, report_html)
      SELECT r.study_id, r.plan_id, 'district', r.district_id, r.manifest, ${'d'.repeat(64)}, 'test',
             r.report_json, ${big}
        FROM report_run r JOIN district d ON d.id = r.district_id
       WHERE d.nces_leaid = ${OWN} ORDER BY r.id DESC LIMIT 1`.execute(db.kysely);
    const auth = `Bearer ${tokens.partner}`;
    const before = await downloads();
    const zipped = await request(app()).get(path).set('Authorization', auth).set('Accept-Encoding', 'gzip');
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/);
    // gzip with the default settings is deterministic: the bytes sent are these (supertest unzips them)
    const compressed = gzipSync(Buffer.from(big));
    expect(Number(zipped.headers['content-length'])).toBe(compressed.length);
    expect(compressed.length).toBeLessThan(Buffer.byteLength(big) / 5);
    expect(zipped.text).toBe(big);
    const plain = await request(app())
      .get(path)
      .set('Authorization', auth)
      .set('Accept-Encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/Accept-Encoding/);
    expect(Number(plain.headers['content-length'])).toBe(Buffer.byteLength(big));
    expect(plain.text).toBe(big);
    // Two representations, two strong validators: each the SHA-256 of the bytes it names.
    const sha = (b: Buffer | string) => `"${createHash('sha256').update(b).digest('hex')}"`;
    expect(plain.headers.etag).toBe(sha(big));
    expect(zipped.headers.etag).toBe(sha(compressed));
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    const refused = await request(app())
      .get(path)
      .set('Authorization', auth)
      .set('Accept-Encoding', 'gzip;q=0, identity');
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.headers.etag).toBe(plain.headers.etag);
    const revalidate = (encoding: string, etag: string) =>
      request(app())
        .get(path)
        .set('Authorization', auth)
        .set('Accept-Encoding', encoding)
        .set('If-None-Match', etag);
    // Each encoding revalidates with its own ETag: 304, no body, that encoding's ETag and Vary.
    const gzip304 = await revalidate('gzip', zipped.headers.etag);
    expect(gzip304.status).toBe(304);
    expect(gzip304.text).toBe('');
    expect(gzip304.headers.etag).toBe(zipped.headers.etag);
    expect(gzip304.headers.vary).toMatch(/Accept-Encoding/);
    const identity304 = await revalidate('identity', plain.headers.etag);
    expect(identity304.status).toBe(304);
    expect(identity304.text).toBe('');
    expect(identity304.headers.etag).toBe(plain.headers.etag);
    // Another encoding's ETag does not match: the full answer in the encoding asked for.
    const crossed = await revalidate('identity', zipped.headers.etag);
    expect(crossed.status).toBe(200);
    expect(crossed.headers['content-encoding']).toBeUndefined();
    expect(crossed.text).toBe(big);
    const crossedGzip = await revalidate('gzip', plain.headers.etag);
    expect(crossedGzip.status).toBe(200);
    expect(crossedGzip.headers['content-encoding']).toBe('gzip');
    expect(crossedGzip.headers.etag).toBe(zipped.headers.etag);
    // A list of both matches whichever encoding is chosen.
    const both = await revalidate('gzip', `${plain.headers.etag}, ${zipped.headers.etag}`);
    expect(both.status).toBe(304);
    expect(await downloads()).toBe(before + 8);
  });

  it('from 40 concurrent requests append 40 events to one unforked chain', async () => {
    const before = await downloads();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        request(app()).get(path).set('Authorization', `Bearer ${tokens.partner}`),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(await downloads()).toBe(before + 40);
    const check = await verifyAudit(db);
    const head = await sql<{
      hash: string;
      prev_hash: string;
    }>`SELECT hash, prev_hash FROM audit_head`.execute(db.kysely);
    expect(head.rows[0].hash).toBe(check.head);
    const forks = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT prev_hash FROM audit_event GROUP BY prev_hash HAVING count(*) > 1) f`.execute(
      db.kysely,
    );
    expect(forks.rows[0].n).toBe(0);
  });
});

describe(`audit appends in one statement (${testDialect})`, () => {
  it('hash in PostgreSQL exactly as auditHash does in JavaScript (non-ASCII text included)', async () => {
    const e = {
      actor: 'tëst',
      action: 'download',
      entity: 'study:s1/district:x/ü.csv',
      details: { rows: 3, b: [1, 'ß'] },
    };
    const prev = (await sql<{ hash: string }>`SELECT hash FROM audit_head`.execute(db.kysely)).rows[0].hash;
    const hash = await appendAuditEventNow(db.kysely, e);
    const row = await sql<{
      at: Date;
      prev_hash: string;
    }>`SELECT at, prev_hash FROM audit_event WHERE hash = ${hash}`.execute(db.kysely);
    expect(row.rows[0].prev_hash).toBe(prev);
    expect(auditHash(prev, new Date(row.rows[0].at).toISOString(), e)).toBe(hash);
    await expect(verifyAudit(db)).resolves.toMatchObject({ head: hash });
  });
});

const forks = async () =>
  (
    await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT prev_hash FROM audit_event GROUP BY prev_hash HAVING count(*) > 1) f`.execute(
      db.kysely,
    )
  ).rows[0].n;

describe(`grouped audit appends (${testDialect})`, () => {
  const event = (n: number) => ({
    actor: 'test',
    action: 'download',
    entity: `study:s1/district:${OWN}/grouped-${n}.csv`,
    details: { rows: n, note: 'ünïcode' },
  });

  it('append many events in one statement, chained in order, hashed as auditHash does', async () => {
    const prev = (await sql<{ hash: string }>`SELECT hash FROM audit_head`.execute(db.kysely)).rows[0].hash;
    const at = new Date().toISOString();
    const events = [1, 2, 3, 4, 5].map((n) => ({ ...event(n), at }));
    const hashes = await appendAuditEventsNow(db, events);
    expect(hashes).toHaveLength(5);
    let expected = prev;
    for (const [i, e] of events.entries()) {
      expected = auditHash(expected, at, e);
      expect(hashes[i]).toBe(expected);
    }
    const rows = await sql<{ entity: string; hash: string }>`
      SELECT entity, hash FROM audit_event ORDER BY seq DESC LIMIT 5`.execute(db.kysely);
    expect(rows.rows.reverse().map((r) => r.hash)).toEqual(hashes);
    const head = await sql<{
      hash: string;
      prev_hash: string;
    }>`SELECT hash, prev_hash FROM audit_head`.execute(db.kysely);
    expect(head.rows[0]).toEqual({ hash: hashes[4], prev_hash: hashes[3] });
    await expect(verifyAudit(db)).resolves.toMatchObject({ head: hashes[4] });
    expect(await appendAuditEventsNow(db, [])).toEqual([]);
  });

  it('group concurrent events into one statement', async () => {
    const batcher = new AuditBatcher(db);
    const hashes = await Promise.all(Array.from({ length: 60 }, (_, n) => batcher.append(event(n))));
    expect(new Set(hashes).size).toBe(60);
    expect(batcher.statements).toBe(1);
    await expect(verifyAudit(db)).resolves.toMatchObject({ head: hashes[59] });
  });

  it('keep one verified chain when grouped, multi-event and single appends run concurrently', async () => {
    const before = await downloads();
    const a = new AuditBatcher(db);
    const b = new AuditBatcher(db);
    const at = () => new Date().toISOString();
    const work: Promise<unknown>[] = [];
    for (let n = 0; n < 30; n++) {
      work.push(a.append(event(n)), b.append(event(100 + n)));
      if (n % 5 === 0)
        work.push(
          appendAuditEventsNow(db, [
            { ...event(200 + n), at: at() },
            { ...event(300 + n), at: at() },
          ]),
        );
      if (n % 10 === 0) work.push(appendAuditEventNow(db.kysely, event(400 + n)));
    }
    await Promise.all(work);
    expect(await downloads()).toBe(before + 60 + 12 + 3);
    const check = await verifyAudit(db);
    const head = await sql<{ hash: string }>`SELECT hash FROM audit_head`.execute(db.kysely);
    expect(head.rows[0].hash).toBe(check.head);
    expect(await forks()).toBe(0);
  });
});
