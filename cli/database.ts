import { openDatabase, type Db } from '../db/connection.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { AppError } from '../errors.ts';
import type { CliContext } from './context.ts';

/**
 * Opens the configured database for one command and closes it afterwards. Commands other than
 * `init` and `demo` refuse to run on a database with pending migrations rather than change its schema.
 */
export async function withDatabase<T>(ctx: CliContext, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(ctx.config);
  try {
    const pending = await pendingMigrations(db);
    if (pending.length > 0) {
      throw new AppError(
        'BAD_INPUT',
        `the database ${describeDatabase(ctx)} is not initialized or is out of date (${pending.length} pending migrations); run \`pilot init\``,
      );
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function describeDatabase(ctx: CliContext): string {
  if (ctx.config.databaseUrl) {
    const u = new URL(ctx.config.databaseUrl);
    return `postgres://${u.host}${u.pathname}`;
  }
  return `embedded (${ctx.config.dataDir})`;
}
