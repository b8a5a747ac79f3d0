import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { canonicalJson } from './canonical-json.ts';
import type { Database } from './types.ts';
import type { AuditRow } from './audit-chain.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actor: string;
  action: string;
  entity: string;
  details: unknown;
}

/** hash = SHA-256(prev_hash + '\n' + canonical JSON of {at, actor, action, entity, details}). */
export function auditHash(prevHash: string, at: string, e: AuditInput): string {
  const body = canonicalJson({
    at,
    actor: e.actor,
    action: e.action,
    entity: e.entity,
    details: e.details ?? null,
  });
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

/**
 * Appends one event to the hash chain. The table lock serializes writers so the chain never forks;
 * it is held only until the caller's transaction ends.
 */
export async function appendAuditEvent(trx: Transaction<Database>, e: AuditInput): Promise<string> {
  await sql`LOCK TABLE audit_event IN EXCLUSIVE MODE`.execute(trx);
  const head = await trx
    .selectFrom('audit_event')
    .select('hash')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const prevHash = head?.hash ?? GENESIS_HASH;
  const at = new Date().toISOString();
  const hash = auditHash(prevHash, at, e);
  await trx
    .insertInto('audit_event')
    .values({
      at,
      actor: e.actor,
      action: e.action,
      entity: e.entity,
      details: JSON.stringify(e.details ?? null),
      prev_hash: prevHash,
      hash,
    })
    .execute();
  return hash;
}

export async function auditHead(db: Kysely<Database>): Promise<string> {
  const head = await db
    .selectFrom('audit_event')
    .select('hash')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return head?.hash ?? GENESIS_HASH;
}

/** Every audit event in seq order, as the chain check reads them. */
export async function loadAuditRows(db: Kysely<Database>): Promise<AuditRow[]> {
  const rows = await db.selectFrom('audit_event').selectAll().orderBy('seq').execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/** Re-walks the chain; returns the first broken seq or null when every link holds. */
export async function verifyAuditChain(db: Kysely<Database>): Promise<number | null> {
  const rows = await db.selectFrom('audit_event').selectAll().orderBy('seq').execute();
  let prev = GENESIS_HASH;
  for (const r of rows) {
    const at = new Date(r.at).toISOString();
    const details = r.details;
    if (r.prev_hash !== prev || auditHash(prev, at, { ...r, details }) !== r.hash) return r.seq;
    prev = r.hash;
  }
  return null;
}
