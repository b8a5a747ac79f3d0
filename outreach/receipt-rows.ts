import type { CsvRecord } from '../csv/csv-reader.ts';
import type { BoundHeader, ProblemSink } from '../cohorts/imports/import-problems.ts';
import { cell } from '../cohorts/imports/import-rows/row-reader.ts';
import { quote } from '../cohorts/imports/normalize/field-result.ts';

export const RECEIPT_COLUMNS = {
  required: ['message_id', 'status', 'status_at'],
  optional: ['provider_ref'],
} as const;

export type ReceiptStatus = 'delivered' | 'failed' | 'opted_out';

export interface ReceiptRow {
  line: number;
  messageId: number;
  status: ReceiptStatus;
  /** ISO 8601 instant (UTC). */
  statusAt: string;
  providerRef: string | null;
}

/**
 * Words a caregiver replies with to stop texts: FCC 24-18 names stop, quit, end, revoke, opt out,
 * cancel and unsubscribe as revocations per se; "no más" is its Spanish equivalent.
 */
const STOP_WORDS = new Set([
  'stop',
  'stopall',
  'quit',
  'end',
  'revoke',
  'opt out',
  'optout',
  'opt-out',
  'cancel',
  'unsubscribe',
  'no más',
  'no mas',
]);

const SYNONYMS: Record<string, ReceiptStatus> = {
  delivered: 'delivered',
  failed: 'failed',
  undelivered: 'failed',
  bounced: 'failed',
  opted_out: 'opted_out',
};

/** A receipt status, or a STOP-style reply (an opt-out of the number). */
export function parseReceiptStatus(raw: string): { status: ReceiptStatus; note?: string } | null {
  const s = raw.trim().toLowerCase();
  const hit = SYNONYMS[s];
  if (hit) return hit === s ? { status: hit } : { status: hit, note: `status ${quote(raw)} read as ${hit}` };
  if (STOP_WORDS.has(s.replace(/\s+/g, ' ')))
    return { status: 'opted_out', note: `reply ${quote(raw)} recorded as an opt-out of the number` };
  return null;
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** 'YYYY-MM-DD' (midnight UTC) or an ISO 8601 date-time; a time without zone is read as UTC. */
export function parseInstant(raw: string): string | null {
  const m = INSTANT.exec(raw.trim());
  if (!m) return null;
  const text = m[2] === undefined ? `${m[1]}T00:00:00Z` : `${raw.trim().replace(' ', 'T')}${m[5] ? '' : 'Z'}`;
  const t = Date.parse(text);
  if (Number.isNaN(t) || (new Date(t).toISOString().slice(0, 10) !== m[1] && !m[5])) return null;
  return new Date(t).toISOString();
}

/** Reads one receipts.csv record against the district's message ids. */
export function readReceipt(
  rec: CsvRecord,
  h: BoundHeader,
  sink: ProblemSink,
  messageIds: ReadonlySet<number>,
  leaid: string,
): ReceiptRow | null {
  let ok = true;
  const idRaw = cell(rec, h, 'message_id').trim();
  const messageId = /^\d{1,15}$/.test(idRaw) ? Number(idRaw) : NaN;
  if (Number.isNaN(messageId)) {
    sink.problem(rec.line, 'message_id', `message_id ${quote(idRaw)} is not a whole number`);
    ok = false;
  } else if (!messageIds.has(messageId)) {
    sink.problem(
      rec.line,
      'message_id',
      `message ${messageId} is not a message exported for district ${leaid}`,
    );
    ok = false;
  }
  const statusRaw = cell(rec, h, 'status');
  const status = parseReceiptStatus(statusRaw);
  if (!status) {
    sink.problem(
      rec.line,
      'status',
      `status ${quote(statusRaw)} is not delivered, failed or opted_out (or a STOP-style reply)`,
    );
    ok = false;
  } else if (status.note) sink.warn(status.note, rec.line);
  const atRaw = cell(rec, h, 'status_at');
  const statusAt = parseInstant(atRaw);
  if (!statusAt) {
    sink.problem(
      rec.line,
      'status_at',
      `status_at ${quote(atRaw)} is not YYYY-MM-DD or an ISO 8601 date-time`,
    );
    ok = false;
  }
  if (!ok) return null;
  const ref = cell(rec, h, 'provider_ref').trim();
  return { line: rec.line, messageId, status: status!.status, statusAt: statusAt!, providerRef: ref || null };
}
