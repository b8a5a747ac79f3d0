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
 * monthly row of the same student and month.
 *
 * How it stays fast at national scale (18 million daily rows): daily rows are grouped per student,
 * month and absent fraction first (integer counts, per partition), and only those few groups are summed
 * as exact numerics; enrolled days come from a running count of each school's instructional days, read
 * at the two ends of each enrollment window's piece of a month (no per-day join), with windows clipped
 * to the calendar's range; a student whose windows overlap keeps the old count of distinct instructional
 * dates, so a day enrolled at two schools counts once. The query runs in its own transaction with a
 * local work_mem of 128 MB so its groupings hash in memory instead of sorting on disk.
 */
export async function loadStudentMonths(
  db: Kysely<Database>,
  studyId: number,
  w: OutcomeWindow,
  /** 'districts': every student of the study's districts, randomized or not (event-study matching) */
  scope: 'study' | 'districts' = 'study',
): Promise<StudentMonthRow[]> {
  const run = async (trx: Kysely<Database>) => {
    await sql`SELECT set_config('work_mem', '128MB', true), set_config('enable_partitionwise_aggregate', 'on', true)`.execute(
      trx,
    );
    return panelQuery(trx, studyId, w, scope);
  };
  const rows = db.isTransaction ? await run(db) : await db.transaction().execute(run);
  return rows.map((x) => ({
    studentId: x.student_id,
    month: x.month,
    enrolledDays: Number(x.enrolled_days),
    absenceDays: roundDays(Number(x.absence_days)),
    chronicDays: Number(x.chronic_days),
    source: x.source,
    lastRecord: x.last_record,
  }));
}

