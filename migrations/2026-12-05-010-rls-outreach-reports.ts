import { sql, type Kysely } from 'kysely';

/**
 * Row-level security for the outreach and report tables (issue 14 wiring), in migration 008's pattern:
 * `pilot_app` may only SELECT them, and only the rows of the district set in `pilot.leaid`; RLS is
 * enabled and forced, and the migrating role (the owner) keeps every row through its own policy. PGlite
 * supports all of it, so nothing is skipped there.
 * - message_batch by its district; message, alert and staff_task through their student (whose policy
 *   goes through the district); message_receipt through its message; visit through its student.
 * - report_run: only district reports (kind 'district') of the district; the pooled analysis report of
 *   the study is not a district's file.
 * - report_run gains the stored report itself (`report_json`, `report_html`; null on runs recorded
 *   before this migration) so that any `pilot serve` process can serve a district its partner report.
 * Frozen: never import app code here.
 */

const POLICIES: Record<string, string> = {
  message_batch: `district_id IN (SELECT id FROM district)`,
  message: `student_id IN (SELECT id FROM student) AND batch_id IN (SELECT id FROM message_batch)`,
  alert: `student_id IN (SELECT id FROM student)`,
  staff_task: `student_id IN (SELECT id FROM student)`,
  visit: `student_id IN (SELECT id FROM student)`,
  message_receipt: `message_id IN (SELECT id FROM message)`,
  report_run: `kind = 'district' AND district_id IN (SELECT id FROM district)`,
};

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE report_run ADD COLUMN report_json text, ADD COLUMN report_html text`.execute(db);
  for (const [table, using] of Object.entries(POLICIES)) {
    await sql
      .raw(
        `GRANT SELECT ON ${table} TO pilot_app;
         ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
         ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
         CREATE POLICY pilot_owner_all ON ${table} TO CURRENT_USER USING (true) WITH CHECK (true);
         CREATE POLICY pilot_app_district ON ${table} FOR SELECT TO pilot_app USING (${using});`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of Object.keys(POLICIES)) {
    await sql
      .raw(
        `DROP POLICY pilot_app_district ON ${table};
         DROP POLICY pilot_owner_all ON ${table};
         ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY;
         ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY;
         REVOKE SELECT ON ${table} FROM pilot_app;`,
      )
      .execute(db);
  }
  await sql`ALTER TABLE report_run DROP COLUMN report_html, DROP COLUMN report_json`.execute(db);
}
