/**
 * Outcomes built in SQL (DESIGN.md §5, definitions in outcome-definitions.ts): for every randomized
 * student of a study, per calendar month of a window, enrolled days from the calendar × enrollment
 * windows, absence days as the sum of absent fractions (in-school suspension is present), days
 * counting toward chronic absence (≥ 0.5 missed), and the baseline covariates of the roster. The
 * heavy aggregation (daily rows → student-month panel) runs in the database; the window totals and
 * the chronic-absence flags are sums over the panel, done here in SQL too.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { refreshOutcomeStatistics } from '../db/planner-statistics.store.ts';

export interface OutcomeWindow {
  start: string;
  end: string;
}

/** One student-month of the panel (months with any enrolled day, record or monthly row). */
export interface StudentMonthRow {
  studentId: number;
  /** 'YYYY-MM' */
  month: string;
  enrolledDays: number;
  absenceDays: number;
  /** days with ≥ 0.5 of the day missed (the days chronic absence counts) */
  chronicDays: number;
  /** how enrolled days were counted: calendar × enrollment, daily records (no calendar), monthly rows */
  source: 'calendar' | 'records' | 'monthly';
  /** last date of the month with a daily attendance record ('YYYY-MM-DD'), null without one */
  lastRecord: string | null;
}

/** One randomized student with their arm, baseline covariates and window totals. */
export interface StudentOutcomeRow {
  studentId: number;
  studentKey: string;
  unitKey: string;
  blockKey: string;
  arm: string;
  districtLeaid: string;
  householdKey: string;
  grade: string;
  sex: string | null;
  raceEthnicity: string | null;
  englishLearner: boolean | null;
  disability: boolean | null;
  lowIncome: boolean | null;
  priorYearAbsenceRate: number | null;
  enrolledDays: number;
  absenceDays: number;
  chronicDays: number;
  /** months whose enrolled days were counted from daily records for want of a calendar */
  recordMonths: number;
}

/**
 * The student-month panel of a study over a window, one row per student and month with any enrolled
 * day, attendance record or monthly row, ordered by student and month. Daily attendance wins over a
 * monthly row of the same student and month. (One window of loadStudentMonthPanels.)
 */
export async function loadStudentMonths(
  db: Kysely<Database>,
  studyId: number,
  w: OutcomeWindow,
  /** 'districts': every student of the study's districts, randomized or not (event-study matching) */
  scope: 'study' | 'districts' = 'study',
): Promise<StudentMonthRow[]> {
  return (await loadStudentMonthPanels(db, studyId, [w], scope))[0];
}

/**
 * The student-month panels of a study over several windows (a report's outcome window and its
 * baseline window), each as loadStudentMonths gives it, from one pass over the daily rows.
 *
 * How it stays fast at national scale (18 million daily rows): a month wholly inside a window is read
 * from attendance_day_month, the daily rows summed per student and month by the imports (migration
 * 015; the same exact numeric sums); only the months a window cuts (a window need not start or end at
 * a month's edge) are read from attendance_day, once for all the windows, each daily row tagged with
 * the set of windows its date falls in (a bit mask); those rows are grouped per student, month,
 * absent fraction and mask first (integer counts, per partition), and only those few groups are summed
 * per window as exact numerics; enrolled days come from a running
 * count of each school's instructional days, read at the two ends of each enrollment window's piece of
 * a month (no per-day join), with windows clipped to the calendar's range; a student whose windows
 * overlap keeps the old count of distinct instructional dates, so a day enrolled at two schools counts
 * once. The query runs in its own transaction with a local work_mem of 128 MB so its groupings hash in
 * memory instead of sorting on disk.
 */