async function panelQuery(
  db: Kysely<Database>,
  studyId: number,
  w: OutcomeWindow,
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
  const r = await sql<{
    student_id: number;
    month: string;
    enrolled_days: number;
    absence_days: number;
    chronic_days: number;
    source: StudentMonthRow['source'];
    last_record: string | null;
  }>`
    WITH members AS (${members}),
    enrolled AS (
      SELECT e.student_id, e.school_id, e.entry_date, e.exit_date
      FROM members mb JOIN enrollment e ON e.student_id = mb.student_id
    ),
    -- each school's first and last instructional day in the window: the calendar's range
    ranges AS (
      SELECT c.school_id, min(c.date) AS lo, max(c.date) AS hi
      FROM calendar_day c
      WHERE c.instructional AND c.date BETWEEN ${w.start}::date AND ${w.end}::date
        AND c.school_id IN (SELECT DISTINCT school_id FROM enrolled)
      GROUP BY c.school_id
    ),
    -- enrollment windows clipped to the calendar's range (empty ones left out)
    windows AS (
      SELECT e.student_id, e.school_id, greatest(e.entry_date, r.lo) AS lo,
        least(coalesce(e.exit_date, r.hi), r.hi) AS hi
      FROM enrolled e JOIN ranges r ON r.school_id = e.school_id
      WHERE e.entry_date <= r.hi AND (e.exit_date IS NULL OR e.exit_date >= r.lo)
    ),
    -- students with two windows that share a day (at two schools, or twice at one)
    overlapping AS (
      SELECT DISTINCT student_id FROM (
        SELECT student_id, lo, max(hi) OVER (PARTITION BY student_id ORDER BY lo, hi
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_hi
        FROM windows
      ) x WHERE lo <= before_hi
    ),
    -- every day of each school's range with the running count of its instructional days
    days AS (
      SELECT r.school_id, g.d::date AS date, (c.date IS NOT NULL)::int AS instructional,
        count(c.date) OVER (PARTITION BY r.school_id ORDER BY g.d) AS running
      FROM ranges r
      CROSS JOIN LATERAL generate_series(r.lo::timestamp, r.hi::timestamp, interval '1 day') AS g(d)
      LEFT JOIN calendar_day c ON c.school_id = r.school_id AND c.date = g.d::date AND c.instructional
    ),
    -- the months of the calendars' range
    months AS (
      SELECT g.m::date AS month, (g.m + interval '1 month' - interval '1 day')::date AS month_end
      FROM (SELECT min(lo) AS lo, max(hi) AS hi FROM ranges) r
      CROSS JOIN LATERAL generate_series(date_trunc('month', r.lo::timestamp), r.hi::timestamp, interval '1 month')
        AS g(m)
    ),
    -- each window of a student without overlaps, cut at month ends
    pieces AS (
      SELECT w.student_id, w.school_id, m.month, greatest(w.lo, m.month) AS lo, least(w.hi, m.month_end) AS hi
      FROM windows w JOIN months m ON m.month <= w.hi AND m.month_end >= w.lo
      WHERE w.student_id NOT IN (SELECT student_id FROM overlapping)
    ),
    calendar_months AS (
      SELECT p.student_id, p.month, sum(b.running - a.running + a.instructional)::int AS days
      FROM pieces p
      JOIN days a ON a.school_id = p.school_id AND a.date = p.lo
      JOIN days b ON b.school_id = p.school_id AND b.date = p.hi
      GROUP BY p.student_id, p.month
      HAVING sum(b.running - a.running + a.instructional) > 0
      UNION ALL
      SELECT x.student_id, x.month, count(*)::int FROM (
        SELECT DISTINCT w.student_id, date_trunc('month', c.date::timestamp)::date AS month, c.date
        FROM windows w
        JOIN calendar_day c ON c.school_id = w.school_id AND c.instructional AND c.date BETWEEN w.lo AND w.hi
        WHERE w.student_id IN (SELECT student_id FROM overlapping)
      ) x GROUP BY x.student_id, x.month
    ),
    -- daily rows grouped per student, month and absent fraction (in-school suspension counts as
    -- present) first; the numeric sums run over those groups, not over the rows
    daily_groups AS (
      SELECT a.district_id, a.student_id, date_trunc('month', a.date::timestamp)::date AS month,
        CASE WHEN a.suspension = 'iss' THEN 0::real ELSE a.absent_fraction END AS fraction,
        count(*) AS n, max(a.date) AS last_date
      FROM attendance_day a
      WHERE a.district_id IN (${districtIds})
        AND a.date BETWEEN ${w.start}::date AND ${w.end}::date
      GROUP BY a.district_id, a.student_id, 3, 4
    ),
    daily_months AS (
      SELECT g.student_id, g.month, sum(g.n)::int AS records, max(g.last_date) AS last_date,
        sum(g.n * g.fraction::numeric)::float8 AS absence,
        coalesce(sum(g.n) FILTER (WHERE g.fraction >= 0.5), 0)::int AS chronic
      FROM daily_groups g JOIN members mb ON mb.student_id = g.student_id AND mb.district_id = g.district_id
      GROUP BY g.student_id, g.month
    ),
    monthly_rows AS (
      SELECT am.student_id, am.month, am.enrolled_days::float8 AS enrolled, am.absent_days::float8 AS absence
      FROM attendance_month am JOIN members mb ON mb.student_id = am.student_id
      WHERE am.month BETWEEN date_trunc('month', ${w.start}::date::timestamp)::date AND ${w.end}::date
    ),
    combined AS (
      SELECT student_id, month, c.days AS cal_days, d.records, d.absence, d.chronic, d.last_date,
        mo.enrolled AS m_enrolled, mo.absence AS m_absence
      FROM calendar_months c
      FULL JOIN daily_months d USING (student_id, month)
      FULL JOIN monthly_rows mo USING (student_id, month)
    )
    SELECT student_id, to_char(month, 'YYYY-MM') AS month,
      CASE WHEN cal_days IS NOT NULL THEN cal_days::float8
           WHEN records IS NOT NULL THEN records::float8
           ELSE coalesce(m_enrolled, 0) END AS enrolled_days,
      CASE WHEN records IS NOT NULL THEN absence ELSE coalesce(m_absence, 0) END AS absence_days,
      CASE WHEN records IS NOT NULL THEN chronic::float8 ELSE coalesce(m_absence, 0) END AS chronic_days,
      CASE WHEN cal_days IS NOT NULL THEN 'calendar'
           WHEN records IS NOT NULL THEN 'records' ELSE 'monthly' END AS source,
      to_char(last_date, 'YYYY-MM-DD') AS last_record
    FROM combined
    ORDER BY student_id, month
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

/** Sums of fractions (stored as real) rounded to 1e-6 day, so float noise never reaches a report. */
function roundDays(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
