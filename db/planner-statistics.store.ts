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
  | 'caregiver_student'
  | 'student'
  | 'household'
  | 'school'
  | 'calendar_day'
  | 'enrollment'
  | 'attendance_day'
  | 'attendance_month';

/**
 * `ANALYZE` the named tables (a closed list: the names are never user input). A partitioned table
 * (attendance_day) is named by its parent: ANALYZE gathers the statistics of the whole (which the
 * planner uses for joins and groupings over the parent) and of each partition. With
 * `onlyNeverAnalyzed`, only those the planner has no statistics for yet (`pg_class.reltuples` < 0):
 * once a table has statistics the planner scales its row count by the table's current size, so a
 * frequent writer (each receipts file) need not pay for a fresh sample every time. With
 * `onlyGrownBy: f`, those never analyzed and those whose size grew by more than the fraction f since
 * they were last analyzed (`pg_class.relpages`, against the table's size now), so statistics stay
 * fresh while a table grows a little at a time without a sample each time.
 */
export async function refreshPlannerStatistics(
  db: Kysely<Database>,
  tables: readonly AnalyzedTable[],
  options: { onlyNeverAnalyzed?: boolean; onlyGrownBy?: number } = {},
): Promise<void> {
  let names = [...new Set(tables)];
  if (names.length === 0) return;
  if (options.onlyNeverAnalyzed || options.onlyGrownBy !== undefined) {
    const grown =
      options.onlyGrownBy === undefined
        ? sql`false`
        : sql`pg_relation_size(c.oid) / current_setting('block_size')::float8 > c.relpages * (1 + ${options.onlyGrownBy}::float8)`;
    const r = await sql<{ relname: string }>`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'r' AND (c.reltuples < 0 OR ${grown})
        AND c.relname IN (${sql.join(names)})`.execute(db);
    names = r.rows.map((x) => x.relname as AnalyzedTable);
    if (names.length === 0) return;
  }
  await sql.raw(`ANALYZE ${names.join(', ')}`).execute(db);
}
