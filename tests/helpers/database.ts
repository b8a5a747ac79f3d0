import { openMemoryDatabase, type Db } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { openScratchPostgres } from '../../db/scratch-database.ts';

/** Which database the integration suite runs on: PostgreSQL when DATABASE_URL is set, else PGlite. */
export const testDialect: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

/** A fresh, migrated database for one test file; close() discards it. */
export async function openTestDatabase(): Promise<Db> {
  const db = process.env.DATABASE_URL
    ? await openScratchPostgres(process.env.DATABASE_URL, 'pilot_test')
    : await openMemoryDatabase();
  await migrateToLatest(db);
  return db;
}
