import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { Database } from '../db/types.ts';

/**
 * Runs fn in a transaction as the non-owner role `pilot_app` with `pilot.leaid` set for this
 * transaction only (migration 008): row-level security then shows the district's rows and nothing
 * else, whatever fn's queries say. Both settings end with the transaction, so a pooled connection
 * never carries them to the next caller.
 */
export async function withDistrictScope<T>(
  db: Db,
  leaid: string,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.kysely.transaction().execute(async (trx) => {
    // One round trip: set_config('role', …, true) is SET LOCAL ROLE.
    await sql`SELECT set_config('role', 'pilot_app', true), set_config('pilot.leaid', ${leaid}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}
