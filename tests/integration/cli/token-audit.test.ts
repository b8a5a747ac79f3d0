import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../../../config.ts';
import { openDatabase } from '../../../db/connection.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';
import { testDialect } from '../../helpers/database.ts';

let config: Config;
let drop: () => Promise<void>;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pilot-token-'));
  ({ config, drop } = await cliConfig(join(dir, 'db')));
  expect((await runPilot(config, 'init')).code).toBe(0);
});
afterAll(async () => {
  await drop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`pilot token and pilot audit verify (${testDialect})`, () => {
  let partnerToken = '';

  it('refuses a partner token without a district, naming the field', async () => {
    const r = await runPilot(config, 'token', 'create', '--role', 'partner');
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/(`district`|--district): a partner token needs its district/);
    const staff = await runPilot(config, 'token', 'create', '--role', 'staff', '--district', '0100005');
    expect(staff.stderr).toMatch(/district is only for partner tokens/);
    const past = await runPilot(config, 'token', 'create', '--role', 'analyst', '--expires', '2020-01-01');
    expect(past.stderr).toMatch(/(`expires`|--expires): 2020-01-01 is in the past/);
  });

  it('prints a token once and stores only its SHA-256', async () => {
    const r = await runPilot(
      config,
      'token',
      'create',
      '--role',
      'partner',
      '--district',
      '0100005',
      '--expires',
      '2099-12-31',
    );
    expect(r.code).toBe(0);
    partnerToken = r.stdout.trim();
    expect(partnerToken).toMatch(/^pilot_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toMatch(/shown once/);
    const list = await runPilot(config, 'token', 'list', '--json');
    const tokens = JSON.parse(list.stdout);
    expect(tokens).toEqual([
      expect.objectContaining({ id: 1, role: 'partner', district: '0100005', revoked_at: null }),
    ]);
    expect(list.stdout).not.toContain(partnerToken.slice(6));
  });

  it('revokes by token; a second revoke is a conflict', async () => {
    const r = await runPilot(config, 'token', 'revoke', partnerToken);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/revoked token 1 \(partner\)/);
    const again = await runPilot(config, 'token', 'revoke', '--id', '1');
    expect(again.code).toBe(75);
    expect(again.stderr).toMatch(/already revoked/);
  });

  it('verifies the audit chain, then names the one row a superuser tampered with', async () => {
    const ok = await runPilot(config, 'audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit chain verified: 2 events, head [0-9a-f]{64}/);
    const db = await openDatabase(config);
    try {
      await sql`ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update`.execute(db.kysely);
      await sql`UPDATE audit_event SET details = '{"role": "staff", "district": null}'::jsonb WHERE seq = 1`.execute(
        db.kysely,
      );
      await sql`ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update`.execute(db.kysely);
    } finally {
      await db.close();
    }
    const bad = await runPilot(config, 'audit', 'verify');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /audit chain broken at event 1 \(token\.create token:1, [0-9T:.-]+Z\): hash does not match the event/,
    );
  });
});