export async function loadStudentMonthPanels(
  db: Kysely<Database>,
  studyId: number,
  windows: readonly OutcomeWindow[],
  scope: 'study' | 'districts' = 'study',
): Promise<StudentMonthRow[][]> {
  if (windows.length === 0) return [];
  if (windows.length > 30) throw new Error('at most 30 windows at once');
  // Imports leave attendance_day's whole-table statistics to the first query that needs them (PGlite
  // has no autovacuum): a sample when the tables are new or grew by a fifth, else nothing.
  await refreshOutcomeStatistics(db);
  const run = async (trx: Kysely<Database>) => {
    // JIT would compile the plan's many per-partition expressions (seconds) for one pass over them.
    await sql`SELECT set_config('work_mem', '128MB', true), set_config('enable_partitionwise_aggregate', 'on', true),
      set_config('jit', 'off', true)`.execute(trx);
    return panelQuery(trx, studyId, windows, scope);
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

async function panelQuery(
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
  // window k as (k, first day, last day)
  const wins = sql.join(windowList.map((w, k) => sql`(${sql.lit(k)}, ${w.start}::date, ${w.end}::date)`));
  // Months wholly inside window k are read from attendance_day_month; the days of the months the
  // window cuts from attendance_day, each daily row's mask having bit k set when its date lies in
  // window k's cut days.
  const split = windowList.map(splitWindow);
  const whole = split.flatMap((p, k) =>
    p.whole ? [sql`(${sql.lit(k)}, ${p.whole.first}::date, ${p.whole.last}::date)`] : [],
  );
  const inCut = (k: number) =>
    sql.join(
      split[k].cut.map((c) => sql`a.date BETWEEN ${c.start}::date AND ${c.end}::date`),
      sql` OR `,
    );
  const cutWindows = windowList.map((_, k) => k).filter((k) => split[k].cut.length > 0);
  const inAny =
    cutWindows.length === 0
      ? sql`false`
      : sql.join(
          cutWindows.map((k) => sql`(${inCut(k)})`),
          sql` OR `,
        );
  const mask =
    cutWindows.length === 0
      ? sql`0`
      : sql.join(
          cutWindows.map((k) => sql`CASE WHEN ${inCut(k)} THEN ${sql.lit(2 ** k)} ELSE 0 END`),
          sql` + `,
        );
  const wholeMonths =
    whole.length === 0
      ? sql`SELECT 0 AS k, NULL::date AS first, NULL::date AS last WHERE false`
      : sql`VALUES ${sql.join(whole)}`;
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
    -- daily rows of the months a window cuts, grouped per student, month, absent fraction (in-school
    -- suspension counts as present) and window mask first; the numeric sums run over those groups
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
    whole_months(k, first, last) AS (${wholeMonths}),
    daily_months AS (
      SELECT v.k, d.student_id, d.month, v.records::int AS records, v.last_date,
        v.absence::float8 AS absence, coalesce(v.chronic, 0)::int AS chronic
      FROM daily_sums d JOIN members mb ON mb.student_id = d.student_id AND mb.district_id = d.district_id
      CROSS JOIN LATERAL (VALUES ${windowValues}) AS v(k, records, last_date, absence, chronic)
      WHERE v.records IS NOT NULL
      UNION ALL
      -- the same sums, kept by the imports, for the months wholly inside a window
      SELECT w.k, s.student_id, s.month, s.records, s.last_date, s.absence::float8, s.chronic
      FROM attendance_day_month s JOIN whole_months w ON s.month BETWEEN w.first AND w.last
      JOIN members mb ON mb.student_id = s.student_id AND mb.district_id = s.district_id
      WHERE s.district_id IN (${districtIds})
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

/**
 * Every randomized student of the study (all waves) with arm, block, baseline covariates and the
 * window totals of the panel (zeros for a student with no enrolled day in the window), ordered by
 * student key (code units). Pass the panel when it is already loaded.
 */
export async function loadStudentOutcomes(
  db: Kysely<Database>,
  studyId: number,
  w: OutcomeWindow,
  panel?: StudentMonthRow[],
): Promise<StudentOutcomeRow[]> {
  const months = panel ?? (await loadStudentMonths(db, studyId, w));
  const totals = new Map<number, { enrolled: number; absence: number; chronic: number; records: number }>();
  for (const m of months) {
    let t = totals.get(m.studentId);
    if (!t) totals.set(m.studentId, (t = { enrolled: 0, absence: 0, chronic: 0, records: 0 }));
    t.enrolled += m.enrolledDays;
    t.absence += m.absenceDays;
    t.chronic += m.chronicDays;
    if (m.source === 'records') t.records += 1;
  }
  const rows = await db
    .selectFrom('assignment_member as m')
    .innerJoin('assignment as a', (j) =>
      j.onRef('a.study_id', '=', 'm.study_id').onRef('a.unit_key', '=', 'm.unit_key'),
    )
    .innerJoin('student as s', 's.id', 'm.student_id')
    .innerJoin('district as d', 'd.id', 's.district_id')
    .innerJoin('household as h', 'h.id', 's.household_id')
    .select([
      'm.student_id',
      'm.student_key',
      'm.unit_key',
      'a.block_key',
      'a.arm',
      'd.nces_leaid',
      'h.household_key',
      's.grade',
      's.sex',
      's.race_ethnicity',
      's.english_learner',
      's.disability',
      's.low_income',
      's.prior_year_absence_rate',
    ])
    .where('m.study_id', '=', studyId)
    .execute();
  // Ordered here by code units, not by the database's collation, so every database gives one order.
  rows.sort((a, b) => (a.student_key < b.student_key ? -1 : a.student_key > b.student_key ? 1 : 0));
  return rows.map((r) => {
    const t = totals.get(r.student_id) ?? { enrolled: 0, absence: 0, chronic: 0, records: 0 };
    return {
      studentId: r.student_id,
      studentKey: r.student_key,
      unitKey: r.unit_key,
      blockKey: r.block_key,
      arm: r.arm,
      districtLeaid: r.nces_leaid,
      householdKey: r.household_key,
      grade: r.grade,
      sex: r.sex,
      raceEthnicity: r.race_ethnicity,
      englishLearner: r.english_learner,
      disability: r.disability,
      lowIncome: r.low_income,
      priorYearAbsenceRate: r.prior_year_absence_rate === null ? null : Number(r.prior_year_absence_rate),
      enrolledDays: t.enrolled,
      absenceDays: roundDays(t.absence),
      chronicDays: t.chronic,
      recordMonths: t.records,
    };
  });
}

/** A window's whole months (first and last month's first day) and the days of the months it cuts. */
export function splitWindow(w: OutcomeWindow): {
  whole: { first: string; last: string } | null;
  cut: OutcomeWindow[];
} {
  const first = w.start.endsWith('-01') ? w.start : nextMonth(w.start);
  const after = nextDay(w.end);
  const lastEnd = after.endsWith('-01') ? w.end : previousDay(monthOf(w.end));
  if (first > lastEnd) return { whole: null, cut: w.start <= w.end ? [w] : [] };
  const cut: OutcomeWindow[] = [];
  if (w.start < first) cut.push({ start: w.start, end: previousDay(first) });
  if (lastEnd < w.end) cut.push({ start: nextDay(lastEnd), end: w.end });
  return { whole: { first, last: monthOf(lastEnd) }, cut };
}

const DAY_MS = 86_400_000;
const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const nextDay = (iso: string) => isoOf(msOf(iso) + DAY_MS);
const previousDay = (iso: string) => isoOf(msOf(iso) - DAY_MS);
const monthOf = (iso: string) => `${iso.slice(0, 7)}-01`;
function nextMonth(iso: string): string {
  const d = new Date(msOf(monthOf(iso)));
  return isoOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

/** Sums of fractions (stored as real) rounded to 1e-6 day, so float noise never reaches a report. */
function roundDays(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
