import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { importFile } from '../../../cohorts/imports/import.service.ts';
import { createStudy, enrollDistrict } from '../../../cohorts/study.service.ts';
import { TempFiles } from '../cohorts/imports/import-helpers.ts';

export const ACTOR = 'test:outreach';
export const LEAID = '0100007';
export const FIXTURE = join(import.meta.dirname, '../../fixtures/outreach');

/** The arm of each student of the golden district (set by hand, not drawn). */
export const ARMS: Record<string, string> = {
  '000201': 'summary',
  '000202': 'summary',
  '000203': 'control',
  '000204': 'alerts',
  '000205': 'summary',
  '000206': 'alerts',
};

/** The golden district's files in import order, with the kind each imports as. */
export const GOLDEN_FILES = [
  ['schools', 'schools.csv'],
  ['roster', 'students.csv'],
  ['contacts', 'contacts.csv'],
  ['calendar', 'calendar.csv'],
  ['enrollment', 'enrollment.csv'],
  ['attendance', 'attendance-2025-09.csv'],
] as const;

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURE, 'district', name), 'utf8');
}

/**
 * The golden district imported through the ordinary importers (students' first names and school
 * phone numbers included), with arms stored as a randomization would store them.
 */
export async function goldenStudy(db: Db, files: TempFiles, slug: string): Promise<void> {
  await createStudy(
    db,
    {
      slug,
      name: `Outreach ${slug}`,
      unit: 'student',
      arms: 'control:0.333333,summary:0.333333,alerts:0.333334',
      blockBy: 'district',
    },
    ACTOR,
  );
  await enrollDistrict(
    db,
    { study: slug, leaid: LEAID, name: 'Golden County', state: 'AL', locale: 42 },
    ACTOR,
  );
  for (const [kind, name] of GOLDEN_FILES)
    await importFile(
      db,
      { study: slug, leaid: LEAID, kind, path: files.write(name, fixtureText(name)) },
      ACTOR,
    );
  await assignByHand(db, slug, ARMS);
}

/**
 * Stores arms as a randomization does (record, assignments, members) and marks the study randomized;
 * the randomization is dated lockedAt (default now).
 */
export async function assignByHand(
  db: Db,
  slug: string,
  arms: Record<string, string>,
  lockedAt = new Date(),
): Promise<void> {
  const study = await db.kysely
    .selectFrom('study')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  const students = await db.kysely
    .selectFrom('student as s')
    .innerJoin('district as d', 'd.id', 's.district_id')
    .select(['s.id', 's.sis_id', 'd.nces_leaid'])
    .where('d.study_id', '=', study.id)
    .execute();
  const r = await sql<{ id: number }>`
    INSERT INTO randomization (study_id, wave, algorithm, version, seed_derivation, unit, block_by, arms,
      block_counts, units, students, roster_sha256, assignment_sha256, actor, locked_at)
    VALUES (${study.id}, 1, 'by-hand', 1, 'test', 'student', '[]', '[]', '[]', ${students.length},
      ${students.length}, ${'0'.repeat(64)}, ${'0'.repeat(64)}, ${ACTOR}, ${lockedAt}) RETURNING id`.execute(
    db.kysely,
  );
  for (const s of students) {
    const arm = arms[s.sis_id];
    if (!arm) continue;
    const key = `student:${s.nces_leaid}:${s.sis_id}`;
    await sql`INSERT INTO assignment (randomization_id, study_id, wave, unit_key, block_key, arm, hash)
              VALUES (${r.rows[0].id}, ${study.id}, 1, ${key}, 'all', ${arm}, ${'0'.repeat(64)})`.execute(
      db.kysely,
    );
    await sql`INSERT INTO assignment_member (randomization_id, study_id, wave, student_id, student_key, unit_key)
              VALUES (${r.rows[0].id}, ${study.id}, 1, ${s.id}, ${key}, ${key})`.execute(db.kysely);
  }
  await sql`UPDATE study SET status = 'randomized' WHERE id = ${study.id}`.execute(db.kysely);
}
