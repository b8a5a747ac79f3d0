import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/types.ts';

/**
 * Reads and writes of the event study on a study's own data (issue 12 items 1 and 8): the arms that
 * deliver a program, each randomized student's randomization month, and the stored runs
 * (`event_study_run`, migration 009).
 */

/** Arms of the study with a program (what an arm without one receives: nothing). */
export async function loadProgramArms(db: Kysely<Database>, studyId: number): Promise<string[]> {
  const rows = await db.selectFrom('program').select('arm').where('study_id', '=', studyId).execute();
  return rows.map((r) => r.arm).sort();
}

/** Each randomized student of the study with the month ('YYYY-MM', UTC) their wave was randomized. */
export async function loadRandomizationMonths(
  db: Kysely<Database>,
  studyId: number,
): Promise<{ studentId: number; month: string }[]> {
  const r = await sql<{ student_id: number; month: string }>`
    SELECT m.student_id, to_char(r.locked_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month
    FROM assignment_member m JOIN randomization r ON r.id = m.randomization_id
    WHERE m.study_id = ${studyId}
    ORDER BY m.student_id`.execute(db);
  return r.rows.map((x) => ({ studentId: x.student_id, month: x.month }));
}

export interface EventStudyRunRecord {
  id: number;
  studyId: number;
  start: 'first_visit' | 'first_delivered_message' | 'randomization';
  method: 'cs' | 'twfe' | 'sunab' | 'bacon';
  options: Record<string, unknown>;
  result: Record<string, unknown>;
  actor: string;
  createdAt: Date;
}

export async function insertEventStudyRun(
  trx: Transaction<Database>,
  r: Omit<EventStudyRunRecord, 'id' | 'createdAt'>,
): Promise<{ id: number; createdAt: Date }> {
  const row = await trx
    .insertInto('event_study_run')
    .values({
      study_id: r.studyId,
      start: r.start,
      method: r.method,
      options: JSON.stringify(r.options),
      result: JSON.stringify(r.result),
      actor: r.actor,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, createdAt: new Date(row.created_at as unknown as string | Date) };
}

/** The stored runs of a study, newest first. */
export async function loadEventStudyRuns(
  db: Kysely<Database>,
  studyId: number,
): Promise<EventStudyRunRecord[]> {
  const rows = await db
    .selectFrom('event_study_run')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    studyId: r.study_id,
    start: r.start,
    method: r.method,
    options: r.options as Record<string, unknown>,
    result: r.result as Record<string, unknown>,
    actor: r.actor,
    createdAt: new Date(r.created_at as unknown as string | Date),
  }));
}

/** A student of the study's districts with the roster fields the matching and subgroups read. */
export interface DistrictStudentRecord {
  studentId: number;
  /** `student:<leaid>:<sis id>` (DESIGN.md §4 unit keys) */
  studentKey: string;
  leaid: string;
  grade: string;
  englishLearner: boolean | null;
  /** the student's arm in the study, null when not randomized in it */
  arm: string | null;
  /** the randomization unit's key, the student key when not randomized */
  unitKey: string;
}

/** Every student of the districts the study randomized students in, randomized or not. */
export async function loadDistrictStudents(
  db: Kysely<Database>,
  studyId: number,
): Promise<DistrictStudentRecord[]> {
  const r = await sql<{
    student_id: number;
    leaid: string;
    sis_id: string;
    grade: string;
    english_learner: boolean | null;
    arm: string | null;
    unit_key: string | null;
    student_key: string | null;
  }>`
    SELECT s.id AS student_id, d.nces_leaid AS leaid, s.sis_id, s.grade, s.english_learner, a.arm,
      m.unit_key, m.student_key
    FROM student s JOIN district d ON d.id = s.district_id
    LEFT JOIN assignment_member m ON m.student_id = s.id AND m.study_id = ${studyId}
    LEFT JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
    WHERE s.district_id IN (SELECT s2.district_id FROM assignment_member m2
      JOIN student s2 ON s2.id = m2.student_id WHERE m2.study_id = ${studyId})
    ORDER BY s.id`.execute(db);
  return r.rows.map((x) => ({
    studentId: x.student_id,
    studentKey: x.student_key ?? `student:${x.leaid}:${x.sis_id}`,
    leaid: x.leaid,
    grade: x.grade,
    englishLearner: x.english_learner,
    arm: x.arm,
    unitKey: x.unit_key ?? x.student_key ?? `student:${x.leaid}:${x.sis_id}`,
  }));
}

/**
 * The modality and personnel of each randomized student's first home visit (earliest date; on a
 * tie, the first by modality then personnel).
 */
export async function loadFirstVisits(
  db: Kysely<Database>,
  studyId: number,
): Promise<{ studentId: number; modality: string; personnel: string }[]> {
  const r = await sql<{ student_id: number; modality: string; personnel: string }>`
    SELECT DISTINCT ON (v.student_id) v.student_id, v.modality, v.personnel
    FROM visit v JOIN assignment_member m ON m.student_id = v.student_id AND m.study_id = ${studyId}
    ORDER BY v.student_id, v.date, v.modality, v.personnel`.execute(db);
  return r.rows.map((x) => ({ studentId: x.student_id, modality: x.modality, personnel: x.personnel }));
}
