import { sql, type Kysely } from 'kysely';

/**
 * Pre-registered analysis plans and report runs (DESIGN.md §3, §7; issue 13).
 * - `analysis_plan`: one row per study and version; the body is the validated plan (canonical JSON)
 *   and its SHA-256. A locked plan cannot be changed or deleted (trigger); a new version can be set
 *   only while no version of the study is locked.
 * - `report_run`: one row per `pilot analyze` / `pilot report` run: the plan it used, the manifest
 *   (hashes of every input) and the SHA-256 of report.json. Never updated or deleted.
 * Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE analysis_plan (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      version integer NOT NULL CHECK (version >= 1),
      body jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      actor text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      locked_at timestamptz,
      locked_by text,
      UNIQUE (study_id, version)
    );

    CREATE FUNCTION analysis_plan_locked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.locked_at IS NOT NULL THEN
          RAISE EXCEPTION 'analysis plan % of study % is locked: it cannot be deleted', OLD.version, OLD.study_id;
        END IF;
        RETURN OLD;
      END IF;
      IF OLD.locked_at IS NOT NULL THEN
        RAISE EXCEPTION 'analysis plan % of study % is locked: it cannot be changed', OLD.version, OLD.study_id;
      END IF;
      IF NEW.body IS DISTINCT FROM OLD.body OR NEW.sha256 <> OLD.sha256 OR NEW.version <> OLD.version
         OR NEW.study_id <> OLD.study_id THEN
        RAISE EXCEPTION 'analysis plan % of study %: a stored version is never rewritten; set a new version', OLD.version, OLD.study_id;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER analysis_plan_immutable BEFORE UPDATE OR DELETE ON analysis_plan
      FOR EACH ROW EXECUTE FUNCTION analysis_plan_locked();

    CREATE TABLE report_run (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      plan_id integer NOT NULL REFERENCES analysis_plan(id),
      kind text NOT NULL CHECK (kind IN ('analysis', 'district')),
      district_id integer REFERENCES district(id),
      manifest jsonb NOT NULL CHECK (jsonb_typeof(manifest) = 'object'),
      report_sha256 text NOT NULL CHECK (report_sha256 ~ '^[0-9a-f]{64}$'),
      actor text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX report_run_study_idx ON report_run (study_id, created_at);

    CREATE FUNCTION report_run_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'report runs are a record: they cannot be changed or deleted';
    END $$;
    CREATE TRIGGER report_run_locked BEFORE UPDATE OR DELETE ON report_run
      FOR EACH ROW EXECUTE FUNCTION report_run_immutable();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE report_run, analysis_plan;
    DROP FUNCTION report_run_immutable();
    DROP FUNCTION analysis_plan_locked();
  `.execute(db);
}
