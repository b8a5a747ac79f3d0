import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Transaction } from 'kysely';
import request from 'supertest';
import { withDistrictScope } from '../../../access/district-scope.store.ts';
import {
  partnerAssignmentRows,
  partnerLatestReportRef,
  partnerLatestReportRefScoped,
} from '../../../access/partner.store.ts';
import type { Db } from '../../../db/connection.ts';
import type { Database } from '../../../db/types.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { OTHER, OWN, seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';

let db: Db;
let tokens: Tokens;

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
});
afterAll(async () => {
  await db.close();
});

const RLS_TABLES = [
  'district',
  'study',
  'school',
  'household',
  'student',
  'caregiver',
  'import_file',
  'attendance_day',
  'enrollment',
  'attendance_month',
  'caregiver_student',
  'calendar_day',
  'randomization',
  'assignment',
  'assignment_member',
];

/** Rows of other districts a transaction can see, per table (all zero when the policies hold). */
async function visibleForeignRows(trx: Transaction<Database>): Promise<Record<string, number>> {
  const q = async (text: string) => Number((await sql.raw<{ n: number }>(text).execute(trx)).rows[0].n);
  return {
    district: await q(`SELECT count(*) AS n FROM district WHERE nces_leaid <> '${OWN}'`),
    student: await q(
      `SELECT count(*) AS n FROM student WHERE district_id NOT IN (SELECT id FROM district WHERE nces_leaid = '${OWN}')`,
    ),
    household: await q(
      `SELECT count(*) AS n FROM household WHERE district_id NOT IN (SELECT id FROM district WHERE nces_leaid = '${OWN}')`,
    ),
    school: await q(
      `SELECT count(*) AS n FROM school WHERE district_id NOT IN (SELECT id FROM district WHERE nces_leaid = '${OWN}')`,
    ),
    assignment: await q(`SELECT count(*) AS n FROM assignment WHERE unit_key NOT LIKE '%:${OWN}:%'`),
    assignment_member: await q(
      `SELECT count(*) AS n FROM assignment_member WHERE student_key NOT LIKE '%:${OWN}:%'`,
    ),
  };
}

const zeros = { district: 0, student: 0, household: 0, school: 0, assignment: 0, assignment_member: 0 };

