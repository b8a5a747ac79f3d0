import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type Db } from './connection.ts';

/**
 * Creates a new, empty PostgreSQL database on the server of adminUrl: one per test file or
 * benchmark run, so nothing is shared with other runs. drop() removes it again.
 */
export async function createScratchPostgres(
  adminUrl: string,
  prefix = 'pilot_scratch',
): Promise<{ url: string; drop: () => Promise<void> }> {
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
  // Dropping waits briefly for the pool's connections to finish closing before forcing them off.
  const drop = async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        return await run(`DROP DATABASE IF EXISTS ${name}`);
      } catch (error) {
        if ((error as { code?: string }).code !== '55006') throw error; // object in use
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  return { url: url.toString(), drop };
}

/** A scratch database (see createScratchPostgres), opened; close() drops it. */
export async function openScratchPostgres(adminUrl: string, prefix = 'pilot_scratch'): Promise<Db> {
  const { url, drop } = await createScratchPostgres(adminUrl, prefix);
  return openPostgres(url, drop);
}
