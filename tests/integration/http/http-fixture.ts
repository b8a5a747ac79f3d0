import { sql } from 'kysely';
import { pino } from 'pino';
import type { Express } from 'express';
import type { Db } from '../../../db/connection.ts';
import { createToken } from '../../../access/token.service.ts';
import { randomizeStudy } from '../../../assignment/assignment.service.ts';
import { createApp } from '../../../server/app.ts';
import { createTestStudy } from '../assignment/seed-study.ts';

/** Synthetic districts of the HTTP tests (no real student data). */
export const OWN = '3600001';
export const OTHER = '3600002';
export const MISSING = '3699999';
export const OTHER_NAME = 'District 1';

export interface Tokens {
  staff: string;
  analyst: string;
  partner: string;
  otherPartner: string;
  /** A staff token for tests to revoke. */
  spare: number;
}

/**
 * A randomized study `s1` with districts OWN and OTHER, an unrandomized `fresh` study with the same
 * districts, and a token of each role (the partner's district is OWN).
 */
export async function seedHttpFixture(db: Db): Promise<Tokens> {
  await createTestStudy(db.kysely, { slug: 's1', households: 8 });
  await randomizeStudy(db, { study: 's1', actor: 'test' });
  await createTestStudy(db.kysely, { slug: 'fresh', households: 4 });
  await seedDownloads(db, 's1');
  const now = new Date();
  const issue = async (role: string, district?: string) =>
    (await createToken(db, { role, district }, 'test', now)).token;
  const spare = await createToken(db, { role: 'staff', label: 'to revoke' }, 'test', now);
  return {
    staff: await issue('staff'),
    analyst: await issue('analyst'),
    partner: await issue('partner', OWN),
    otherPartner: await issue('partner', OTHER),
    spare: spare.stored.id,
  };
}

export function testApp(db: Db, extra: Partial<Parameters<typeof createApp>[0]> = {}): Express {
  return createApp({ db, logger: pino({ level: 'silent' }), ...extra });
}

/** The month of the seeded message lists and the names of the seeded downloads. */
export const SEEDED_DOWNLOADS = ['report.html', 'report.json', 'messages-2026-10.csv'] as const;

/**
 * Test data (synthetic) for the partner downloads of each district of a study: a stored district
 * report (as `pilot report --district` stores it: a report_run with its report.json / report.html) and
 * an October monthly-summary batch with one message per student. Each file names its own district, so
 * a leak of another district's file shows in the response text.
 */
export async function seedDownloads(db: Db, slug: string): Promise<void> {
  const k = db.kysely;
  const study = await sql<{ id: number }>`SELECT id FROM study WHERE slug = ${slug}`.execute(k);
  const studyId = study.rows[0].id;
  const plan = await sql<{ id: number }>`
    INSERT INTO analysis_plan (study_id, version, body, sha256, actor)
    VALUES (${studyId}, 1, '{"title":"test plan"}'::jsonb, ${'a'.repeat(64)}, 'test') RETURNING id`.execute(
    k,
  );
  const template = await sql<{ id: number }>`
    INSERT INTO message_template (study_id, purpose, language, version, body, encoding, max_segments)
    VALUES (${studyId}, 'monthly_summary', 'en', 1, 'Absences: {absences_month}', 'gsm7', 2) RETURNING id`.execute(
    k,
  );
  const districts = await sql<{ id: number; nces_leaid: string; name: string }>`
    SELECT id, nces_leaid, name FROM district WHERE study_id = ${studyId} ORDER BY id`.execute(k);
  for (const d of districts.rows) {
    const report = { district: { leaid: d.nces_leaid, name: d.name }, headline: `Report of ${d.name}` };
    await sql`
      INSERT INTO report_run (study_id, plan_id, kind, district_id, manifest, report_sha256, actor,
                              report_json, report_html)
      VALUES (${studyId}, ${plan.rows[0].id}, 'district', ${d.id}, ${JSON.stringify({ district_leaid: d.nces_leaid })}::jsonb,
              ${'b'.repeat(64)}, 'test', ${JSON.stringify(report) + '\n'},
              ${`<h1>${d.name} (${d.nces_leaid})</h1>`})`.execute(k);
    const batch = await sql<{ id: number }>`
      INSERT INTO message_batch (study_id, district_id, kind, period_start, period_end, actor)
      VALUES (${studyId}, ${d.id}, 'monthly_summary', '2026-10-01', '2026-10-31', 'test') RETURNING id`.execute(
      k,
    );
    const students = await sql<{ id: number; household_id: number; sis_id: string }>`
      SELECT id, household_id, sis_id FROM student WHERE district_id = ${d.id} ORDER BY id`.execute(k);
    for (const st of students.rows) {
      const c = await sql<{ id: number }>`
        INSERT INTO caregiver (district_id, contact_key, household_id, relationship, phone_e164)
        VALUES (${d.id}, ${'C' + st.sis_id}, ${st.household_id}, 'parent', '+15185550100') RETURNING id`.execute(
        k,
      );
      await sql`INSERT INTO caregiver_student (caregiver_id, student_id) VALUES (${c.rows[0].id}, ${st.id})`.execute(
        k,
      );
      await sql`
        INSERT INTO message (batch_id, student_id, caregiver_id, template_id, channel, language, body,
                             absences_month, absences_ytd, send_after)
        VALUES (${batch.rows[0].id}, ${st.id}, ${c.rows[0].id}, ${template.rows[0].id}, 'sms', 'en',
                ${`Student ${st.sis_id} of ${d.nces_leaid}: 2 absences`}, 2, 5, '2026-11-03')`.execute(k);
    }
  }
}
