import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Transaction } from 'kysely';
import request from 'supertest';
import { withDistrictScope } from '../../../access/district-scope.store.ts';
import type { Db } from '../../../db/connection.ts';
import type { Database } from '../../../db/types.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OTHER, OTHER_NAME, OWN, seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';

/**
 * Row-level security of the outreach and report tables (migration 010) and the partner downloads
 * that read them. Each table holds rows of both districts; a district's scope must see its own and
 * none of the other's, so dropping a table's policy (nothing visible) or disabling its RLS (everything
 * visible) fails here.
 */

let db: Db;
let tokens: Tokens;

const NEW_TABLES = [
  'message_batch',
  'message',
  'alert',
  'staff_task',
  'visit',
  'message_receipt',
  'report_run',
] as const;

/** The district of a row of each table, as SQL over the table aliased t (run as the owner or in scope). */
const DISTRICT_OF: Record<(typeof NEW_TABLES)[number], string> = {
  message_batch: `(SELECT d.nces_leaid FROM district d WHERE d.id = t.district_id)`,
  message: `(SELECT d.nces_leaid FROM message_batch b JOIN district d ON d.id = b.district_id WHERE b.id = t.batch_id)`,
  alert: `(SELECT d.nces_leaid FROM message_batch b JOIN district d ON d.id = b.district_id WHERE b.id = t.batch_id)`,
  staff_task: `(SELECT d.nces_leaid FROM alert a JOIN message_batch b ON b.id = a.batch_id JOIN district d ON d.id = b.district_id WHERE a.id = t.alert_id)`,
  visit: `(SELECT d.nces_leaid FROM import_file f JOIN district d ON d.id = f.district_id WHERE f.id = t.import_id)`,
  message_receipt: `(SELECT d.nces_leaid FROM import_file f JOIN district d ON d.id = f.district_id WHERE f.id = t.import_id)`,
  report_run: `(SELECT d.nces_leaid FROM district d WHERE d.id = t.district_id)`,
};

/** Alerts, tasks, visits and receipts for every district of s1 (the fixture seeds batches and messages). */
async function seedOutreachRecords(db: Db): Promise<void> {
  const k = db.kysely;
  const program = await sql<{ id: number }>`
    INSERT INTO program (study_id, arm, kind, config)
    SELECT id, 'treatment', 'threshold_alerts', '{}'::jsonb FROM study WHERE slug = 's1' RETURNING id`.execute(
    k,
  );
  const districts = await sql<{ id: number; nces_leaid: string }>`
    SELECT d.id, d.nces_leaid FROM district d JOIN study s ON s.id = d.study_id WHERE s.slug = 's1'`.execute(
    k,
  );
  for (const d of districts.rows) {
    const batch = await sql<{ id: number }>`
      INSERT INTO message_batch (study_id, district_id, kind, period_start, period_end, actor)
      SELECT study_id, id, 'alerts', '2026-10-15', '2026-10-15', 'test' FROM district WHERE id = ${d.id}
      RETURNING id`.execute(k);
    const imp = async (kind: string) =>
      (
        await sql<{ id: number }>`
          INSERT INTO import_file (district_id, kind, sha256, file_name, rows_read, rows_inserted, rows_replaced, rows_unchanged)
          VALUES (${d.id}, ${kind}, ${(kind === 'visits' ? 'c' : 'd').repeat(64)}, ${kind + '.csv'}, 1, 1, 0, 0)
          RETURNING id`.execute(k)
      ).rows[0].id;
    const visits = await imp('visits');
    const receipts = await imp('receipts');
    const student = await sql<{ id: number }>`
      SELECT id FROM student WHERE district_id = ${d.id} ORDER BY id LIMIT 1`.execute(k);
    const sid = student.rows[0].id;
    const alert = await sql<{ id: number }>`
      INSERT INTO alert (batch_id, program_id, student_id, date, school_year, kind, threshold, tier, absences_ytd)
      VALUES (${batch.rows[0].id}, ${program.rows[0].id}, ${sid}, '2026-10-15', 2026, 'threshold', 0.1, 1, 4)
      RETURNING id`.execute(k);
    await sql`
      INSERT INTO message (batch_id, student_id, caregiver_id, template_id, alert_id, channel, language, body,
                           absences_month, absences_ytd, send_after)
      SELECT ${batch.rows[0].id}, ${sid}, cs.caregiver_id, t.id, ${alert.rows[0].id}, 'sms', 'en',
             ${`Alert for a student of ${d.nces_leaid}`}, 1, 4, '2026-10-16'
        FROM caregiver_student cs, message_template t
       WHERE cs.student_id = ${sid} AND t.study_id = (SELECT study_id FROM district WHERE id = ${d.id})`.execute(
      k,
    );
    await sql`
      INSERT INTO staff_task (alert_id, student_id, role, tier, reason, due_date)
      VALUES (${alert.rows[0].id}, ${sid}, 'advisor', 1, 'crossed 10%', '2026-10-22')`.execute(k);
    await sql`
      INSERT INTO visit (student_id, date, modality, personnel, import_id)
      VALUES (${sid}, '2026-10-20', 'in_person', 'school', ${visits})`.execute(k);
    await sql`
      INSERT INTO message_receipt (message_id, status, status_at, import_id)
      SELECT m.id, 'delivered', '2026-11-03T15:00:00Z', ${receipts} FROM message m
        JOIN message_batch b ON b.id = m.batch_id WHERE b.district_id = ${d.id}`.execute(k);
  }
}

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
  await seedOutreachRecords(db);
});
afterAll(async () => {
  await db.close();
});

