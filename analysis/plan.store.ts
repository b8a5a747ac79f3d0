/** Analysis plans in the database (migration 007): versions of a study's plan, and their lock. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/types.ts';

export interface StoredPlan {
  id: number;
  studyId: number;
  version: number;
  body: unknown;
  sha256: string;
  actor: string;
  createdAt: Date;
  lockedAt: Date | null;
  lockedBy: string | null;
}

function toPlan(
  r: Database['analysis_plan'] extends infer T ? { [K in keyof T]: unknown } : never,
): StoredPlan {
  return {
    id: r.id as number,
    studyId: r.study_id as number,
    version: r.version as number,
    body: r.body,
    sha256: r.sha256 as string,
    actor: r.actor as string,
    createdAt: new Date(r.created_at as string),
    lockedAt: r.locked_at === null ? null : new Date(r.locked_at as string),
    lockedBy: r.locked_by as string | null,
  };
}

/** The latest version of the study's plan, or null before any is set. */
export async function latestPlan(db: Kysely<Database>, studyId: number): Promise<StoredPlan | null> {
  const r = await db
    .selectFrom('analysis_plan')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? toPlan(r) : null;
}

/** Serializes plan changes of one study (a row lock on the study). */
export async function lockStudyRow(trx: Transaction<Database>, studyId: number): Promise<void> {
  await sql`SELECT id FROM study WHERE id = ${studyId} FOR UPDATE`.execute(trx);
}

export async function insertPlan(
  trx: Transaction<Database>,
  p: { studyId: number; version: number; body: string; sha256: string; actor: string },
): Promise<StoredPlan> {
  const r = await trx
    .insertInto('analysis_plan')
    .values({ study_id: p.studyId, version: p.version, body: p.body, sha256: p.sha256, actor: p.actor })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPlan(r);
}

export async function setPlanLocked(
  trx: Transaction<Database>,
  planId: number,
  actor: string,
): Promise<StoredPlan> {
  const r = await trx
    .updateTable('analysis_plan')
    .set({ locked_at: sql`now()`, locked_by: actor })
    .where('id', '=', planId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPlan(r);
}
