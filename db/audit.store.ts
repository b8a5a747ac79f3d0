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
  return createHash('sha256')
    .update(`${prevHash}\n${auditBody(at, e)}`)
    .digest('hex');
}

/** The canonical JSON an event's hash covers. */
function auditBody(at: string, e: AuditInput): string {
  return canonicalJson({
    at,
    actor: e.actor,
    action: e.action,
    entity: e.entity,
    details: e.details ?? null,
  });
}

/**
 * Appends one event to the hash chain in one statement: the UPDATE of the one-row `audit_head`
 * (migration 012) takes the row lock that serializes appenders (held until the caller's transaction
 * ends; a waiting appender then re-reads the new head), and PostgreSQL computes
 * hash = SHA-256(prev_hash + '\n' + canonical body) as auditHash does. Returns the new head.
 */
export async function appendAuditEvent(trx: Transaction<Database>, e: AuditInput): Promise<string> {
  return insertAuditEvent(trx, e);
}

/**
 * Appends one event in a transaction of its own (downloads), holding the chain's row lock only while
 * the statement runs: the append commits without waiting for its WAL flush (synchronous_commit off
 * for that one transaction), so the lock is not held across an fsync; a second transaction, which
 * writes only an empty logical-decoding message (so that it has WAL to commit: a transaction without
 * any skips the flush), commits synchronously and so waits for the flush, which covers the append's
 * commit record (WAL is flushed in order). Concurrent appenders share those flushes (group commit), and the caller learns
 * the event is durable before it answers. A crash before the flush loses only a tail of the chain
 * whose callers got no answer; the chain stays whole.
 */
export async function appendAuditEventNow(db: Kysely<Database>, e: AuditInput): Promise<string> {
  const hash = await insertAuditEvent(db, e, true);
  await waitForWalFlush(db);
  return hash;
}

/**
 * Waits until every transaction committed so far is flushed to WAL: a transaction that writes only an
 * empty logical-decoding message (one without any WAL skips the flush) and commits synchronously.
 */
export async function waitForWalFlush(db: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_logical_emit_message(true, 'pilot.audit', '')`.execute(db);
}

async function insertAuditEvent(db: Kysely<Database>, e: AuditInput, flushAfter = false): Promise<string> {
  const at = new Date().toISOString();
  const body = auditBody(at, e);
  const asyncCommit = flushAfter
    ? sql`, async_commit AS (SELECT set_config('synchronous_commit', 'off', true) AS mode)`
    : sql``;
  const r = await sql<{ hash: string }>`
    WITH head AS (
      UPDATE audit_head
         SET prev_hash = hash,
             hash = encode(sha256(convert_to(hash || chr(10) || ${body}::text, 'UTF8')), 'hex')
      RETURNING prev_hash, hash)${asyncCommit}
    INSERT INTO audit_event (at, actor, action, entity, details, prev_hash, hash)
    SELECT ${at}::timestamptz, ${e.actor}, ${e.action}, ${e.entity}, ${JSON.stringify(e.details ?? null)}::jsonb,
           head.prev_hash, head.hash
      FROM head${flushAfter ? sql`, async_commit` : sql``}
    RETURNING hash`.execute(db);
  const row = r.rows[0];
  if (!row) throw new Error('audit_head is missing: run the migrations (pilot init)');
  return row.hash;
}

/** An event with its time, as a grouped append takes it (the time the download happened). */
export interface TimedAuditInput extends AuditInput {
  at: string;
}

/**
 * Appends events to the hash chain in one statement, in the order given: `FOR UPDATE` on the one-row
 * `audit_head` takes the lock that serializes appenders (under READ COMMITTED a waiting appender gets
 * the head as the lock holder left it), a recursive CTE computes each hash from the one before it
 * exactly as auditHash does (SHA-256 of prev_hash + '\n' + the canonical body, which is sent as the
 * text JavaScript hashes), the rows are inserted in chain order (so their seq follows the chain) and
 * the head moves to the last one. With asyncCommit the statement's transaction commits without
 * waiting for its WAL flush (see appendAuditEventsNow). Returns the new hashes in order.
 */
export async function insertAuditEvents(
  db: Kysely<Database>,
  events: readonly TimedAuditInput[],
  asyncCommit = false,
): Promise<string[]> {
  if (events.length === 0) return [];
  const input = JSON.stringify(
    events.map((e) => ({
      at: e.at,
      actor: e.actor,
      action: e.action,
      entity: e.entity,
      details: e.details ?? null,
      body: auditBody(e.at, e),
    })),
  );
  const mode = asyncCommit
    ? sql`, async_commit AS (SELECT set_config('synchronous_commit', 'off', true) AS mode)`
    : sql``;
  const r = await sql<{ i: number; hash: string }>`
    WITH RECURSIVE head AS (SELECT hash FROM audit_head FOR UPDATE),
    input AS (
      SELECT t.i, t.e FROM jsonb_array_elements(${input}::jsonb) WITH ORDINALITY AS t(e, i)),
    chain (i, prev_hash, hash) AS (
      SELECT 0::bigint, NULL::text, (SELECT hash FROM head)
      UNION ALL
      SELECT c.i + 1, c.hash,
             encode(sha256(convert_to(c.hash || chr(10) || (input.e ->> 'body'), 'UTF8')), 'hex')
        FROM chain c JOIN input ON input.i = c.i + 1),
    last AS (SELECT prev_hash, hash FROM chain ORDER BY i DESC LIMIT 1),
    inserted AS (
      INSERT INTO audit_event (at, actor, action, entity, details, prev_hash, hash)
      SELECT (input.e ->> 'at')::timestamptz, input.e ->> 'actor', input.e ->> 'action',
             input.e ->> 'entity', input.e -> 'details', chain.prev_hash, chain.hash
        FROM chain JOIN input ON input.i = chain.i
       ORDER BY chain.i
      RETURNING hash),
    moved AS (
      UPDATE audit_head SET prev_hash = last.prev_hash, hash = last.hash FROM last
      RETURNING audit_head.hash)${mode}
    SELECT chain.i::int AS i, chain.hash FROM chain${asyncCommit ? sql`, async_commit` : sql``}
     WHERE chain.i > 0
       AND (SELECT count(*) FROM inserted) = ${events.length}
       AND (SELECT count(*) FROM moved) = 1
     ORDER BY chain.i`.execute(db);
  if (r.rows.length !== events.length)
    throw new Error('audit_head is missing: run the migrations (pilot init)');
  return r.rows.map((row) => row.hash);
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