/** Rows per district of each new table that a transaction sees. */
async function rowsByDistrict(
  trx: Transaction<Database>,
): Promise<Record<string, { own: number; other: number }>> {
  const out: Record<string, { own: number; other: number }> = {};
  for (const table of NEW_TABLES) {
    const r = await sql
      .raw<{ own: number; other: number }>(
        `SELECT count(*) FILTER (WHERE ${DISTRICT_OF[table]} = '${OWN}')::int AS own,
              count(*) FILTER (WHERE ${DISTRICT_OF[table]} IS DISTINCT FROM '${OWN}')::int AS other
         FROM ${table} t`,
      )
      .execute(trx);
    out[table] = { own: Number(r.rows[0].own), other: Number(r.rows[0].other) };
  }
  return out;
}

describe(`row-level security of outreach and reports (${testDialect})`, () => {
  it('RLS is enabled and forced on every new table, each with its pilot_app policy', async () => {
    const flags = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
       WHERE relname = ANY(${[...NEW_TABLES]}) AND relnamespace = 'public'::regnamespace ORDER BY relname`.execute(
      db.kysely,
    );
    expect(flags.rows).toEqual(
      [...NEW_TABLES].sort().map((relname) => ({ relname, relrowsecurity: true, relforcerowsecurity: true })),
    );
    const policies = await sql<{ tablename: string }>`
      SELECT tablename FROM pg_policies
       WHERE policyname = 'pilot_app_district' AND tablename = ANY(${[...NEW_TABLES]}) ORDER BY tablename`.execute(
      db.kysely,
    );
    expect(policies.rows.map((p) => p.tablename)).toEqual([...NEW_TABLES].sort());
  });

  it('the owner sees both districts in every table (the fixture is not vacuous)', async () => {
    const all = await db.kysely.transaction().execute(rowsByDistrict);
    for (const table of NEW_TABLES) {
      expect([table, all[table].own > 0, all[table].other > 0]).toEqual([table, true, true]);
    }
  });

  it("a district's scope sees all of its own rows and none of the other district's", async () => {
    const all = await db.kysely.transaction().execute(rowsByDistrict);
    const scoped = await withDistrictScope(db, OWN, rowsByDistrict);
    for (const table of NEW_TABLES) {
      expect([table, scoped[table]]).toEqual([table, { own: all[table].own, other: 0 }]);
    }
  });

  it.each(NEW_TABLES)(
    'removing the policy or RLS of %s is caught (in a rolled-back transaction)',
    async (table) => {
      const seen = async (change: string) => {
        let counts: { own: number; other: number } = { own: -1, other: -1 };
        await expect(
          db.kysely.transaction().execute(async (trx) => {
            await sql.raw(change).execute(trx);
            await sql`SET LOCAL ROLE pilot_app`.execute(trx);
            await sql`SELECT set_config('pilot.leaid', ${OWN}, true)`.execute(trx);
            counts = (await rowsByDistrict(trx))[table];
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        return counts;
      };
      // Without its policy the district sees nothing of its own; without RLS it sees the other district.
      expect((await seen(`DROP POLICY pilot_app_district ON ${table}`)).own).toBe(0);
      expect((await seen(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`)).other).toBeGreaterThan(0);
      // …and both are back after the rollback.
      expect((await withDistrictScope(db, OWN, rowsByDistrict))[table].other).toBe(0);
    },
  );

  it('pilot_app cannot write the new tables', async () => {
    for (const statement of [
      `UPDATE message SET status = 'sent'`,
      `DELETE FROM visit`,
      `INSERT INTO message_batch (study_id, district_id, kind, period_start, period_end, actor)
         SELECT study_id, id, 'alerts', '2026-12-01', '2026-12-01', 'x' FROM district`,
    ]) {
      await expect(withDistrictScope(db, OWN, (trx) => sql.raw(statement).execute(trx))).rejects.toThrow(
        /permission denied/,
      );
    }
  });
});

