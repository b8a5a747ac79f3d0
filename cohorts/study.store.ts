import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/types.ts';
import type { Arm } from './study-definition.ts';

export interface StudyRecord {
  id: number;
  slug: string;
  name: string;
  status: string;
  unit: 'student' | 'household' | 'school';
  arms: Arm[];
  blockBy: string[];
  seedCommitment: string;
  /** Only once revealed by randomization; null before. */
  seed: string | null;
  algorithm: string;
  createdAt: Date;
}

type Row = Database['study'] extends infer T ? { [K in keyof T]: unknown } : never;

function toRecord(r: Row): StudyRecord {
  return {
    id: r.id as number,
    slug: r.slug as string,
    name: r.name as string,
    status: r.status as string,
    unit: r.unit as StudyRecord['unit'],
    arms: r.arms as Arm[],
    blockBy: r.block_by as string[],
    seedCommitment: r.seed_commitment as string,
    seed: r.seed_revealed_at ? (r.seed as string) : null,
    algorithm: r.algorithm as string,
    createdAt: new Date(r.created_at as string),
  };
}

export async function insertStudy(
  trx: Transaction<Database>,
  s: {
    slug: string;
    name: string;
    unit: StudyRecord['unit'];
    arms: Arm[];
    blockBy: string[];
    seed: string;
    seedCommitment: string;
  },
): Promise<StudyRecord> {
  const row = await trx
    .insertInto('study')
    .values({
      slug: s.slug,
      name: s.name,
      unit: s.unit,
      arms: JSON.stringify(s.arms),
      block_by: JSON.stringify(s.blockBy),
      seed: s.seed,
      seed_commitment: s.seedCommitment,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row as Row);
}

export async function findStudy(db: Kysely<Database>, slug: string): Promise<StudyRecord | null> {
  const row = await db.selectFrom('study').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row ? toRecord(row as Row) : null;
}

export async function listStudies(db: Kysely<Database>): Promise<StudyRecord[]> {
  const rows = await db.selectFrom('study').selectAll().orderBy('id').execute();
  return rows.map((r) => toRecord(r as Row));
}

export async function setStudyStatus(
  trx: Transaction<Database>,
  studyId: number,
  status: string,
): Promise<void> {
  await trx.updateTable('study').set({ status }).where('id', '=', studyId).execute();
}

export interface StudyCounts {
  districts: number;
  schools: number;
  students: number;
  households: number;
  caregivers: number;
  calendarDays: number;
  enrollments: number;
  attendanceDays: number;
  attendanceMonths: number;
  imports: number;
}

/** Row counts of everything a study holds, in one round trip. */
export async function countStudy(db: Kysely<Database>, studyId: number): Promise<StudyCounts> {
  const r = await sql<Record<string, number>>`
    WITH d AS (SELECT id FROM district WHERE study_id = ${studyId}),
         s AS (SELECT id FROM student WHERE district_id IN (SELECT id FROM d))
    SELECT
      (SELECT count(*) FROM d)::int AS districts,
      (SELECT count(*) FROM school WHERE district_id IN (SELECT id FROM d))::int AS schools,
      (SELECT count(*) FROM s)::int AS students,
      (SELECT count(*) FROM household WHERE district_id IN (SELECT id FROM d))::int AS households,
      (SELECT count(*) FROM caregiver WHERE district_id IN (SELECT id FROM d))::int AS caregivers,
      (SELECT count(*) FROM calendar_day WHERE school_id IN (SELECT id FROM school WHERE district_id IN (SELECT id FROM d)))::int AS calendar_days,
      (SELECT count(*) FROM enrollment WHERE student_id IN (SELECT id FROM s))::int AS enrollments,
      (SELECT count(*) FROM attendance_day WHERE district_id IN (SELECT id FROM d))::int AS attendance_days,
      (SELECT count(*) FROM attendance_month WHERE student_id IN (SELECT id FROM s))::int AS attendance_months,
      (SELECT count(*) FROM import_file WHERE district_id IN (SELECT id FROM d))::int AS imports
  `.execute(db);
  const c = r.rows[0];
  return {
    districts: c.districts,
    schools: c.schools,
    students: c.students,
    households: c.households,
    caregivers: c.caregivers,
    calendarDays: c.calendar_days,
    enrollments: c.enrollments,
    attendanceDays: c.attendance_days,
    attendanceMonths: c.attendance_months,
    imports: c.imports,
  };
}
