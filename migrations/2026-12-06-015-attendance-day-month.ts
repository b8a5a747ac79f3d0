import { sql, type Kysely } from 'kysely';

/**
 * Daily attendance summed per student and calendar month (issue 13: building a national report's
 * outcomes grouped 18 million daily rows; a month wholly inside an outcome window now reads one row
 * here instead). Per district, student and month: the records, the exact absence (the sum of each
 * day's absent fraction as numeric, `absent_fraction::numeric` as the outcome query sums it, in-school
 * suspension counting as present), the days missing at least half the day, and the last record's date.
 *
 * Kept exact by statement triggers on attendance_day and on each attached partition (statements aimed
 * at a partition fire only the partition's): rows inserted are added to their months, rows deleted
 * subtracted, rows updated both (numeric sums are exact, so adding and subtracting in any order gives
 * the sums of the rows); a TRUNCATE drops the months it emptied.
 * The one write no trigger sees is a district's first bulk load, copied into a partition before it is
 * attached (migration 004): the import writes that partition's months itself, counted from the rows
 * it copies (attendance-byte-reader.ts).
 * Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE attendance_day_month (
      district_id integer NOT NULL,
      student_id integer NOT NULL,
      month date NOT NULL CHECK (month = date_trunc('month', month::timestamp)::date),
      records integer NOT NULL CHECK (records >= 0),
      absence numeric NOT NULL CHECK (absence >= 0),
      chronic integer NOT NULL CHECK (chronic >= 0),
      last_date date NOT NULL,
      PRIMARY KEY (district_id, student_id, month)
    );

    -- The months of the statement's new rows, added to what is stored.
    CREATE FUNCTION attendance_day_month_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO attendance_day_month AS s (district_id, student_id, month, records, absence, chronic, last_date)
        SELECT district_id, student_id, date_trunc('month', date::timestamp)::date, count(*),
          sum((CASE WHEN suspension = 'iss' THEN 0::real ELSE absent_fraction END)::numeric),
          count(*) FILTER (WHERE absent_fraction >= 0.5 AND suspension IS DISTINCT FROM 'iss'), max(date)
        FROM changed_rows GROUP BY 1, 2, 3
      ON CONFLICT (district_id, student_id, month) DO UPDATE SET records = s.records + excluded.records,
        absence = s.absence + excluded.absence, chronic = s.chronic + excluded.chronic,
        last_date = greatest(s.last_date, excluded.last_date);
      RETURN NULL;
    END $$;

    -- The statement's old rows subtracted from their months and its new rows (of an UPDATE) added, so
    -- that the sums do not depend on the order in which an INSERT … ON CONFLICT DO UPDATE fires its
    -- UPDATE and INSERT triggers (the UPDATE's first); each touched month's last date is then read
    -- again from attendance_day (a maximum cannot be subtracted), and emptied months are dropped.
    CREATE FUNCTION attendance_day_month_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        CREATE TEMP TABLE attendance_day_month_delta ON COMMIT DROP AS
          SELECT district_id, student_id, date_trunc('month', date::timestamp)::date AS month, sum(n)::int AS records,
            sum(absence) AS absence, sum(chronic)::int AS chronic
          FROM (SELECT district_id, student_id, date, -1 AS n,
                  -((CASE WHEN suspension = 'iss' THEN 0::real ELSE absent_fraction END)::numeric) AS absence,
                  CASE WHEN absent_fraction >= 0.5 AND suspension IS DISTINCT FROM 'iss' THEN -1 ELSE 0 END AS chronic
                FROM old_rows
                UNION ALL
                SELECT district_id, student_id, date, 1,
                  (CASE WHEN suspension = 'iss' THEN 0::real ELSE absent_fraction END)::numeric,
                  CASE WHEN absent_fraction >= 0.5 AND suspension IS DISTINCT FROM 'iss' THEN 1 ELSE 0 END
                FROM new_rows) r
          GROUP BY 1, 2, 3;
      ELSE
        CREATE TEMP TABLE attendance_day_month_delta ON COMMIT DROP AS
          SELECT district_id, student_id, date_trunc('month', date::timestamp)::date AS month, -count(*)::int AS records,
            -sum((CASE WHEN suspension = 'iss' THEN 0::real ELSE absent_fraction END)::numeric) AS absence,
            -count(*) FILTER (WHERE absent_fraction >= 0.5 AND suspension IS DISTINCT FROM 'iss')::int AS chronic
          FROM old_rows GROUP BY 1, 2, 3;
      END IF;
      UPDATE attendance_day_month s SET records = s.records + d.records, absence = s.absence + d.absence,
          chronic = s.chronic + d.chronic,
          last_date = coalesce((SELECT max(a.date) FROM attendance_day a
            WHERE a.district_id = d.district_id AND a.student_id = d.student_id
              AND a.date >= d.month AND a.date < (d.month + interval '1 month')::date), s.last_date)
        FROM attendance_day_month_delta d
        WHERE s.district_id = d.district_id AND s.student_id = d.student_id AND s.month = d.month;
      INSERT INTO attendance_day_month (district_id, student_id, month, records, absence, chronic, last_date)
        SELECT d.district_id, d.student_id, d.month, d.records, d.absence, d.chronic,
          (SELECT max(a.date) FROM attendance_day a
            WHERE a.district_id = d.district_id AND a.student_id = d.student_id
              AND a.date >= d.month AND a.date < (d.month + interval '1 month')::date)
        FROM attendance_day_month_delta d
        WHERE d.records > 0 AND NOT EXISTS (SELECT 1 FROM attendance_day_month s
          WHERE s.district_id = d.district_id AND s.student_id = d.student_id AND s.month = d.month);
      DELETE FROM attendance_day_month s USING attendance_day_month_delta d
        WHERE s.district_id = d.district_id AND s.student_id = d.student_id AND s.month = d.month AND s.records = 0;
      DROP TABLE attendance_day_month_delta;
      RETURN NULL;
    END $$;

    -- TG_ARGV[0]: the partition's district, or none for the parent (every district).
    CREATE FUNCTION attendance_day_month_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_NARGS = 0 THEN
        DELETE FROM attendance_day_month;
      ELSE
        DELETE FROM attendance_day_month WHERE district_id = TG_ARGV[0]::int;
      END IF;
      RETURN NULL;
    END $$;

    -- The summary's triggers on table t (the parent when d is null, else district d's partition).
    CREATE FUNCTION attendance_day_month_triggers(t text, d integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows '
                     'FOR EACH STATEMENT EXECUTE FUNCTION attendance_day_month_add()', t || '_month_insert', t);
      EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                     'FOR EACH STATEMENT EXECUTE FUNCTION attendance_day_month_change()', t || '_month_update', t);
      EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                     'FOR EACH STATEMENT EXECUTE FUNCTION attendance_day_month_change()', t || '_month_delete', t);
      EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT '
                     'EXECUTE FUNCTION attendance_day_month_truncated(%s)', t || '_month_truncate', t, coalesce(d::text, ''));
    END $$;

    SELECT attendance_day_month_triggers('attendance_day', NULL);
    SELECT attendance_day_month_triggers(c.relname::text, substring(c.relname FROM '^attendance_day_d(\\d+)$')::int)
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'attendance_day'::regclass;

    -- Migration 004's attach, which now gives the partition the summary's triggers too.
    CREATE OR REPLACE FUNCTION attendance_day_attach_partition(d integer) RETURNS void LANGUAGE plpgsql
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
      PERFORM attendance_day_month_triggers(t, d);
    END $$;

    INSERT INTO attendance_day_month (district_id, student_id, month, records, absence, chronic, last_date)
      SELECT district_id, student_id, date_trunc('month', date::timestamp)::date, count(*),
        sum((CASE WHEN suspension = 'iss' THEN 0::real ELSE absent_fraction END)::numeric),
        count(*) FILTER (WHERE absent_fraction >= 0.5 AND suspension IS DISTINCT FROM 'iss'), max(date)
      FROM attendance_day GROUP BY 1, 2, 3;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION attendance_day_attach_partition(d integer) RETURNS void LANGUAGE plpgsql
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
    DECLARE t text;
    BEGIN
      FOR t IN SELECT 'attendance_day' UNION ALL SELECT c.relname::text FROM pg_inherits i
                 JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'attendance_day'::regclass LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_month_insert', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_month_update', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_month_delete', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_month_truncate', t);
      END LOOP;
    END $$;
    DROP FUNCTION attendance_day_month_triggers(text, integer);
    DROP FUNCTION attendance_day_month_truncated();
    DROP FUNCTION attendance_day_month_change();
    DROP FUNCTION attendance_day_month_add();
    DROP TABLE attendance_day_month;
  `.execute(db);
}
