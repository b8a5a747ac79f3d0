import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Db } from '../db/connection.ts';
import { decrementCounter, hitCounter, resetCounter } from './rate-limit.store.ts';

/**
 * express-rate-limit's counters in PostgreSQL (table rate_limit_counter), so every `pilot serve`
 * process on the database enforces one limit.
 */
export class PostgresRateLimitStore implements Store {
  windowMs = 60_000;
  readonly localKeys = false;
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const c = await hitCounter(this.db.kysely, this.prefix + key, this.windowMs, this.now());
    return { totalHits: c.hits, resetTime: c.resetAt };
  }

  async decrement(key: string): Promise<void> {
    await decrementCounter(this.db.kysely, this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await resetCounter(this.db.kysely, this.prefix + key);
  }
}
