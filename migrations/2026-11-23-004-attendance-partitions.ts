import { sql, type Kysely } from 'kysely';

/**
 * Daily attendance, partitioned by district. A district's first attendance file is the bulk of its
 * rows (a year of school days for every student); maintaining a primary-key index row by row while
 * copying them costs about four times the copy itself. So a district's rows live in their own
 * partition, `attendance_day_d<district id>`, which the first import creates unattached, fills with
 * COPY, indexes in one sort, checks and only then attaches (`attendance_day_attach_partition`). Later
 * files for the district go through the parent table as before.
 *
 * The key stays one row per student and school day: the parent's primary key must include the
 * partition column, so it is (student_id, date, district_id), and the reference triggers check that
 * district_id is the student's own district, which makes (student_id, date) unique as before. The
 * student comes first because rows are looked up by student, and because a key that starts with a
 * column constant in each partition sorts more slowly when a partition's index is built.
 * Rows already stored are moved into their districts' partitions.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE attendance_day RENAME TO attendance_day_unpartitioned;
    ALTER TABLE attendance_day_unpartitioned RENAME CONSTRAINT attendance_day_pkey TO attendance_day_unpartitioned_pkey;
    DROP TRIGGER attendance_day_references_insert ON attendance_day_unpartitioned;
    DROP TRIGGER attendance_day_references_update ON attendance_day_unpartitioned;

    CREATE TABLE attendance_day (
      district_id integer NOT NULL,
      student_id integer NOT NULL,
      date date NOT NULL,
      category text NOT NULL CHECK (category IN ('present','excused','unexcused','tardy','early_departure','partial')),
      absent_fraction real NOT NULL CHECK (absent_fraction >= 0 AND absent_fraction <= 1),
      suspension text CHECK (suspension IN ('oss', 'iss')),
      sis_code text,
      import_id integer NOT NULL,
      PRIMARY KEY (student_id, date, district_id)
    ) PARTITION BY LIST (district_id);

    -- Every row names an existing student of its own district and an existing import (student and
    -- import_file rows are never deleted: migration 003). Checked once per statement, over the
    -- distinct pairs of the statement's rows.
    CREATE FUNCTION attendance_day_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT district_id, student_id FROM checked_rows) r
                 WHERE NOT EXISTS (SELECT 1 FROM student s WHERE s.id = r.student_id AND s.district_id = r.district_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = 'attendance_day.student_id references a student that does not exist in the row''s district';
      END IF;
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT import_id FROM checked_rows) r
                 WHERE NOT EXISTS (SELECT 1 FROM import_file i WHERE i.id = r.import_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = 'attendance_day.import_id references an import that does not exist';
      END IF;
      RETURN NULL;
    END $$;

    CREATE TRIGGER attendance_day_references_insert AFTER INSERT ON attendance_day
      REFERENCING NEW TABLE AS checked_rows FOR EACH STATEMENT EXECUTE FUNCTION attendance_day_references_check();
    CREATE TRIGGER attendance_day_references_update AFTER UPDATE ON attendance_day
      REFERENCING NEW TABLE AS checked_rows FOR EACH STATEMENT EXECUTE FUNCTION attendance_day_references_check();

    -- The district's students as ranges of consecutive ids ('student_id BETWEEN a AND b OR …'), or
    -- null when there are none or more than 64 ranges (ids interleaved with other districts').
    CREATE FUNCTION attendance_day_student_ranges(d integer) RETURNS text LANGUAGE sql STABLE AS $$
      SELECT string_agg(format('student_id BETWEEN %s AND %s', lo, hi), ' OR ' ORDER BY lo)
      FROM (SELECT min(id) AS lo, max(id) AS hi
            FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM student WHERE district_id = d) s
            GROUP BY run) r
      HAVING count(*) BETWEEN 1 AND 64
    $$;

    -- A district's partition for one import's rows, created empty and unattached, for a bulk load
    -- without index upkeep. Its loading constraints stand for the reference checks while it loads:
    -- every row is of this import (which also fills district_id and import_id by default) and, when
    -- the district's student ids fall in few ranges, of a student of the district.
    CREATE FUNCTION attendance_day_new_partition(d integer, loaded_import integer) RETURNS text LANGUAGE plpgsql AS $$
    DECLARE
      t text := 'attendance_day_d' || d;
      ranges text := attendance_day_student_ranges(d);
    BEGIN
      EXECUTE format('CREATE TABLE %I (LIKE attendance_day INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
                     'CONSTRAINT %I CHECK (district_id = %s), CONSTRAINT %I CHECK (import_id = %s))',
                     t, t || '_district', d, t || '_loading', loaded_import);
      EXECUTE format('ALTER TABLE %I ALTER district_id SET DEFAULT %s, ALTER import_id SET DEFAULT %s', t, d, loaded_import);
      IF ranges IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%s)', t, t || '_students', ranges);
      END IF;
      RETURN t;
    END $$;

    -- Builds the loaded partition's key (a duplicate raises unique_violation), checks its references
    -- (the import named by its loading constraint; its students by their constraint or else in one
    -- pass over the rows), drops the loading constraints and defaults, attaches it (its district CHECK
    -- spares the scan) and gives it the parent's reference triggers, so statements aimed at the
    -- partition itself are checked too. It trusts the loading constraints attendance_day_new_partition
    -- made, as the schema trusts its own triggers.
    CREATE FUNCTION attendance_day_attach_partition(d integer) RETURNS void LANGUAGE plpgsql
    SET maintenance_work_mem = '256MB' AS $$
    DECLARE
      t text := 'attendance_day_d' || d;
      loaded_import integer;
      bad_student boolean := false;
    BEGIN
      SELECT substring(pg_get_constraintdef(c.oid) FROM '^CHECK \\(\\(import_id = (\\d+)\\)\\)$')::int INTO loaded_import
        FROM pg_constraint c WHERE c.conrelid = t::regclass AND c.conname = t || '_loading';
      IF loaded_import IS NULL OR NOT EXISTS (SELECT 1 FROM import_file i WHERE i.id = loaded_import) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = format('%s.import_id references an import that does not exist', t);
      END IF;
      EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (student_id, date, district_id)', t);
      IF NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = t::regclass AND c.conname = t || '_students') THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT student_id FROM %I) r
                        WHERE NOT EXISTS (SELECT 1 FROM student s WHERE s.id = r.student_id AND s.district_id = %s))', t, d)
          INTO bad_student;
      END IF;
      IF bad_student THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = format('%s.student_id references a student that does not exist in district %s', t, d);
      END IF;
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I, DROP CONSTRAINT IF EXISTS %I, '
                     'ALTER district_id DROP DEFAULT, ALTER import_id DROP DEFAULT', t, t || '_loading', t || '_students');
      EXECUTE format('ALTER TABLE attendance_day ATTACH PARTITION %I FOR VALUES IN (%s)', t, d);
      EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS checked_rows '
                     'FOR EACH STATEMENT EXECUTE FUNCTION attendance_day_references_check()', t || '_references_insert', t);
      EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS checked_rows '
                     'FOR EACH STATEMENT EXECUTE FUNCTION attendance_day_references_check()', t || '_references_update', t);
    END $$;

    DO $$
    DECLARE d integer;
    BEGIN
      FOR d IN SELECT DISTINCT s.district_id FROM attendance_day_unpartitioned a JOIN student s ON s.id = a.student_id LOOP
        -- attached empty, then filled through the parent (rows of several imports)
        PERFORM attendance_day_new_partition(d, (SELECT min(id) FROM import_file));
        PERFORM attendance_day_attach_partition(d);
        INSERT INTO attendance_day (district_id, student_id, date, category, absent_fraction, suspension, sis_code, import_id)
          SELECT s.district_id, a.student_id, a.date, a.category, a.absent_fraction, a.suspension, a.sis_code, a.import_id
          FROM attendance_day_unpartitioned a JOIN student s ON s.id = a.student_id WHERE s.district_id = d;
      END LOOP;
    END $$;
    DROP TABLE attendance_day_unpartitioned;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE attendance_day_unpartitioned (
      student_id integer NOT NULL,
      date date NOT NULL,
      category text NOT NULL CHECK (category IN ('present','excused','unexcused','tardy','early_departure','partial')),
      absent_fraction real NOT NULL CHECK (absent_fraction >= 0 AND absent_fraction <= 1),
      suspension text CHECK (suspension IN ('oss', 'iss')),
      sis_code text,
      import_id integer NOT NULL,
      PRIMARY KEY (student_id, date)
    );
    INSERT INTO attendance_day_unpartitioned
      SELECT student_id, date, category, absent_fraction, suspension, sis_code, import_id FROM attendance_day;
    DROP TABLE attendance_day;
    DROP FUNCTION attendance_day_attach_partition(integer);
    DROP FUNCTION attendance_day_new_partition(integer, integer);
    DROP FUNCTION attendance_day_student_ranges(integer);
    DROP FUNCTION attendance_day_references_check();
    ALTER TABLE attendance_day_unpartitioned RENAME TO attendance_day;
    ALTER TABLE attendance_day RENAME CONSTRAINT attendance_day_unpartitioned_pkey TO attendance_day_pkey;
    CREATE TRIGGER attendance_day_references_insert AFTER INSERT ON attendance_day
      REFERENCING NEW TABLE AS checked_rows FOR EACH STATEMENT EXECUTE FUNCTION attendance_references_check();
    CREATE TRIGGER attendance_day_references_update AFTER UPDATE ON attendance_day
      REFERENCING NEW TABLE AS checked_rows FOR EACH STATEMENT EXECUTE FUNCTION attendance_references_check();
  `.execute(db);
}
