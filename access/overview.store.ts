import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

export interface DistrictOverview {
  leaid: string;
  name: string;
  state: string;
  students: number;
  households: number;
  imports: number;
  lastImportAt: Date | null;
}

/** Enrollment and imports by district of one study (staff and analyst dashboard). */
export async function districtOverview(db: Kysely<Database>, studyId: number): Promise<DistrictOverview[]> {
  const r = await sql<{
    leaid: string;
    name: string;
    state: string;
    students: number;
    households: number;
    imports: number;
    last_import_at: Date | null;
  }>`
    SELECT d.nces_leaid AS leaid, d.name, d.state,
           (SELECT count(*) FROM student s WHERE s.district_id = d.id)::int AS students,
           (SELECT count(*) FROM household h WHERE h.district_id = d.id)::int AS households,
           (SELECT count(*) FROM import_file i WHERE i.district_id = d.id)::int AS imports,
           (SELECT max(i.imported_at) FROM import_file i WHERE i.district_id = d.id) AS last_import_at
      FROM district d WHERE d.study_id = ${studyId}
     ORDER BY d.nces_leaid`.execute(db);
  return r.rows.map((x) => ({
    leaid: x.leaid,
    name: x.name,
    state: x.state,
    students: x.students,
    households: x.households,
    imports: x.imports,
    lastImportAt: x.last_import_at ? new Date(x.last_import_at) : null,
  }));
}

export interface ArmBalance {
  leaid: string;
  arm: string;
  units: number;
  students: number;
}

/** Randomization balance: units and students of each arm by district. */
export async function armBalance(db: Kysely<Database>, studyId: number): Promise<ArmBalance[]> {
  const r = await sql<ArmBalance>`
    SELECT d.nces_leaid AS leaid, a.arm, count(DISTINCT a.unit_key)::int AS units, count(*)::int AS students
      FROM assignment_member m
      JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
      JOIN student s ON s.id = m.student_id
      JOIN district d ON d.id = s.district_id
     WHERE m.study_id = ${studyId}
     GROUP BY d.nces_leaid, a.arm
     ORDER BY d.nces_leaid COLLATE "C", a.arm COLLATE "C"`.execute(db);
  return r.rows;
}

export interface MonthlyAttendance {
  /** 'YYYY-MM' */
  month: string;
  arm: string;
  students: number;
  /** Days attended over days enrolled (daily files: recorded days; monthly files: enrolled days). */
  attendanceRate: number | null;
}

/** Attendance rate by month and arm of the randomized students, from daily and monthly attendance. */
export async function attendanceByMonthArm(
  db: Kysely<Database>,
  studyId: number,
): Promise<MonthlyAttendance[]> {
  const r = await sql<{ month: string; arm: string; students: number; rate: number | null }>`
    WITH members AS (
      SELECT m.student_id, a.arm FROM assignment_member m
        JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
       WHERE m.study_id = ${studyId}),
    days AS (
      SELECT x.student_id, date_trunc('month', x.date)::date AS month,
             count(*)::float8 AS enrolled, sum(x.absent_fraction)::float8 AS absent
        FROM attendance_day x JOIN members USING (student_id)
       GROUP BY 1, 2
      UNION ALL
      SELECT x.student_id, x.month, x.enrolled_days::float8, x.absent_days::float8
        FROM attendance_month x JOIN members USING (student_id))
    SELECT to_char(days.month, 'YYYY-MM') AS month, members.arm,
           count(DISTINCT days.student_id)::int AS students,
           1 - sum(days.absent) / nullif(sum(days.enrolled), 0) AS rate
      FROM days JOIN members USING (student_id)
     GROUP BY 1, 2 ORDER BY 1, members.arm COLLATE "C"`.execute(db);
  return r.rows.map((x) => ({ month: x.month, arm: x.arm, students: x.students, attendanceRate: x.rate }));
}

export interface LatestReportRun {
  id: number;
  kind: 'analysis' | 'district';
  leaid: string | null;
  reportSha256: string;
  actor: string;
  createdAt: Date;
}

/** The latest report runs of a study: the latest analysis report and the latest district report. */
export async function latestReportRuns(db: Kysely<Database>, studyId: number): Promise<LatestReportRun[]> {
  const r = await sql<{
    id: number;
    kind: 'analysis' | 'district';
    leaid: string | null;
    report_sha256: string;
    actor: string;
    created_at: Date;
  }>`
    SELECT DISTINCT ON (r.kind) r.id, r.kind, d.nces_leaid AS leaid, r.report_sha256, r.actor, r.created_at
      FROM report_run r LEFT JOIN district d ON d.id = r.district_id
     WHERE r.study_id = ${studyId}
     ORDER BY r.kind, r.id DESC`.execute(db);
  return r.rows.map((x) => ({
    id: x.id,
    kind: x.kind,
    leaid: x.leaid,
    reportSha256: x.report_sha256,
    actor: x.actor,
    createdAt: new Date(x.created_at),
  }));
}
