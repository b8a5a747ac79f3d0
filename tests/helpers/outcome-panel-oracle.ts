/**
 * The outcome panels as analysis/outcomes.store.ts built them before migration 015: every daily row of
 * the windows grouped again. Kept as the oracle the summary-reading loadStudentMonthPanels must equal
 * row for row. Test code only.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/types.ts';
import type { OutcomeWindow, StudentMonthRow } from '../../analysis/outcomes.store.ts';

export async function oracleStudentMonthPanels(
  db: Kysely<Database>,
  studyId: number,
  windows: readonly OutcomeWindow[],
  scope: 'study' | 'districts' = 'study',
): Promise<StudentMonthRow[][]> {
  if (windows.length === 0) return [];
  if (windows.length > 30) throw new Error('at most 30 windows at once');
  const run = async (trx: Kysely<Database>) => {
    // JIT would compile the plan's many per-partition expressions (seconds) for one pass over them.
    await sql`SELECT set_config('work_mem', '128MB', true), set_config('enable_partitionwise_aggregate', 'on', true),
      set_config('jit', 'off', true)`.execute(trx);
    return oraclePanelQuery(trx, studyId, windows, scope);
  };
  const rows = db.isTransaction ? await run(db) : await db.transaction().execute(run);
  const panels: StudentMonthRow[][] = windows.map(() => []);
  for (const x of rows)
    panels[x.k].push({
      studentId: x.student_id,
      month: x.month,
      enrolledDays: Number(x.enrolled_days),
      absenceDays: roundDays(Number(x.absence_days)),
      chronicDays: Number(x.chronic_days),
      source: x.source,
      lastRecord: x.last_record,
    });
  return panels;
}

async function oraclePanelQuery(
  db: Kysely<Database>,
  studyId: number,
  windowList: readonly OutcomeWindow[],
  scope: 'study' | 'districts',
) {
  const members =
    scope === 'study'
      ? sql`SELECT m.student_id, s.district_id
      FROM assignment_member m JOIN student s ON s.id = m.student_id
      WHERE m.study_id = ${studyId}`
      : sql`SELECT s.id AS student_id, s.district_id FROM student s
      WHERE s.district_id IN (SELECT s2.district_id FROM assignment_member m
        JOIN student s2 ON s2.id = m.student_id WHERE m.study_id = ${studyId})`;
  // The study's districts as constants, so the planner prunes attendance_day's partitions when it
  // plans and aggregates each partition on its own (partitionwise: small hash tables).
  const districts = await sql<{ district_id: number }>`SELECT DISTINCT s.district_id
    FROM assignment_member m JOIN student s ON s.id = m.student_id WHERE m.study_id = ${studyId}
    ORDER BY s.district_id`.execute(db);
  if (districts.rows.length === 0) return [];
  const districtIds = sql.join(districts.rows.map((d) => sql.lit(Number(d.district_id))));
  // window k as (k, first day, last day); a daily row's mask has bit k set when its date is in window k
  const wins = sql.join(windowList.map((w, k) => sql`(${sql.lit(k)}, ${w.start}::date, ${w.end}::date)`));
  const inAny = sql.join(
    windowList.map((w) => sql`a.date BETWEEN ${w.start}::date AND ${w.end}::date`),
    sql` OR `,
  );
  const mask = sql.join(
    windowList.map(
      (w, k) =>
        sql`CASE WHEN a.date BETWEEN ${w.start}::date AND ${w.end}::date THEN ${sql.lit(2 ** k)} ELSE 0 END`,
    ),
    sql` + `,
  );
  // window k's sums over the groups whose mask has bit k, as columns of daily_sums, then one row per window
  const windowSums = sql.join(
    windowList.map((_, k) => {
      const inK = sql`g.mask & ${sql.lit(2 ** k)} <> 0`;
      return sql`sum(g.n) FILTER (WHERE ${inK}) AS ${sql.raw(`records_${k}`)},
        max(g.last_date) FILTER (WHERE ${inK}) AS ${sql.raw(`last_${k}`)},
        sum(g.n * g.fraction::numeric) FILTER (WHERE ${inK}) AS ${sql.raw(`absence_${k}`)},
        sum(g.n) FILTER (WHERE ${inK} AND g.fraction >= 0.5) AS ${sql.raw(`chronic_${k}`)}`;
    }),
  );
  const windowValues = sql.join(
    windowList.map(
      (_, k) =>
        sql`(${sql.lit(k)}, ${sql.raw(`d.records_${k}, d.last_${k}, d.absence_${k}, d.chronic_${k}`)})`,
    ),
  );
  const r = await sql<{
    k: number;
    student_id: number;
    month: string;
    enrolled_days: number;
    absence_days: number;
    chronic_days: number;
    source: StudentMonthRow['source'];
    last_record: string | null;
  }>`
    WITH wins(k, lo, hi) AS (VALUES ${wins}),
    members AS (${members}),
    enrolled AS (
      SELECT e.student_id, e.school_id, e.entry_date, e.exit_date
      FROM members mb JOIN enrollment e ON e.student_id = mb.student_id
    ),
    -- each school's first and last instructional day in each window: the calendar's range
    ranges AS (
      SELECT w.k, c.school_id, min(c.date) AS lo, max(c.date) AS hi
      FROM calendar_day c JOIN wins w ON c.date BETWEEN w.lo AND w.hi
      WHERE c.instructional AND c.school_id IN (SELECT DISTINCT school_id FROM enrolled)
      GROUP BY w.k, c.school_id
    ),
    -- enrollment windows clipped to the calendar's range (empty ones left out)
    windows AS (
      SELECT r.k, e.student_id, e.school_id, greatest(e.entry_date, r.lo) AS lo,
        least(coalesce(e.exit_date, r.hi), r.hi) AS hi
      FROM enrolled e JOIN ranges r ON r.school_id = e.school_id
      WHERE e.entry_date <= r.hi AND (e.exit_date IS NULL OR e.exit_date >= r.lo)
    ),
    -- students with two windows that share a day (at two schools, or twice at one)
    overlapping AS (
      SELECT DISTINCT k, student_id FROM (
        SELECT k, student_id, lo, max(hi) OVER (PARTITION BY k, student_id ORDER BY lo, hi
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_hi
        FROM windows
      ) x WHERE lo <= before_hi
    ),
    -- each school's running count of its instructional days over its range, one array element a day
    -- (element i: instructional days from lo to lo + i - 1)
    school_days AS MATERIALIZED (
      SELECT r.k, r.school_id, r.lo, (
        SELECT array_agg(x.running ORDER BY x.d) FROM (
          SELECT g.d, count(c.date) OVER (ORDER BY g.d)::int AS running
          FROM generate_series(r.lo::timestamp, r.hi::timestamp, interval '1 day') AS g(d)
          LEFT JOIN calendar_day c ON c.school_id = r.school_id AND c.date = g.d::date AND c.instructional
        ) x
      ) AS running
      FROM ranges r
    ),
    -- the months of the calendars' range
    months AS MATERIALIZED (
      SELECT r.k, g.m::date AS month, (g.m + interval '1 month' - interval '1 day')::date AS month_end
      FROM (SELECT k, min(lo) AS lo, max(hi) AS hi FROM ranges GROUP BY k) r
      CROSS JOIN LATERAL generate_series(date_trunc('month', r.lo::timestamp), r.hi::timestamp, interval '1 month')
        AS g(m)
    ),
    -- each window of a student without overlaps, cut at month ends, with its instructional days
    -- (materialized as plain numbers: the planner would otherwise carry the arrays into its sorts)
    single_windows AS MATERIALIZED (
      SELECT w.* FROM windows w
      WHERE NOT EXISTS (SELECT 1 FROM overlapping o WHERE o.k = w.k AND o.student_id = w.student_id)
    ),
    pieces AS MATERIALIZED (
      SELECT w.k, w.student_id, m.month,
        sd.running[least(w.hi, m.month_end) - sd.lo + 1]
          - coalesce(sd.running[greatest(w.lo, m.month) - sd.lo], 0) AS days
      FROM single_windows w JOIN months m ON m.k = w.k AND m.month <= w.hi AND m.month_end >= w.lo
      JOIN school_days sd ON sd.k = w.k AND sd.school_id = w.school_id
    ),
    calendar_months AS (
      SELECT p.k, p.student_id, p.month, sum(p.days)::int AS days
      FROM pieces p
      GROUP BY p.k, p.student_id, p.month
      HAVING sum(p.days) > 0
      UNION ALL
      SELECT x.k, x.student_id, x.month, count(*)::int FROM (
        SELECT DISTINCT w.k, w.student_id, date_trunc('month', c.date::timestamp)::date AS month, c.date
        FROM windows w
        JOIN calendar_day c ON c.school_id = w.school_id AND c.instructional AND c.date BETWEEN w.lo AND w.hi
        WHERE EXISTS (SELECT 1 FROM overlapping o WHERE o.k = w.k AND o.student_id = w.student_id)
      ) x GROUP BY x.k, x.student_id, x.month
    ),
    -- daily rows of any window grouped per student, month, absent fraction (in-school suspension
    -- counts as present) and window mask first; the numeric sums run over those groups, not the rows
    daily_groups AS (
      SELECT a.district_id, a.student_id, date_trunc('month', a.date::timestamp)::date AS month,
        CASE WHEN a.suspension = 'iss' THEN 0::real ELSE a.absent_fraction END AS fraction,
        ${mask} AS mask, count(*) AS n, max(a.date) AS last_date
      FROM attendance_day a
      WHERE a.district_id IN (${districtIds}) AND (${inAny})
      GROUP BY a.district_id, a.student_id, 3, 4, 5
    ),
    -- per student and month, each window's sums over its groups (sorted by the groups' own key, so
    -- the groups stream into these sums without another hash table)
    daily_sums AS (
      SELECT g.district_id, g.student_id, g.month, ${windowSums}
      FROM daily_groups g
      GROUP BY g.district_id, g.student_id, g.month
    ),
    daily_months AS (
      SELECT v.k, d.student_id, d.month, v.records::int AS records, v.last_date,
        v.absence::float8 AS absence, coalesce(v.chronic, 0)::int AS chronic
      FROM daily_sums d JOIN members mb ON mb.student_id = d.student_id AND mb.district_id = d.district_id
      CROSS JOIN LATERAL (VALUES ${windowValues}) AS v(k, records, last_date, absence, chronic)
      WHERE v.records IS NOT NULL
    ),
    monthly_rows AS (
      SELECT w.k, am.student_id, am.month, am.enrolled_days::float8 AS enrolled,
        am.absent_days::float8 AS absence
      FROM attendance_month am JOIN members mb ON mb.student_id = am.student_id
      JOIN wins w ON am.month BETWEEN date_trunc('month', w.lo::timestamp)::date AND w.hi
    ),
    combined AS (
      SELECT k, student_id, month, c.days AS cal_days, d.records, d.absence, d.chronic, d.last_date,
        mo.enrolled AS m_enrolled, mo.absence AS m_absence
      FROM calendar_months c
      FULL JOIN daily_months d USING (k, student_id, month)
      FULL JOIN monthly_rows mo USING (k, student_id, month)
    )
    SELECT k, student_id, to_char(month, 'YYYY-MM') AS month,
      CASE WHEN cal_days IS NOT NULL THEN cal_days::float8
           WHEN records IS NOT NULL THEN records::float8
           ELSE coalesce(m_enrolled, 0) END AS enrolled_days,
      CASE WHEN records IS NOT NULL THEN absence ELSE coalesce(m_absence, 0) END AS absence_days,
      CASE WHEN records IS NOT NULL THEN chronic::float8 ELSE coalesce(m_absence, 0) END AS chronic_days,
      CASE WHEN cal_days IS NOT NULL THEN 'calendar'
           WHEN records IS NOT NULL THEN 'records' ELSE 'monthly' END AS source,
      to_char(last_date, 'YYYY-MM-DD') AS last_record
    FROM combined
    ORDER BY k, student_id, month
  `.execute(db);
  return r.rows;
}

/** Sums of fractions (stored as real) rounded to 1e-6 day, as outcomes.store.ts rounds them. */
function roundDays(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
