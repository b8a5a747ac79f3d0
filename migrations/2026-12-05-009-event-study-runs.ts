import { sql, type Kysely } from 'kysely';

/**
 * Event studies run on a study's own data (issue 12 items 1 and 8): `event_study_run` keeps one row
 * per `pilot event-study --study` run, the treatment start it used (first_visit,
 * first_delivered_message or randomization), the method, the validated options and the result JSON,
 * for the report. Never updated or deleted. Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE event_study_run (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      start text NOT NULL CHECK (start IN ('first_visit', 'first_delivered_message', 'randomization')),
      method text NOT NULL CHECK (method IN ('cs', 'twfe', 'sunab', 'bacon')),
      options jsonb NOT NULL CHECK (jsonb_typeof(options) = 'object'),
      result jsonb NOT NULL CHECK (jsonb_typeof(result) = 'object'),
      actor text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX event_study_run_study_idx ON event_study_run (study_id, created_at);

    CREATE FUNCTION event_study_run_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'event-study runs are a record: they cannot be changed or deleted';
    END $$;
    CREATE TRIGGER event_study_run_locked BEFORE UPDATE OR DELETE ON event_study_run
      FOR EACH ROW EXECUTE FUNCTION event_study_run_immutable();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE event_study_run;
    DROP FUNCTION event_study_run_immutable();
  `.execute(db);
}
