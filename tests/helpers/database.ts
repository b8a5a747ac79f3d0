import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openMemoryDatabase, openPostgres, type Db } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';

/** Which database the integration suite runs on: PostgreSQL when DATABASE_URL is set, else PGlite. */
export const testDialect: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `pilot_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh, migrated database for one test file; close() discards it. */
export async function openTestDatabase(): Promise<Db> {
  let db: Db;
  if (process.env.DATABASE_URL) {
    const { url, drop } = await createPostgresDatabase(process.env.DATABASE_URL);
    db = openPostgres(url, drop);
  } else {
    db = await openMemoryDatabase();
  }
  await migrateToLatest(db);
  return db;
}
