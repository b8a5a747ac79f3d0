import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { migrateDown, migrateToLatest } from '../../../db/migrate.ts';
import { appendAuditEvent, auditHead, GENESIS_HASH, verifyAuditChain } from '../../../db/audit.store.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';

let db: Db;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

describe(`schema on ${testDialect}`, () => {
  it('migrates down and up again', async () => {
    const down = await migrateDown(db);
    expect(down.length).toBeGreaterThan(0);
    const up = await migrateToLatest(db);
    expect(up).toEqual(down);
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'student'`.execute(db.kysely);
    expect(tables.rows[0].n).toBe(1);
  });

  it('refuses a district whose LEAID lost its leading zero', async () => {
    const study = await db.kysely
      .insertInto('study')
      .values({ slug: 's1', name: 'S', unit: 'student', arms: '[{"name":"a","probability":"0.5"},{"name":"b","probability":"0.5"}]', block_by: '[]', seed: 'ab', seed_commitment: 'f'.repeat(64) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(
      db.kysely.insertInto('district').values({ study_id: study.id, nces_leaid: '100005', name: 'D', state: 'AL', locale_code: 42 }).execute(),
    ).rejects.toThrow(/check constraint/);
  });

  it('chains audit events by SHA-256 and forbids rewriting them', async () => {
    expect(await auditHead(db.kysely)).toBe(GENESIS_HASH);
    const h1 = await db.kysely.transaction().execute((trx) => appendAuditEvent(trx, { actor: 't', action: 'a1', entity: 'e', details: { n: 1 } }));
    const h2 = await db.kysely.transaction().execute((trx) => appendAuditEvent(trx, { actor: 't', action: 'a2', entity: 'e', details: { n: 2 } }));
    expect(h1).not.toBe(h2);
    expect(await auditHead(db.kysely)).toBe(h2);
    expect(await verifyAuditChain(db.kysely)).toBeNull();
    await expect(sql`UPDATE audit_event SET actor = 'x'`.execute(db.kysely)).rejects.toThrow(/cannot be changed/);
    await expect(sql`DELETE FROM audit_event`.execute(db.kysely)).rejects.toThrow(/cannot be changed/);
  });
});
