import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { dayMonthDrift } from '../../../helpers/attendance-day-month.ts';
import { join } from 'node:path';
import { sql } from 'kysely';
import { importFile, type RequestedKind } from '../../../../cohorts/imports/import.service.ts';
import { createStudy, enrollDistrict, showStudy } from '../../../../cohorts/study.service.ts';
import { writeSyntheticStudy } from '../../../../synth/synth.service.ts';
import type { SynthManifest } from '../../../../synth/synth-manifest.ts';
import { verifyAuditChain } from '../../../../db/audit.store.ts';
import type { Db } from '../../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { ACTOR, TempFiles } from './import-helpers.ts';

/** The order a district's files are imported in, and the kind each one is. */
const ORDER: [string, RequestedKind][] = [
  ['schools.csv', 'schools'],
  ['students.csv', 'roster'],
  ['oneroster.zip', 'roster'],
  ['contacts.csv', 'contacts'],
  ['calendar.csv', 'calendar'],
  ['enrollment.csv', 'enrollment'],
  ['attendance_daily.csv', 'attendance'],
];

async function importStudy(db: Db, slug: string, dir: string, manifest: SynthManifest): Promise<void> {
  await createStudy(
    db,
    { slug, name: slug, unit: 'household', arms: 'control:0.5,treatment:0.5', blockBy: 'district' },
    ACTOR,
  );
  for (const d of manifest.districts) {
    await enrollDistrict(
      db,
      {
        study: slug,
        leaid: d.leaid,
        name: d.name,
        state: d.state,
        locale: d.localeCode,
        allowNonrural: true,
      },
      ACTOR,
    );
    for (const [name, kind] of ORDER) {
      if (!d.files.includes(name)) continue;
      const s = await importFile(
        db,
        {
          study: slug,
          leaid: d.leaid,
          kind,
          path: join(dir, d.leaid, name),
          exceptions: manifest.parameters.exceptions,
        },
        ACTOR,
      );
      expect(s.status).toBe('imported');
    }
  }
}

/** Synthetic districts (plain files and OneRoster zips) as `pilot synth` writes them, imported whole. */
describe(`a synthetic study imported file by file (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();

  beforeAll(async () => {
    db = await openTestDatabase();
  });
  // attendance_day_month (migration 015) equals the daily rows after every test
  afterEach(async () => {
    expect(await dayMonthDrift(db.kysely)).toEqual([]);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('full daily attendance: stored counts equal the generator manifest', async () => {
    const dir = join(files.dir, 'full');
    const manifest = await writeSyntheticStudy(dir, {
      districts: 2,
      students: 240,
      seed: 'imports-full',
      year: 2025,
      oneroster: 1,
      exceptions: false,
    });
    await importStudy(db, 'synth-full', dir, manifest);
    const { counts } = await showStudy(db, 'synth-full');
    expect(counts).toMatchObject({
      districts: 2,
      schools: manifest.counts.schools,
      students: manifest.counts.students,
      households: manifest.counts.households,
      calendarDays: manifest.counts.calendarRows,
      enrollments: manifest.counts.enrollmentRows,
      attendanceDays: manifest.counts.attendanceRows,
      imports: manifest.districts.reduce((n, d) => n + d.files.length, 0),
    });
    // Caregivers: every contact of a plain district; a OneRoster district's guardians.
    expect(counts.caregivers).toBe(manifest.counts.contacts);
    // Siblings share a household and every student has one; each household's caregivers are linked to its students.
    const orphans = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM caregiver c WHERE NOT EXISTS (SELECT 1 FROM caregiver_student cs WHERE cs.caregiver_id = c.id)`.execute(
      db.kysely,
    );
    expect(orphans.rows[0].n).toBe(0);
    const crossHousehold = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM caregiver_student cs JOIN caregiver c ON c.id = cs.caregiver_id JOIN student s ON s.id = cs.student_id
      WHERE c.household_id <> s.household_id`.execute(db.kysely);
    expect(crossHousehold.rows[0].n).toBe(0);
    // The chronic-absence share computed from the stored rows (this study's only, so far) equals the generator's.
    const chronic = await sql<{ eligible: number; chronic: number }>`
      WITH per AS (SELECT student_id, count(*) AS days, sum(absent_fraction) AS absent FROM attendance_day GROUP BY student_id)
      SELECT count(*) FILTER (WHERE days >= 10)::int AS eligible, count(*) FILTER (WHERE days >= 10 AND absent / days >= 0.10)::int AS chronic FROM per`.execute(
      db.kysely,
    );
    const eligible = manifest.districts.reduce((n, d) => n + d.eligibleStudents, 0);
    const chronicallyAbsent = manifest.districts.reduce((n, d) => n + d.chronicallyAbsent, 0);
    expect(chronic.rows[0]).toEqual({ eligible, chronic: chronicallyAbsent });
    expect(await verifyAuditChain(db.kysely)).toBeNull();
  });

  it('exceptions-only attendance (--exceptions): every listed absence stored', async () => {
    const dir = join(files.dir, 'exceptions');
    const manifest = await writeSyntheticStudy(dir, {
      districts: 1,
      students: 120,
      seed: 'imports-exc',
      year: 2025,
      oneroster: 0,
      exceptions: true,
    });
    await importStudy(db, 'synth-exc', dir, manifest);
    const { counts } = await showStudy(db, 'synth-exc');
    expect(counts.attendanceDays).toBe(manifest.counts.attendanceRows);
    expect(counts.students).toBe(manifest.counts.students);
    const present = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM attendance_day a JOIN student s ON s.id = a.student_id JOIN district d ON d.id = s.district_id
      JOIN study st ON st.id = d.study_id WHERE st.slug = 'synth-exc' AND a.category = 'present'`.execute(
      db.kysely,
    );
    expect(present.rows[0].n).toBe(0);
  });
});
