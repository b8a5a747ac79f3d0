import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type Db } from './connection.ts';

/**
 * A new, empty PostgreSQL database on the server of adminUrl, dropped again by close(): one per test
 * file or benchmark run, so nothing is shared with other runs or left behind.
 */
export async function openScratchPostgres(adminUrl: string, prefix = 'pilot_scratch'): Promise<Db> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return openPostgres(url.toString(), () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
