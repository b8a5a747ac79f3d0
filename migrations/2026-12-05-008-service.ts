import { sql, type Kysely } from 'kysely';

/**
 * The coordinator service (issue 14; SECURITY.md §2–3):
 * - `api_token`: bearer tokens by role (partners scoped to one district LEAID); only the SHA-256 of a
 *   token is stored, never the token.
 * - `web_session`: portal sign-ins (cookie value stored as SHA-256), with the CSRF token of the session;
 *   in the database so that any number of `pilot serve` processes share them.
 * - `rate_limit_counter`: fixed-window counters (authentication attempts), shared the same way.
 * - Row-level security: the role `pilot_app` (no login, no BYPASSRLS, owns nothing) may only SELECT the
 *   district-scoped tables, and policies let it see only the rows of the district whose LEAID the
 *   transaction sets in `pilot.leaid` (`set_config('pilot.leaid', …, true)`); with no setting it sees
 *   nothing. RLS is enabled and forced on each table; the migrating role (the owner) keeps every row
 *   through its own policy. Superusers bypass RLS in PostgreSQL, so the service switches to `pilot_app`
 *   (`SET LOCAL ROLE`) for partner reads. PGlite (a single-user embedded PostgreSQL) supports every
 *   statement here, roles included, so nothing is skipped there.
 * Roles are per cluster, not per database: `pilot_app` is created when missing and never dropped (other
 * databases on the cluster may use it); `down` revokes this database's grants and drops the policies.
 * Frozen: never import app code here.
 */

/** Tables with a district_id column. */
const BY_DISTRICT = ['school', 'household', 'student', 'caregiver', 'import_file', 'attendance_day'];
/** Tables reached through their student. */
const BY_STUDENT = ['enrollment', 'attendance_month', 'caregiver_student', 'assignment_member'];

const POLICIES: Record<string, string> = {
  district: `nces_leaid = current_setting('pilot.leaid', true)`,
  study: `EXISTS (SELECT 1 FROM district d WHERE d.study_id = study.id)`,
  randomization: `study_id IN (SELECT id FROM study)`,
  calendar_day: `school_id IN (SELECT id FROM school)`,
  assignment: `EXISTS (SELECT 1 FROM assignment_member m
                        WHERE m.study_id = assignment.study_id AND m.unit_key = assignment.unit_key)`,
  ...Object.fromEntries(BY_DISTRICT.map((t) => [t, `district_id IN (SELECT id FROM district)`])),
  ...Object.fromEntries(BY_STUDENT.map((t) => [t, `student_id IN (SELECT id FROM student)`])),
};

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE api_token (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      role text NOT NULL CHECK (role IN ('staff', 'analyst', 'partner')),
      district_leaid text CHECK (district_leaid ~ '^[0-9]{7}$'),
      label text NOT NULL DEFAULT '',
      token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      CHECK ((role = 'partner') = (district_leaid IS NOT NULL))
    );

    CREATE TABLE web_session (
      id_sha256 text PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
      token_id integer NOT NULL REFERENCES api_token(id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX web_session_token_idx ON web_session (token_id);

    CREATE TABLE rate_limit_counter (
      key text PRIMARY KEY,
      hits integer NOT NULL CHECK (hits >= 0),
      reset_at timestamptz NOT NULL
    );

    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pilot_app') THEN
        CREATE ROLE pilot_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database on the cluster created it at the same moment
    END $$;
    -- The migrating role may switch to pilot_app (superusers always may; a plain owner needs membership).
    DO $$
    BEGIN
      EXECUTE format('GRANT pilot_app TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
      NULL;
    END $$;
  `.execute(db);
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
  await sql`DROP TABLE rate_limit_counter, web_session, api_token`.execute(db);
}
