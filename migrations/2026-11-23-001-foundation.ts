import { sql, type Kysely } from 'kysely';

/**
 * Foundation schema: studies, districts, schools, households, students, caregivers, calendars,
 * enrollment, attendance, import bookkeeping and the audit chain. Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE study (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'enrolling', 'randomized', 'closed')),
      unit text NOT NULL CHECK (unit IN ('student', 'household', 'school')),
      arms jsonb NOT NULL CHECK (jsonb_typeof(arms) = 'array' AND jsonb_array_length(arms) >= 2),
      block_by jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(block_by) = 'array'),
      seed text NOT NULL CHECK (seed <> ''),
      seed_commitment text NOT NULL CHECK (seed_commitment ~ '^[0-9a-f]{64}$'),
      seed_revealed_at timestamptz,
      algorithm text NOT NULL DEFAULT 'pilot-v1',
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE district (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      nces_leaid text NOT NULL CHECK (nces_leaid ~ '^[0-9]{7}$'),
      name text NOT NULL CHECK (name <> ''),
      state text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
      locale_code smallint NOT NULL CHECK (locale_code IN (11, 12, 13, 21, 22, 23, 31, 32, 33, 41, 42, 43)),
      agreement_signed_on date,
      enrolled_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (study_id, nces_leaid)
    );

    CREATE TABLE import_file (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      district_id integer NOT NULL REFERENCES district(id),
      kind text NOT NULL CHECK (kind IN ('roster', 'schools', 'contacts', 'calendar', 'enrollment',
                                         'attendance_daily', 'attendance_monthly')),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      file_name text NOT NULL,
      rows_read integer NOT NULL CHECK (rows_read >= 0),
      rows_inserted integer NOT NULL CHECK (rows_inserted >= 0),
      rows_replaced integer NOT NULL CHECK (rows_replaced >= 0),
      rows_unchanged integer NOT NULL CHECK (rows_unchanged >= 0),
      warnings jsonb NOT NULL DEFAULT '[]',
      imported_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (district_id, kind, sha256)
    );

    CREATE TABLE school (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      district_id integer NOT NULL REFERENCES district(id),
      school_key text NOT NULL CHECK (school_key <> ''),
      nces_id text CHECK (nces_id ~ '^[0-9]{12}$'),
      name text NOT NULL,
      import_id integer REFERENCES import_file(id),
      UNIQUE (district_id, school_key)
    );

    CREATE TABLE household (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      district_id integer NOT NULL REFERENCES district(id),
      household_key text NOT NULL CHECK (household_key <> ''),
      UNIQUE (district_id, household_key)
    );

    CREATE TABLE student (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      district_id integer NOT NULL REFERENCES district(id),
      sis_id text NOT NULL CHECK (sis_id <> ''),
      state_id text,
      school_id integer NOT NULL REFERENCES school(id),
      grade text NOT NULL CHECK (grade IN ('PK','KG','01','02','03','04','05','06','07','08','09','10','11','12')),
      household_id integer NOT NULL REFERENCES household(id),
      sex text CHECK (sex IN ('F', 'M', 'X')),
      race_ethnicity text,
      english_learner boolean,
      disability boolean,
      low_income boolean,
      prior_year_absence_rate double precision CHECK (prior_year_absence_rate BETWEEN 0 AND 1),
      import_id integer REFERENCES import_file(id),
      enrolled_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (district_id, sis_id)
    );
    CREATE INDEX student_household_idx ON student (household_id);
    CREATE INDEX student_school_idx ON student (school_id);

    CREATE TABLE caregiver (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      district_id integer NOT NULL REFERENCES district(id),
      contact_key text NOT NULL CHECK (contact_key <> ''),
      household_id integer NOT NULL REFERENCES household(id),
      relationship text NOT NULL CHECK (relationship IN ('parent', 'guardian', 'relative', 'other')),
      first_name text,
      last_name text,
      phone_e164 text CHECK (phone_e164 ~ '^\\+[1-9][0-9]{6,14}$'),
      email text,
      language text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2,3}$'),
      sms_consent boolean NOT NULL DEFAULT false,
      opt_out_at date,
      opt_out_channel text CHECK (opt_out_channel IN ('sms', 'email', 'voice', 'all')),
      import_id integer REFERENCES import_file(id),
      UNIQUE (district_id, contact_key)
    );

    CREATE TABLE caregiver_student (
      caregiver_id integer NOT NULL REFERENCES caregiver(id),
      student_id integer NOT NULL REFERENCES student(id),
      PRIMARY KEY (caregiver_id, student_id)
    );
    CREATE INDEX caregiver_student_student_idx ON caregiver_student (student_id);

    CREATE TABLE calendar_day (
      school_id integer NOT NULL REFERENCES school(id),
      date date NOT NULL,
      instructional boolean NOT NULL,
      day_fraction real NOT NULL CHECK (day_fraction >= 0 AND day_fraction <= 1),
      import_id integer REFERENCES import_file(id),
      PRIMARY KEY (school_id, date)
    );

    CREATE TABLE enrollment (
      student_id integer NOT NULL REFERENCES student(id),
      school_id integer NOT NULL REFERENCES school(id),
      entry_date date NOT NULL,
      exit_date date CHECK (exit_date IS NULL OR exit_date >= entry_date),
      import_id integer REFERENCES import_file(id),
      PRIMARY KEY (student_id, school_id, entry_date)
    );

    CREATE TABLE attendance_day (
      student_id integer NOT NULL REFERENCES student(id),
      date date NOT NULL,
      category text NOT NULL CHECK (category IN ('present','excused','unexcused','tardy','early_departure','partial')),
      absent_fraction real NOT NULL CHECK (absent_fraction >= 0 AND absent_fraction <= 1),
      suspension text CHECK (suspension IN ('oss', 'iss')),
      sis_code text,
      import_id integer NOT NULL REFERENCES import_file(id),
      PRIMARY KEY (student_id, date)
    );

    CREATE TABLE attendance_month (
      student_id integer NOT NULL REFERENCES student(id),
      month date NOT NULL CHECK (extract(day FROM month) = 1),
      enrolled_days real NOT NULL CHECK (enrolled_days >= 0 AND enrolled_days <= 31),
      absent_days real NOT NULL CHECK (absent_days >= 0 AND absent_days <= enrolled_days),
      import_id integer NOT NULL REFERENCES import_file(id),
      PRIMARY KEY (student_id, month)
    );

    -- Which file replaced which rows: the values a later file overwrote are kept here, never lost.
    CREATE TABLE row_revision (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      import_id integer NOT NULL REFERENCES import_file(id),
      table_name text NOT NULL,
      row_key text NOT NULL,
      previous jsonb NOT NULL,
      previous_import_id integer REFERENCES import_file(id)
    );
    CREATE INDEX row_revision_import_idx ON row_revision (import_id);

    CREATE TABLE audit_event (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      action text NOT NULL,
      entity text NOT NULL,
      details jsonb NOT NULL,
      prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
    );

    CREATE FUNCTION audit_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_event rows cannot be changed or deleted';
    END $$;
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
      FOR EACH ROW EXECUTE FUNCTION audit_event_immutable();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE audit_event, row_revision, attendance_month, attendance_day, enrollment, calendar_day,
      caregiver_student, caregiver, student, household, school, import_file, district, study;
    DROP FUNCTION audit_event_immutable();
  `.execute(db);
}
