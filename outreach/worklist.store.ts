import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

export interface WorklistRow {
  schoolKey: string;
  schoolName: string;
  sisId: string;
  grade: string;
  enrolledDays: number;
  absenceDays: number;
  visits: number;
  lastVisit: string | null;
}

/** The last day with attendance in a district, or null. */
export async function lastAttendanceDay(db: Kysely<Database>, districtId: number): Promise<string | null> {
  const r = await sql<{ d: string | null }>`
    SELECT max(date) AS d FROM attendance_day WHERE district_id = ${districtId}`.execute(db);
  return r.rows[0]?.d ?? null;
}

/**
 * Students of the given arms with their enrolled days (instructional calendar days inside their
 * enrollment windows, DESIGN §5) and absence days (sum of absent fractions, in-school suspension
 * present) over [from, through], and their visits so far.
 */
export async function loadWorklistCandidates(
  db: Kysely<Database>,
  studyId: number,
  districtId: number,
  arms: readonly string[],
  from: string,
  through: string,
): Promise<WorklistRow[]> {
  if (arms.length === 0) return [];
  const r = await sql<WorklistRow>`
    WITH members AS (
      SELECT m.student_id FROM assignment_member m
      JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
      JOIN student s ON s.id = m.student_id
      WHERE m.study_id = ${studyId} AND s.district_id = ${districtId} AND a.arm IN (${sql.join([...arms])})),
    enrolled AS (
      SELECT e.student_id, count(DISTINCT c.date)::int AS days
      FROM enrollment e JOIN members USING (student_id)
      JOIN calendar_day c ON c.school_id = e.school_id AND c.instructional
        AND c.date >= e.entry_date AND (e.exit_date IS NULL OR c.date <= e.exit_date)
      WHERE c.date BETWEEN ${from}::date AND ${through}::date
      GROUP BY 1),
    absent AS (
      SELECT student_id, round(sum(absent_fraction::numeric), 2)::float8 AS days FROM attendance_day
      WHERE district_id = ${districtId} AND date BETWEEN ${from}::date AND ${through}::date
        AND absent_fraction > 0 AND suspension IS DISTINCT FROM 'iss'
        AND student_id IN (SELECT student_id FROM members)
      GROUP BY 1),
    visits AS (
      SELECT student_id, count(*)::int AS n, max(date) AS last FROM visit
      WHERE student_id IN (SELECT student_id FROM members) GROUP BY 1)
    SELECT sc.school_key AS "schoolKey", sc.name AS "schoolName", s.sis_id AS "sisId", s.grade,
           coalesce(e.days, 0) AS "enrolledDays", coalesce(a.days, 0) AS "absenceDays",
           coalesce(v.n, 0) AS visits, v.last AS "lastVisit"
    FROM members m JOIN student s ON s.id = m.student_id JOIN school sc ON sc.id = s.school_id
    LEFT JOIN enrolled e ON e.student_id = m.student_id LEFT JOIN absent a ON a.student_id = m.student_id
    LEFT JOIN visits v ON v.student_id = m.student_id
    ORDER BY sc.school_key, s.sis_id`.execute(db);
  return r.rows;
}
