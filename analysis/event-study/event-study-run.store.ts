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
