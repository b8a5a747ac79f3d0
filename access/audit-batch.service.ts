import type { Db } from '../db/connection.ts';
import {
  insertAuditEvents,
  waitForWalFlush,
  type AuditInput,
  type TimedAuditInput,
} from '../db/audit.store.ts';

/**
 * Appends events to the audit chain in one statement (its own transaction), holding the chain's row
 * lock only while that statement runs: it commits without waiting for its WAL flush
 * (synchronous_commit off for that transaction), then a second transaction that writes only an
 * empty logical-decoding message commits synchronously and so waits for the flush, which covers the
 * append's commit record (WAL is flushed in order). When this resolves the events are durable. A
 * crash before the flush loses only a tail of the chain whose callers got no answer; the chain stays
 * whole. Returns the new hashes in order.
 */
export async function appendAuditEventsNow(db: Db, events: readonly TimedAuditInput[]): Promise<string[]> {
  if (events.length === 0) return [];
  const hashes = await insertAuditEvents(db.kysely, events, true);
  await waitForFlush(db);
  return hashes;
}

function waitForFlush(db: Db): Promise<void> {
  return waitForWalFlush(db.kysely);
}

interface Pending {
  event: TimedAuditInput;
  resolve: (hash: string) => void;
  reject: (error: unknown) => void;
}

/** Most events one grouped statement carries (the JSON parameter stays small). */
const MAX_GROUP = 500;

/**
 * Groups the audit events of concurrent requests (partner downloads) into one append: while one
 * group's statement runs, later events wait in a queue and go together in the next statement, so
 * the chain's row lock is taken once per group instead of once per download. There is no timer: an
 * event alone goes at once (next turn of the event loop), and under load groups form by themselves
 * (group commit). Only the statement is serialized; the durability wait of one group overlaps the
 * next group's append. Each caller's promise resolves with its own event's hash once the event is
 * durable, or rejects with the group's error (nothing of a failed group was appended).
 */
export class AuditBatcher {
  private queue: Pending[] = [];
  private running = false;
  /** Statements run so far (tests see that concurrent events share them). */
  statements = 0;

  constructor(private readonly db: Db) {}

  append(e: AuditInput): Promise<string> {
    const event: TimedAuditInput = { ...e, at: new Date().toISOString() };
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUP);
      let hashes: string[];
      this.statements += 1;
      try {
        hashes = await insertAuditEvents(
          this.db.kysely,
          group.map((p) => p.event),
          true,
        );
      } catch (error) {
        for (const p of group) p.reject(error);
        continue;
      }
      waitForFlush(this.db).then(
        () => group.forEach((p, i) => p.resolve(hashes[i])),
        (error) => group.forEach((p) => p.reject(error)),
      );
    }
    this.running = false;
  }
}

const batchers = new WeakMap<Db, AuditBatcher>();

/**
 * Appends one event through the database's batcher (one per Db in this process): concurrent callers
 * share a statement. Resolves once the event is durable.
 */
export function appendAuditEventGrouped(db: Db, e: AuditInput): Promise<string> {
  let b = batchers.get(db);
  if (!b) batchers.set(db, (b = new AuditBatcher(db)));
  return b.append(e);
}
