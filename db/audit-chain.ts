import { auditHash, GENESIS_HASH } from './audit.store.ts';

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  details: unknown;
  prevHash: string;
  hash: string;
}

export interface BrokenLink {
  seq: number;
  action: string;
  entity: string;
  at: string;
  reason: 'prev_hash does not match the previous event' | 'hash does not match the event';
}

export interface ChainCheck {
  events: number;
  head: string;
  firstBroken: BrokenLink | null;
}

/**
 * Recomputes the chain hash = SHA-256(prev_hash + '\n' + canonical event) in seq order and names the
 * first event whose link or content does not hold (every later hash depends on it).
 */
export function checkChain(rows: readonly AuditRow[]): ChainCheck {
  let prev = GENESIS_HASH;
  for (const r of rows) {
    const bad =
      r.prevHash !== prev
        ? ('prev_hash does not match the previous event' as const)
        : auditHash(prev, r.at, r) !== r.hash
          ? ('hash does not match the event' as const)
          : null;
    if (bad)
      return {
        events: rows.length,
        head: rows[rows.length - 1].hash,
        firstBroken: { seq: r.seq, action: r.action, entity: r.entity, at: r.at, reason: bad },
      };
    prev = r.hash;
  }
  return { events: rows.length, head: prev, firstBroken: null };
}
