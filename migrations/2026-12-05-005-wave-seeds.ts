import { sql, type Kysely } from 'kysely';

/**
 * Late waves get their own committed seeds (DESIGN.md §4 item 6; issue 10 item 6).
 * - `randomization_wave`: one row per opened wave w ≥ 2 of a study, holding the wave's seed S_w
 *   (secret until the wave is randomized), its commitment H(S_w) (published when the wave is opened,
 *   before any late enrollee of the wave is registered), who opened it and when, and when the seed was
 *   revealed. Wave 1 needs no row: it uses the study seed, committed in `study.seed_commitment`.
 * - The commitment is checked against the seed by the database itself (CHECK), and a row can change
 *   only once, from sealed to revealed; it cannot be deleted or truncated (triggers; the owner too).
 * Records stored before this migration keep their seed derivation `S + "|wave<w>"` and are re-verified
 * with it. Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE randomization_wave (
      study_id integer NOT NULL REFERENCES study(id),
      wave integer NOT NULL CHECK (wave >= 2),
      seed text NOT NULL CHECK (seed ~ '^[0-9a-f]{32,128}$'),
      seed_commitment text NOT NULL CONSTRAINT randomization_wave_commitment
        CHECK (seed_commitment = encode(sha256(convert_to(seed, 'UTF8')), 'hex')),
      opened_by text NOT NULL,
      opened_at timestamptz NOT NULL DEFAULT now(),
      revealed_at timestamptz,
      PRIMARY KEY (study_id, wave)
    );

    CREATE FUNCTION randomization_wave_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.revealed_at IS NULL AND NEW.revealed_at IS NOT NULL
         AND (NEW.study_id, NEW.wave, NEW.seed, NEW.seed_commitment, NEW.opened_by, NEW.opened_at)
             IS NOT DISTINCT FROM (OLD.study_id, OLD.wave, OLD.seed, OLD.seed_commitment, OLD.opened_by, OLD.opened_at)
      THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'randomization_wave rows are locked: a wave seed is committed once and only revealed';
    END $$;
    CREATE TRIGGER randomization_wave_locked BEFORE UPDATE OR DELETE ON randomization_wave
      FOR EACH ROW EXECUTE FUNCTION randomization_wave_sealed();
    CREATE TRIGGER randomization_wave_no_truncate BEFORE TRUNCATE ON randomization_wave
      FOR EACH STATEMENT EXECUTE FUNCTION randomization_wave_sealed();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Dropping the table drops its triggers and the committed seeds with it (a development reset only).
  await sql`
    DROP TABLE randomization_wave;
    DROP FUNCTION randomization_wave_sealed();
  `.execute(db);
}
