/**
 * attendance_day_month (migration 015) checked against attendance_day itself: the student-months
 * whose stored sums differ from a fresh grouping of the daily rows (exact numeric comparison of the
 * absence), at most 20. Empty when the summary is exact. Test code only.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/types.ts';

export async function dayMonthDrift(db: Kysely<Database>): Promise<unknown[]> {
  const r = await sql`
    WITH fresh AS (
      SELECT district_id, student_id, date_trunc('month', date::timestamp)::date AS month, count(*)::int AS records,
        sum((CASE WHEN suspension = 'iss' THEN 0::real ELSE absent_fraction END)::numeric) AS absence,
        count(*) FILTER (WHERE absent_fraction >= 0.5 AND suspension IS DISTINCT FROM 'iss')::int AS chronic,
        max(date) AS last_date
      FROM attendance_day GROUP BY 1, 2, 3
    )
    SELECT district_id, student_id, to_char(month, 'YYYY-MM') AS month, f.records AS fresh_records,
      s.records AS stored_records, f.absence::text AS fresh_absence, s.absence::text AS stored_absence,
      f.chronic AS fresh_chronic, s.chronic AS stored_chronic,
      to_char(f.last_date, 'YYYY-MM-DD') AS fresh_last, to_char(s.last_date, 'YYYY-MM-DD') AS stored_last
    FROM fresh f FULL JOIN attendance_day_month s USING (district_id, student_id, month)
    WHERE f.records IS DISTINCT FROM s.records OR f.absence IS DISTINCT FROM s.absence
      OR f.chronic IS DISTINCT FROM s.chronic OR f.last_date IS DISTINCT FROM s.last_date
    ORDER BY 1, 2, 3 LIMIT 20`.execute(db);
  return r.rows;
}
