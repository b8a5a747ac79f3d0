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
  | 'attendance_day_month'
  | 'attendance_month';

/**
 * `ANALYZE` the named tables (a closed list: the names are never user input). A partitioned table
 * (attendance_day) is named by its parent: ANALYZE gathers the statistics of the whole (which the
 * planner uses for joins and groupings over the parent) and of each partition. With
 * `onlyNeverAnalyzed`, only those the planner has no statistics for yet (`pg_class.reltuples` < 0):
 * once a table has statistics the planner scales its row count by the table's current size, so a
 * frequent writer (each receipts file) need not pay for a fresh sample every time. With
 * `onlyGrownBy: f`, those without statistics and those that grew by more than the fraction f since
 * their statistics (a plain table by its size on disk against `pg_class.relpages`, a partitioned one
 * by its partitions' row counts against its own): statistics stay fresh while a table grows a little
 * at a time (an import of one district among fifty, a month of messages) without a sample each time.
 * With `onlyModified` (PostgreSQL's server, whose cumulative statistics count each table's changed
 * rows; PGlite's single-user server does not keep them), those without statistics and those with any
 * row inserted, updated or deleted since their last ANALYZE (`pg_stat_user_tables.n_mod_since_analyze`),
 * so a second report on unchanged data samples nothing. The counts reach that view when the writing
 * session reports them (at its transaction's end, at most a second or so later while it stays busy):
 * a table changed in that moment keeps its older statistics, which can slow a plan, never change a result.
 */
export async function refreshPlannerStatistics(
  db: Kysely<Database>,
  tables: readonly AnalyzedTable[],
  options: { onlyNeverAnalyzed?: boolean; onlyGrownBy?: number; onlyModified?: boolean } = {},
): Promise<void> {
  let names = [...new Set(tables)];
  if (names.length === 0) return;
  if (options.onlyModified) {
    const r = await sql<{ relname: string }>`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE n.nspname = current_schema() AND c.relname IN (${sql.join(names)})
        AND (c.reltuples < 0 OR s.n_mod_since_analyze IS NULL OR s.n_mod_since_analyze > 0)`.execute(db);
    names = r.rows.map((x) => x.relname as AnalyzedTable);
    if (names.length === 0) return;
  } else if (options.onlyGrownBy !== undefined) {
    const f = 1 + options.onlyGrownBy;
    const r = await sql<{ relname: string }>`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname IN (${sql.join(names)})
        AND (c.reltuples < 0
          OR (c.relkind = 'r'
            AND pg_relation_size(c.oid) > ${f}::float8 * c.relpages * current_setting('block_size')::bigint)
          OR (c.relkind = 'p' AND (SELECT coalesce(sum(greatest(k.reltuples, 0)), 0)
            FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid) > ${f}::float8 * c.reltuples))`.execute(
      db,
    );
    names = r.rows.map((x) => x.relname as AnalyzedTable);
    if (names.length === 0) return;
  } else if (options.onlyNeverAnalyzed) {
    const r = await sql<{ relname: string }>`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.reltuples < 0
        AND c.relname IN (${sql.join(names)})`.execute(db);
    names = r.rows.map((x) => x.relname as AnalyzedTable);
    if (names.length === 0) return;
  }
  await sql.raw(`ANALYZE ${names.join(', ')}`).execute(db);
}

/**
 * `ANALYZE` one district's attendance partition (the rows an attendance import just wrote), so the
 * planner knows its dates and fractions before the next ANALYZE of the whole table.
 */
export async function refreshAttendancePartitionStatistics(
  db: Kysely<Database>,
  districtId: number,
): Promise<void> {
  if (!Number.isSafeInteger(districtId)) throw new RangeError('district id');
  const name = `attendance_day_d${districtId}`;
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class c
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE ns.nspname = current_schema() AND c.relname = ${name}`.execute(db);
  if ((r.rows[0]?.n ?? 0) > 0) await sql.raw(`ANALYZE ${name}`).execute(db);
}

/**
 * Statistics for the outcome queries (analysis/outcomes.store.ts), refreshed when they are about to
 * run rather than after each import: `ANALYZE attendance_day` samples the whole table and then every
 * partition again (PostgreSQL 15 cannot analyze a partitioned table without its partitions), about
 * 3.4 s at 50 districts, so analyzing it after each district's file made a 50-file import spend more
 * on statistics than on its rows (issue: import benchmark at 4.75x a bare COPY). Imports analyze only
 * the partition they wrote (and the parent while it has no statistics at all); the parent, the month
 * summary and the small tables the panel joins are refreshed here when new or grown by a fifth, so a
 * report after a national load pays one sample, and a second report none.
 */
export async function refreshOutcomeStatistics(
  db: Kysely<Database>,
  /**
   * whether the daily rows themselves are read (a window cuts a month); windows of whole months read
   * only the month sums, so the partitioned parent's sample (every partition again) is left for later
   */
  options: { dailyRows?: boolean } = {},
): Promise<void> {
  await refreshPlannerStatistics(
    db,
    [
      ...(options.dailyRows === false ? [] : (['attendance_day'] as const)),
      'attendance_day_month',
      'attendance_month',
      'enrollment',
      'calendar_day',
      'student',
    ],
    { onlyGrownBy: 0.2 },
  );
}
