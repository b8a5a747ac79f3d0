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
 */
export async function loadStudentMonths(
  db: Kysely<Database>,
  studyId: number,
  w: OutcomeWindow,
  /** 'districts': every student of the study's districts, randomized or not (event-study matching) */
  scope: 'study' | 'districts' = 'study',
): Promise<StudentMonthRow[]> {
  const members =
    scope === 'study'
      ? sql`SELECT m.student_id, s.district_id
      FROM assignment_member m JOIN student s ON s.id = m.student_id
      WHERE m.study_id = ${studyId}`
      : sql`SELECT s.id AS student_id, s.district_id FROM student s
      WHERE s.district_id IN (SELECT s2.district_id FROM assignment_member m
        JOIN student s2 ON s2.id = m.student_id WHERE m.study_id = ${studyId})`;
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
    calendar_days AS (
      SELECT DISTINCT e.student_id, c.date
      FROM members mb
      JOIN enrollment e ON e.student_id = mb.student_id
      JOIN calendar_day c ON c.school_id = e.school_id AND c.instructional
        AND c.date >= e.entry_date AND (e.exit_date IS NULL OR c.date <= e.exit_date)
      WHERE c.date BETWEEN ${w.start}::date AND ${w.end}::date
    ),
    calendar_months AS (
      SELECT student_id, to_char(date, 'YYYY-MM') AS month, count(*)::int AS days
      FROM calendar_days GROUP BY 1, 2
    ),
    daily_months AS (
      SELECT a.student_id, to_char(a.date, 'YYYY-MM') AS month,
        count(*)::int AS records, to_char(max(a.date), 'YYYY-MM-DD') AS last_record,
        coalesce(sum(CASE WHEN a.suspension = 'iss' THEN 0 ELSE a.absent_fraction::numeric END), 0)::float8
          AS absence,
        count(*) FILTER (WHERE a.suspension IS DISTINCT FROM 'iss' AND a.absent_fraction >= 0.5)::int
          AS chronic
      FROM attendance_day a JOIN members mb ON mb.student_id = a.student_id AND mb.district_id = a.district_id
      WHERE a.district_id IN (SELECT DISTINCT district_id FROM members)
        AND a.date BETWEEN ${w.start}::date AND ${w.end}::date
      GROUP BY 1, 2
    ),
    monthly_rows AS (
      SELECT am.student_id, to_char(am.month, 'YYYY-MM') AS month,
        am.enrolled_days::float8 AS enrolled, am.absent_days::float8 AS absence
      FROM attendance_month am JOIN members mb ON mb.student_id = am.student_id
      WHERE am.month BETWEEN date_trunc('month', ${w.start}::date)::date AND ${w.end}::date
    ),
    keys AS (
      SELECT student_id, month FROM calendar_months
      UNION SELECT student_id, month FROM daily_months
      UNION SELECT student_id, month FROM monthly_rows
    )
    SELECT k.student_id, k.month,
      CASE WHEN c.days IS NOT NULL THEN c.days::float8
           WHEN d.records IS NOT NULL THEN d.records::float8
           ELSE coalesce(mo.enrolled, 0) END AS enrolled_days,
      CASE WHEN d.records IS NOT NULL THEN d.absence ELSE coalesce(mo.absence, 0) END AS absence_days,
      CASE WHEN d.records IS NOT NULL THEN d.chronic::float8 ELSE coalesce(mo.absence, 0) END AS chronic_days,
      CASE WHEN c.days IS NOT NULL THEN 'calendar'
           WHEN d.records IS NOT NULL THEN 'records' ELSE 'monthly' END AS source,
      d.last_record
    FROM keys k
    LEFT JOIN calendar_months c ON c.student_id = k.student_id AND c.month = k.month
    LEFT JOIN daily_months d ON d.student_id = k.student_id AND d.month = k.month
    LEFT JOIN monthly_rows mo ON mo.student_id = k.student_id AND mo.month = k.month
    ORDER BY k.student_id, k.month
  `.execute(db);
  return r.rows.map((x) => ({
    studentId: x.student_id,
    month: x.month,
    enrolledDays: Number(x.enrolled_days),
    absenceDays: roundDays(Number(x.absence_days)),
    chronicDays: Number(x.chronic_days),
    source: x.source,
    lastRecord: x.last_record,
  }));
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
