import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { openPostgres, type Db } from '../../../db/connection.ts';
import { createScratchPostgres } from '../../../db/scratch-database.ts';
import { testDialect } from '../../helpers/database.ts';

// Pilot's PostgreSQL sessions run with JIT off (db/connection.ts); PGlite has no JIT.
const onPostgres = testDialect === 'postgres' ? describe : describe.skip;

onPostgres('PostgreSQL sessions', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let db: Db;
  const saved = process.env.PGOPTIONS;
  beforeAll(async () => {
    scratch = await createScratchPostgres(process.env.DATABASE_URL!, 'pilot_test');
    process.env.PGOPTIONS = '-c application_name=pilot_sessions_test';
    db = openPostgres(scratch.url, scratch.drop);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.PGOPTIONS;
    else process.env.PGOPTIONS = saved;
    await db.close();
  });

  it('have JIT off on every pooled connection, and keep the environment PGOPTIONS', async () => {
    // several at once, so that the pool opens several connections
    const shown = await Promise.all(
      Array.from({ length: 4 }, () =>
        db.kysely.transaction().execute(async (trx) => {
          const r = await sql<{ jit: string; app: string; pid: number }>`
            SELECT current_setting('jit') AS jit, current_setting('application_name') AS app,
              pg_backend_pid() AS pid, pg_sleep(0.05)`.execute(trx);
          return r.rows[0];
        }),
      ),
    );
    expect(new Set(shown.map((s) => s.pid)).size).toBeGreaterThan(1);
    for (const s of shown) {
      expect(s.jit).toBe('off');
      expect(s.app).toBe('pilot_sessions_test');
    }
  });
});
