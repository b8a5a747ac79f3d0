import { sql, type Kysely } from 'kysely';

/**
 * Randomization records and the locked assignment table (DESIGN.md §4, SECURITY.md §4–5).
 * - `randomization`: one row per study and wave (UNIQUE: a wave is randomized once), with algorithm,
 *   version, seed derivation, block counts and the roster / assignment SHA-256.
 * - `assignment`: one row per randomized unit; a unit is assigned once per study (primary key).
 * - `assignment_member`: the frozen roster, one row per student with the unit whose arm they take.
 * None of the three can be updated, deleted or truncated (triggers; the owner is stopped too).
 * The two big tables carry no foreign keys to `randomization` or to each other: they are written once,
 * by one transaction that also writes the record, and never change, so per-row key checks would only
 * triple the time of a million-row insert; `pilot randomize verify` re-checks that every roster row
 * joins its unit (the roster SHA-256 covers them). A randomized student cannot be deleted (student FK).
 * Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE randomization (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      wave integer NOT NULL CHECK (wave >= 1),
      algorithm text NOT NULL,
      version integer NOT NULL CHECK (version >= 1),
      seed_derivation text NOT NULL,
      unit text NOT NULL CHECK (unit IN ('student', 'household', 'school')),
      block_by jsonb NOT NULL CHECK (jsonb_typeof(block_by) = 'array'),
      arms jsonb NOT NULL CHECK (jsonb_typeof(arms) = 'array'),
      block_counts jsonb NOT NULL CHECK (jsonb_typeof(block_counts) = 'array'),
      units integer NOT NULL CHECK (units >= 0),
      students integer NOT NULL CHECK (students >= 0),
      roster_sha256 text NOT NULL CHECK (roster_sha256 ~ '^[0-9a-f]{64}$'),
      assignment_sha256 text NOT NULL CHECK (assignment_sha256 ~ '^[0-9a-f]{64}$'),
      warnings jsonb NOT NULL DEFAULT '[]',
      actor text NOT NULL,
      locked_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (study_id, wave)
    );

    CREATE TABLE assignment (
      randomization_id integer NOT NULL,
      study_id integer NOT NULL,
      wave integer NOT NULL CHECK (wave >= 1),
      unit_key text NOT NULL,
      block_key text NOT NULL,
      arm text NOT NULL,
      hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
      PRIMARY KEY (study_id, unit_key)
    );
    CREATE INDEX assignment_randomization_idx ON assignment (randomization_id);

    CREATE TABLE assignment_member (
      randomization_id integer NOT NULL,
      study_id integer NOT NULL,
      wave integer NOT NULL CHECK (wave >= 1),
      student_id integer NOT NULL REFERENCES student(id),
      student_key text NOT NULL,
      unit_key text NOT NULL,
      PRIMARY KEY (study_id, student_id)
    );
    CREATE INDEX assignment_member_unit_idx ON assignment_member (study_id, unit_key);

    CREATE FUNCTION assignment_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% rows are locked: a randomization cannot be changed or deleted', TG_TABLE_NAME;
    END $$;
    CREATE TRIGGER randomization_locked BEFORE UPDATE OR DELETE ON randomization
      FOR EACH ROW EXECUTE FUNCTION assignment_immutable();
    CREATE TRIGGER randomization_no_truncate BEFORE TRUNCATE ON randomization
      FOR EACH STATEMENT EXECUTE FUNCTION assignment_immutable();
    CREATE TRIGGER assignment_locked BEFORE UPDATE OR DELETE ON assignment
      FOR EACH ROW EXECUTE FUNCTION assignment_immutable();
    CREATE TRIGGER assignment_no_truncate BEFORE TRUNCATE ON assignment
      FOR EACH STATEMENT EXECUTE FUNCTION assignment_immutable();
    CREATE TRIGGER assignment_member_locked BEFORE UPDATE OR DELETE ON assignment_member
      FOR EACH ROW EXECUTE FUNCTION assignment_immutable();
    CREATE TRIGGER assignment_member_no_truncate BEFORE TRUNCATE ON assignment_member
      FOR EACH STATEMENT EXECUTE FUNCTION assignment_immutable();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Dropping the tables drops their triggers; the locked rows go with them (a development reset only).
  await sql`
    DROP TABLE assignment_member, assignment, randomization;
    DROP FUNCTION assignment_immutable();
  `.execute(db);
}
