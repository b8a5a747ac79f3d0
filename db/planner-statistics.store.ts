/**
 * Planner statistics after bulk writes. PGlite has no autovacuum, so a table written in bulk (the
 * assignments of a randomization, a month of messages, a receipts file) keeps the planner's empty-table
 * estimates until someone runs ANALYZE; on PostgreSQL autovacuum catches up only after a delay. With
 * those estimates the report's and fidelity's joins over assignments and messages ran as nested loops
 * (seconds for a 3,000-student study, hours at national scale). The services that write in bulk call
 * this after committing. ANALYZE samples at most 30,000 rows a table, so it costs a few milliseconds to a
 * few hundred.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './types.ts';

export type AnalyzedTable =
  | 'assignment'
  | 'assignment_member'
  | 'message'
  | 'message_batch'
  | 'message_receipt'
  | 'alert'
  | 'staff_task'
  | 'visit'
  | 'caregiver'
  | 'student';

/** `ANALYZE` the named tables (a closed list: the names are never user input). */
export async function refreshPlannerStatistics(
  db: Kysely<Database>,
  tables: readonly AnalyzedTable[],
): Promise<void> {
  if (tables.length === 0) return;
  await sql.raw(`ANALYZE ${[...new Set(tables)].join(', ')}`).execute(db);
}
