import type { Db, Listener } from '../db/connection.ts';
import type { StoredToken } from './token.ts';

/** The channel a revocation is announced on (payload: the token's SHA-256). */
export const TOKEN_CHANNEL = 'pilot_api_token';

/** An entry is looked up again after this long even without a notification (a safety net). */
const TTL_MS = 60_000;
/** After the listening connection is lost, caching resumes no sooner than this. */
const RETRY_MS = 1_000;
/** Most tokens kept; beyond it the cache starts over. */
const MAX_ENTRIES = 10_000;

/**
 * The stored tokens a process has seen, so that a request's authentication needs no round trip: on
 * PostgreSQL only, and only while the process LISTENs for revocations (every revocation NOTIFYs the
 * token's SHA-256 in its transaction, so every process forgets it as soon as it commits). Without a
 * listening connection (PGlite, before LISTEN is in place, after the connection was lost) nothing is
 * cached and every request reads the token as before. A lookup that was under way when a
 * notification arrived is not kept (it may have read the token before the revocation). Expiry is
 * checked by the caller on every request; unknown tokens are never cached.
 */
export class TokenCache {
  private readonly entries = new Map<string, { token: StoredToken; at: number }>();
  private state: 'off' | 'starting' | 'on' = 'off';
  private generation = 0;
  private retryAt = 0;
  private listener: Listener | null = null;
  private heard: (() => void)[] = [];

  constructor(
    private readonly db: Pick<Db, 'listen'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The token with this SHA-256, from the cache or from load (kept when it is usable to cache). */
  async find(sha256: string, load: () => Promise<StoredToken | null>): Promise<StoredToken | null> {
    this.listen();
    const hit = this.state === 'on' ? this.entries.get(sha256) : undefined;
    if (hit && this.clock() - hit.at < TTL_MS) return hit.token;
    const generation = this.generation;
    const token = await load();
    if (token && !token.revokedAt && this.state === 'on' && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(sha256, { token, at: this.clock() });
    }
    return token;
  }

  /** Forgets a token (a revocation heard, or made by this process). */
  forget(sha256: string): void {
    this.generation += 1;
    this.entries.delete(sha256);
    for (const resolve of this.heard.splice(0)) resolve();
  }

  /** Whether lookups are being cached (the process is listening for revocations). */
  get caching(): boolean {
    return this.state === 'on';
  }

  /** Resolves at the next notification heard (tests). */
  nextNotification(): Promise<void> {
    return new Promise((resolve) => this.heard.push(resolve));
  }

  /** Starts listening (lookups are cached from when LISTEN is in place); resolves when it is. */
  async ready(): Promise<void> {
    this.listen();
    while (this.state === 'starting') await new Promise((r) => setTimeout(r, 5));
  }

  private listen(): void {
    if (this.state !== 'off' || !this.db.listen || this.clock() < this.retryAt) return;
    this.state = 'starting';
    this.db
      .listen(
        TOKEN_CHANNEL,
        (sha) => this.forget(sha),
        () => this.lost(),
      )
      .then(
        (listener) => {
          this.listener = listener;
          if (this.state === 'starting') this.state = 'on';
        },
        () => this.lost(),
      );
  }

  private lost(): void {
    this.state = 'off';
    this.generation += 1;
    this.entries.clear();
    this.listener = null;
    this.retryAt = this.clock() + RETRY_MS;
  }
}

const caches = new WeakMap<object, TokenCache>();

/** The process's token cache of a database. */
export function tokenCache(db: Db): TokenCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new TokenCache(db)));
  return cache;
}
