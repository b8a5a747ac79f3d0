import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import request from 'supertest';
import { pino } from 'pino';
import { createToken } from '../../../access/token.service.ts';
import type { Config } from '../../../config.ts';
import { openDatabase, type Db } from '../../../db/connection.ts';
import { verifyAuditChain } from '../../../db/audit.store.ts';
import { createApp } from '../../../server/app.ts';
import { testDialect } from '../../helpers/database.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';

/**
 * Report runs as `pilot demo` makes them (plan set and locked, analyze, one district report per
 * district): each run is audited, its stored manifest names the audit head it was made at (report.json
 * does not, so reruns stay byte-identical), and the district report is stored and served to the
 * district's partner byte for byte.
 */
describe(`report runs: audit and partner download (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-report-runs-'));
  let config: Config;
  let drop: () => Promise<void>;
  let db: Db;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
    const demo = await runPilot(config, 'demo', '--districts', '2', '--students', '200', '--oneroster', '0');
    expect(demo.code).toBe(0);
    db = await openDatabase(config);
  }, 240_000);
  afterAll(async () => {
    await db?.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audits plan set, plan lock and every report run; each stored manifest names the audit head', async () => {
    const events = await sql<{ seq: number; action: string; entity: string; prev_hash: string }>`
      SELECT seq, action, entity, prev_hash FROM audit_event
       WHERE action IN ('plan.set', 'plan.lock', 'report.analysis', 'report.district') ORDER BY seq`.execute(
      db.kysely,
    );
    expect(events.rows.map((e) => e.action)).toEqual([
      'plan.set',
      'plan.lock',
      'report.analysis',
      'report.district',
      'report.district',
    ]);
    const runs = await sql<{ id: number; kind: string; manifest: unknown; leaid: string | null }>`
      SELECT r.id, r.kind, r.manifest, d.nces_leaid AS leaid FROM report_run r
        LEFT JOIN district d ON d.id = r.district_id ORDER BY r.id`.execute(db.kysely);
    expect(runs.rows.length).toBe(3);
    for (const [i, run] of runs.rows.entries()) {
      const manifest = (typeof run.manifest === 'string' ? JSON.parse(run.manifest) : run.manifest) as {
        audit_head: string;
      };
      const event = events.rows[2 + i];
      expect(event.entity).toBe(
        run.kind === 'district'
          ? `study:demo/district:${run.leaid}/report:${run.id}`
          : `study:demo/report:${run.id}`,
      );
      // The head the run was made at is the event's predecessor: the run is chained right after it.
      expect(manifest.audit_head).toBe(event.prev_hash);
    }
    expect(await verifyAuditChain(db.kysely)).toBeNull();
  });

  it("serves each district its stored report, the files pilot report wrote, and not another district's", async () => {
    const districts = await sql<{ nces_leaid: string }>`
      SELECT nces_leaid FROM district ORDER BY nces_leaid`.execute(db.kysely);
    const [own, other] = districts.rows.map((d) => d.nces_leaid);
    const token = (await createToken(db, { role: 'partner', district: own }, 'test', new Date())).token;
    const app = createApp({ db, logger: pino({ level: 'silent' }) });
    const get = (path: string) => request(app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    const list = await get(`/studies/demo/districts/${own}/downloads`);
    expect(list.status).toBe(200);
    const names = list.body.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(['assignments.csv', 'report.html', 'report.json']));
    // The demo's outreach stores monthly batches: their message lists are listed too.
    expect(names.some((n: string) => /^messages-\d{4}-\d{2}\.csv$/.test(n))).toBe(true);
    const files = join(config.dataDir, 'demo-data', 'report-demo', 'districts', own);
    for (const name of ['report.html', 'report.json']) {
      const res = await get(`/studies/demo/districts/${own}/downloads/${name}`)
        .buffer(true)
        .parse((r, cb) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString('utf8')));
          r.on('end', () => cb(null, text));
        });
      expect(res.status).toBe(200);
      expect(res.body).toBe(readFileSync(join(files, name), 'utf8'));
      const theirs = await get(`/studies/demo/districts/${other}/downloads/${name}`);
      expect(theirs.status).toBe(404);
    }
  });
});
