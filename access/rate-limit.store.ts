import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

export interface WindowCount {
  hits: number;
  resetAt: Date;
}

/**
 * Counts one hit against `key` in a fixed window of windowMs starting at its first hit; a window that
 * has ended starts over. One statement, so concurrent processes never lose a hit.
 */
export async function hitCounter(
  db: Kysely<Database>,
  key: string,
  windowMs: number,
  now: Date,
): Promise<WindowCount> {
  const reset = new Date(now.getTime() + windowMs);
  const r = await sql<{ hits: number; reset_at: Date }>`
    INSERT INTO rate_limit_counter AS c (key, hits, reset_at) VALUES (${key}, 1, ${reset})
    ON CONFLICT (key) DO UPDATE
       SET hits = CASE WHEN c.reset_at <= ${now} THEN 1 ELSE c.hits + 1 END,
           reset_at = CASE WHEN c.reset_at <= ${now} THEN ${reset} ELSE c.reset_at END
    RETURNING hits, reset_at`.execute(db);
  return { hits: r.rows[0].hits, resetAt: new Date(r.rows[0].reset_at) };
}

/** The current count of `key` (0 when its window has ended or it was never hit). */
export async function readCounter(db: Kysely<Database>, key: string, now: Date): Promise<WindowCount> {
  const row = await db
    .selectFrom('rate_limit_counter')
    .select(['hits', 'reset_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row || new Date(row.reset_at).getTime() <= now.getTime()) return { hits: 0, resetAt: now };
  return { hits: row.hits, resetAt: new Date(row.reset_at) };
}

export async function decrementCounter(db: Kysely<Database>, key: string): Promise<void> {
  await sql`UPDATE rate_limit_counter SET hits = greatest(hits - 1, 0) WHERE key = ${key}`.execute(db);
}

export async function resetCounter(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('rate_limit_counter').where('key', '=', key).execute();
}