describe(`row-level security (${testDialect})`, () => {
  it('pilot_app is not a superuser, cannot bypass RLS and owns no table; RLS is enabled and forced', async () => {
    const role = await sql<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>`
      SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'pilot_app'`.execute(
      db.kysely,
    );
    expect(role.rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolcanlogin: false }]);
    const owned = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
       WHERE r.rolname = 'pilot_app'`.execute(db.kysely);
    expect(owned.rows[0].n).toBe(0);
    const flags = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
       WHERE relname = ANY(${RLS_TABLES}) AND relnamespace = 'public'::regnamespace ORDER BY relname`.execute(
      db.kysely,
    );
    expect(flags.rows.map((r) => r.relname)).toEqual([...RLS_TABLES].sort());
    for (const r of flags.rows)
      expect([r.relname, r.relrowsecurity, r.relforcerowsecurity]).toEqual([r.relname, true, true]);
  });

  it("a district's scope sees its own rows and no other district's", async () => {
    const seen = await withDistrictScope(db, OWN, async (trx) => ({
      foreign: await visibleForeignRows(trx),
      own: Number((await sql<{ n: number }>`SELECT count(*) AS n FROM student`.execute(trx)).rows[0].n),
      studies: (await sql<{ slug: string }>`SELECT slug FROM study ORDER BY slug`.execute(trx)).rows.map(
        (r) => r.slug,
      ),
    }));
    expect(seen.foreign).toEqual(zeros);
    const ownStudents = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM student s JOIN district d ON d.id = s.district_id
       WHERE d.nces_leaid = ${OWN}`.execute(db.kysely);
    expect(seen.own).toBe(ownStudents.rows[0].n);
    expect(seen.own).toBeGreaterThan(0);
    expect(seen.studies).toEqual(['fresh', 's1']);
  });

  it('removing the policy (RLS disabled in a rolled-back transaction) shows the leak this test guards', async () => {
    let leaked: Record<string, number> = {};
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await sql`ALTER TABLE student DISABLE ROW LEVEL SECURITY`.execute(trx);
        await sql`SET LOCAL ROLE pilot_app`.execute(trx);
        await sql`SELECT set_config('pilot.leaid', ${OWN}, true)`.execute(trx);
        leaked = await visibleForeignRows(trx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(leaked.student).toBeGreaterThan(0);
    expect(leaked.assignment_member).toBeGreaterThan(0); // its policy goes through student
    expect(leaked.district).toBe(0);
    // …and the policy is back after the rollback.
    expect(await withDistrictScope(db, OWN, visibleForeignRows)).toEqual(zeros);
  });

  it('with no district set, pilot_app sees nothing', async () => {
    const n = await db.kysely.transaction().execute(async (trx) => {
      await sql`SET LOCAL ROLE pilot_app`.execute(trx);
      return (
        await sql<{
          n: number;
        }>`SELECT (SELECT count(*) FROM student) + (SELECT count(*) FROM district) AS n`.execute(trx)
      ).rows[0].n;
    });
    expect(Number(n)).toBe(0);
  });

  it('pilot_app cannot write, nor read tokens, sessions or the audit trail', async () => {
    for (const statement of [
      `INSERT INTO household (district_id, household_key) SELECT id, 'HX' FROM district LIMIT 1`,
      `UPDATE student SET grade = '01'`,
      `DELETE FROM assignment_member`,
      `SELECT * FROM api_token`,
      `SELECT * FROM web_session`,
      `SELECT * FROM audit_event`,
    ]) {
      await expect(withDistrictScope(db, OWN, (trx) => sql.raw(statement).execute(trx))).rejects.toThrow(
        /permission denied/,
      );
    }
  });

  it('a store query asking for another district inside a scope gets nothing (defence in depth)', async () => {
    expect(await withDistrictScope(db, OWN, (trx) => partnerAssignmentRows(trx, 's1', OTHER))).toBeNull();
    const own = await withDistrictScope(db, OWN, (trx) => partnerAssignmentRows(trx, 's1', OWN));
    expect(own!.length).toBeGreaterThan(0);
  });

  it('interleaved requests of two districts on a shared pool never mix', async () => {
    const app = testApp(db);
    const calls = Array.from({ length: 120 }, (_, i) => {
      const [token, leaid] = i % 2 ? [tokens.partner, OWN] : [tokens.otherPartner, OTHER];
      return request(app)
        .get(`/api/v1/studies/s1/districts/${leaid}/assignments`)
        .set('Authorization', `Bearer ${token}`)
        .then((res) => ({ leaid, status: res.status, body: res.body as { district_leaid: string }[] }));
    });
    const results = await Promise.all(calls);
    let mismatches = 0;
    for (const r of results) {
      expect(r.status).toBe(200);
      mismatches += r.body.filter((row) => row.district_leaid !== r.leaid).length;
      expect(r.body.length).toBeGreaterThan(0);
    }
    expect(mismatches).toBe(0);
  });
});

describe(`latest-report lookup in one round trip (${testDialect})`, () => {
  it('finds what the scoped transaction finds; nothing for another study, a malformed slug or LEAID', async () => {
    const scoped = await withDistrictScope(db, OWN, (trx) => partnerLatestReportRef(trx, 's1', OWN));
    expect(scoped).not.toBeNull();
    expect(await partnerLatestReportRefScoped(db, 's1', OWN)).toEqual(scoped);
    expect(await partnerLatestReportRefScoped(db, 'fresh', OWN)).toBeNull();
    expect(await partnerLatestReportRefScoped(db, "s1' OR '1'='1", OWN)).toBeNull();
    expect(await partnerLatestReportRefScoped(db, 's1', `${OWN}'`)).toBeNull();
  });

  (testDialect === 'postgres' ? it : it.skip)(
    'one message of two statements: the second is planned as pilot_app under the policies, and nothing outlives it',
    async () => {
      const seen = await db.withSession((s) =>
        s.query<{ n: number; foreign: number; who: string }>(
          `SELECT set_config('role', 'pilot_app', true), set_config('pilot.leaid', '${OWN}', true);
           SELECT count(*)::int AS n, count(*) FILTER (WHERE nces_leaid <> '${OWN}')::int AS foreign,
                  current_user AS who FROM district`,
        ),
      );
      expect(seen.rows[0]).toMatchObject({ foreign: 0, who: 'pilot_app' });
      expect(seen.rows[0].n).toBeGreaterThan(0);
      await Promise.all(Array.from({ length: 20 }, () => partnerLatestReportRefScoped(db, 's1', OWN)));
      const after = await Promise.all(
        Array.from({ length: 10 }, () =>
          db.withSession((s) =>
            s.query<{ who: string; leaid: string }>(
              `SELECT current_user AS who, coalesce(current_setting('pilot.leaid', true), '') AS leaid`,
            ),
          ),
        ),
      );
      for (const a of after) expect(a.rows[0].who).not.toBe('pilot_app');
      for (const a of after) expect(a.rows[0].leaid).toBe('');
    },
  );
});
