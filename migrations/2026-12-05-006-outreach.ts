import { sql, type Kysely } from 'kysely';

/**
 * Outreach (issue 11): the programs each arm receives, message templates, generated batches of
 * messages, threshold alerts and staff tasks, delivery receipts and home visits.
 * - `program`: one per study and arm (an arm without a row receives nothing); `version` grows with
 *   each change, which is refused once a batch of the program exists.
 * - `message_batch`: one generation run per district, kind and period (`UNIQUE`: a month, or a day's
 *   alerts, is generated once); `stats` holds the counts of contacts skipped and why, by arm.
 * - `message`: one rendered message per caregiver and student; the arm is never stored here.
 * - `alert` / `staff_task`: threshold programs; a threshold fires once per student and school year
 *   (partial unique index).
 * - `message_receipt`: every receipt line as imported; `message.status` holds the latest.
 * - `visit`: home visits, one per student and date.
 * Also: import kinds `receipts` and `visits`; caregivers keep a phone number that is not valid as
 * given (`phone_as_given`, no SMS channel), flag an email that is not valid (`email_valid`) and say
 * whether they are message contacts; students and schools gain the names and phone messages quote.
 * Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE import_file DROP CONSTRAINT import_file_kind_check;
    ALTER TABLE import_file ADD CONSTRAINT import_file_kind_check CHECK (kind IN ('roster', 'schools',
      'contacts', 'calendar', 'enrollment', 'attendance_daily', 'attendance_monthly', 'receipts', 'visits'));

    ALTER TABLE caregiver ADD COLUMN phone_as_given text,
                          ADD COLUMN email_valid boolean NOT NULL DEFAULT true,
                          ADD COLUMN message_contact boolean NOT NULL DEFAULT true;
    ALTER TABLE student ADD COLUMN first_name text;
    ALTER TABLE school ADD COLUMN phone text;

    CREATE TABLE program (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      arm text NOT NULL CHECK (arm <> ''),
      kind text NOT NULL CHECK (kind IN ('monthly_summary', 'threshold_alerts', 'home_visits')),
      config jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
      version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (study_id, arm)
    );

    CREATE TABLE message_template (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      purpose text NOT NULL CHECK (purpose IN ('monthly_summary', 'absence_alert', 'threshold_alert')),
      language text NOT NULL CHECK (language ~ '^[a-z]{2,3}$'),
      version integer NOT NULL CHECK (version >= 1),
      body text NOT NULL CHECK (body <> ''),
      encoding text NOT NULL CHECK (encoding IN ('gsm7', 'ucs2')),
      max_segments smallint NOT NULL CHECK (max_segments >= 1),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (study_id, purpose, language, version)
    );

    CREATE TABLE message_batch (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      study_id integer NOT NULL REFERENCES study(id),
      district_id integer NOT NULL REFERENCES district(id),
      kind text NOT NULL CHECK (kind IN ('monthly_summary', 'alerts')),
      period_start date NOT NULL,
      period_end date NOT NULL CHECK (period_end >= period_start),
      stats jsonb NOT NULL DEFAULT '{}',
      actor text NOT NULL,
      generated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (district_id, kind, period_end)
    );

    CREATE TABLE alert (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      batch_id integer NOT NULL REFERENCES message_batch(id),
      program_id integer NOT NULL REFERENCES program(id),
      student_id integer NOT NULL REFERENCES student(id),
      date date NOT NULL,
      school_year integer NOT NULL,
      kind text NOT NULL CHECK (kind IN ('absence', 'threshold')),
      threshold real,
      tier smallint CHECK (tier BETWEEN 1 AND 3),
      absences_ytd numeric NOT NULL,
      CHECK ((kind = 'threshold') = (threshold IS NOT NULL AND tier IS NOT NULL))
    );
    CREATE UNIQUE INDEX alert_threshold_once ON alert (program_id, student_id, school_year, threshold)
      WHERE kind = 'threshold';
    CREATE UNIQUE INDEX alert_absence_once ON alert (program_id, student_id, date) WHERE kind = 'absence';
    CREATE INDEX alert_batch_idx ON alert (batch_id);

    CREATE TABLE staff_task (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      alert_id integer NOT NULL UNIQUE REFERENCES alert(id),
      student_id integer NOT NULL REFERENCES student(id),
      role text NOT NULL CHECK (role IN ('advisor', 'counselor', 'attendance_team')),
      tier smallint NOT NULL CHECK (tier BETWEEN 1 AND 3),
      reason text NOT NULL,
      due_date date NOT NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled'))
    );

    CREATE TABLE message (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      batch_id integer NOT NULL REFERENCES message_batch(id),
      student_id integer NOT NULL REFERENCES student(id),
      caregiver_id integer NOT NULL REFERENCES caregiver(id),
      template_id integer NOT NULL REFERENCES message_template(id),
      alert_id integer REFERENCES alert(id),
      channel text NOT NULL CHECK (channel IN ('sms', 'email', 'inbox')),
      language text NOT NULL,
      body text NOT NULL,
      segments smallint,
      absences_month numeric NOT NULL,
      absences_ytd numeric NOT NULL,
      send_after date NOT NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'exported', 'sent', 'delivered', 'failed', 'opted_out')),
      status_at timestamptz NOT NULL DEFAULT now(),
      provider_ref text
    );
    CREATE INDEX message_batch_idx ON message (batch_id);
    CREATE INDEX message_student_idx ON message (student_id);

    CREATE TABLE message_receipt (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      message_id bigint NOT NULL REFERENCES message(id),
      status text NOT NULL CHECK (status IN ('delivered', 'failed', 'opted_out')),
      status_at timestamptz NOT NULL,
      provider_ref text,
      import_id integer NOT NULL REFERENCES import_file(id)
    );
    CREATE INDEX message_receipt_message_idx ON message_receipt (message_id);

    CREATE TABLE visit (
      student_id integer NOT NULL REFERENCES student(id),
      date date NOT NULL,
      modality text NOT NULL CHECK (modality IN ('in_person', 'virtual', 'phone')),
      personnel text NOT NULL CHECK (personnel IN ('school', 'community')),
      barriers jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(barriers) = 'array'),
      import_id integer NOT NULL REFERENCES import_file(id),
      PRIMARY KEY (student_id, date)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE visit, message_receipt, message, staff_task, alert, message_batch, message_template, program;
    ALTER TABLE school DROP COLUMN phone;
    ALTER TABLE student DROP COLUMN first_name;
    ALTER TABLE caregiver DROP COLUMN phone_as_given, DROP COLUMN email_valid, DROP COLUMN message_contact;
    -- Import records are never deleted (migration 003), so receipts/visits records stay: NOT VALID.
    ALTER TABLE import_file DROP CONSTRAINT import_file_kind_check;
    ALTER TABLE import_file ADD CONSTRAINT import_file_kind_check CHECK (kind IN ('roster', 'schools',
      'contacts', 'calendar', 'enrollment', 'attendance_daily', 'attendance_monthly')) NOT VALID;
  `.execute(db);
}
