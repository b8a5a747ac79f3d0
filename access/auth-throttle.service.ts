import type { Db } from '../db/connection.ts';
import { hitCounter } from './rate-limit.store.ts';

/** Failed authentications allowed per client address and window before answers turn to 429. */
export interface ThrottleLimits {
  failures: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { failures: 20, windowMs: 60_000 };

/**
 * Counts a failed authentication from `client` (shared by every server process through the
 * database); true when the client is over its limit. A valid token is never counted or slowed: the
 * throttle is for guessing, and a 256-bit token cannot be guessed.
 */
export async function failedAuthentication(
  db: Db,
  client: string,
  now: Date,
  limits: ThrottleLimits,
): Promise<boolean> {
  const c = await hitCounter(db.kysely, `auth:${client}`, limits.windowMs, now);
  return c.hits > limits.failures;
}