describe(`partner downloads of reports and message lists (${testDialect})`, () => {
  const get = (path: string, token: string) =>
    request(testApp(db)).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  it('lists the report and the message lists of the own district', async () => {
    const res = await get(`/studies/s1/districts/${OWN}/downloads`, tokens.partner);
    expect(res.status).toBe(200);
    expect(res.body.map((a: { name: string; kind: string }) => [a.name, a.kind])).toEqual([
      ['assignments.csv', 'assignments'],
      ['report.html', 'report'],
      ['report.json', 'report'],
      ['alerts-2026-10-15.csv', 'messages'], // by period end: the alert run of Oct 15 first
      ['messages-2026-10.csv', 'messages'],
    ]);
  });

  it("serves the own district's files only, and audits each download", async () => {
    const audits = async () =>
      (
        await sql<{ entity: string; details: unknown }>`
          SELECT entity, details FROM audit_event WHERE action = 'download' ORDER BY seq`.execute(db.kysely)
      ).rows;
    const before = (await audits()).length;
    const html = await get(`/studies/s1/districts/${OWN}/downloads/report.html`, tokens.partner);
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toContain(OWN);
    const json = await get(`/studies/s1/districts/${OWN}/downloads/report.json`, tokens.partner);
    expect(json.body.district.leaid).toBe(OWN);
    const csv = await get(`/studies/s1/districts/${OWN}/downloads/messages-2026-10.csv`, tokens.partner);
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(
      'batch_id,district_leaid,school_id,student_sis_id,contact_id,language,channel,message_text,absences_month,absences_ytd,send_after,message_id',
    );
    const own = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM message m JOIN message_batch b ON b.id = m.batch_id
        JOIN district d ON d.id = b.district_id WHERE d.nces_leaid = ${OWN} AND b.kind = 'monthly_summary'`.execute(
      db.kysely,
    );
    expect(lines.length - 1).toBe(own.rows[0].n);
    for (const line of lines.slice(1)) expect(line.split(',')[1]).toBe(OWN);
    for (const text of [html.text, json.text, csv.text]) {
      expect(text).not.toContain(OTHER);
      expect(text).not.toContain(OTHER_NAME);
    }
    // A partner download leaves the messages' status alone (that is the staff export's job).
    const exported = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM message WHERE status <> 'queued'`.execute(db.kysely);
    expect(exported.rows[0].n).toBe(0);
    const after = (await audits()).slice(before);
    expect(after.map((a) => a.entity)).toEqual([
      `study:s1/district:${OWN}/report.html`,
      `study:s1/district:${OWN}/report.json`,
      `study:s1/district:${OWN}/messages-2026-10.csv`,
    ]);
    expect(after[2].details).toMatchObject({ rows: own.rows[0].n });
    const alerts = await get(`/studies/s1/districts/${OWN}/downloads/alerts-2026-10-15.csv`, tokens.partner);
    expect(alerts.status).toBe(200);
    expect(alerts.text.trim().split('\n').slice(1)).toEqual([
      expect.stringContaining(`Alert for a student of ${OWN}`),
    ]);
  });

  it("another district's files answer as a missing one, and are not audited", async () => {
    const count = async () =>
      Number(
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_event`.execute(db.kysely)).rows[0].n,
      );
    const before = await count();
    for (const name of ['report.html', 'report.json', 'messages-2026-10.csv', 'alerts-2026-10-15.csv']) {
      const other = await get(`/studies/s1/districts/${OTHER}/downloads/${name}`, tokens.partner);
      expect([name, other.status]).toEqual([name, 404]);
      // Even the other district's own token gets nothing of OWN; a name no batch has is missing too.
      const unknown = await get(
        `/studies/s1/districts/${OTHER}/downloads/messages-2026-09.csv`,
        tokens.otherPartner,
      );
      expect(unknown.status).toBe(404);
    }
    expect(await count()).toBe(before);
  });
});
