import type { ColumnType, Generated } from 'kysely';

/** Row types of Pilot's tables (the migrations are the truth). Dates are 'YYYY-MM-DD' strings. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface StudyTable {
  id: Generated<number>;
  slug: string;
  name: string;
  status: ColumnType<'draft' | 'enrolling' | 'randomized' | 'closed', string | undefined, string>;
  unit: 'student' | 'household' | 'school';
  arms: Json<{ name: string; probability: string }[]>;
  block_by: Json<string[]>;
  seed: string;
  seed_commitment: string;
  seed_revealed_at: Timestamp | null;
  algorithm: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
}

export interface DistrictTable {
  id: Generated<number>;
  study_id: number;
  nces_leaid: string;
  name: string;
  state: string;
  locale_code: number;
  agreement_signed_on: string | null;
  enrolled_at: Timestamp;
}

export interface ImportFileTable {
  id: Generated<number>;
  district_id: number;
  kind: string;
  sha256: string;
  file_name: string;
  rows_read: number;
  rows_inserted: number;
  rows_replaced: number;
  rows_unchanged: number;
  warnings: Json<unknown[]>;
  imported_at: Timestamp;
}

export interface SchoolTable {
  id: Generated<number>;
  district_id: number;
  school_key: string;
  nces_id: string | null;
  name: string;
  import_id: number | null;
}

export interface HouseholdTable {
  id: Generated<number>;
  district_id: number;
  household_key: string;
}

export interface StudentTable {
  id: Generated<number>;
  district_id: number;
  sis_id: string;
  state_id: string | null;
  school_id: number;
  grade: string;
  household_id: number;
  sex: string | null;
  race_ethnicity: string | null;
  english_learner: boolean | null;
  disability: boolean | null;
  low_income: boolean | null;
  prior_year_absence_rate: number | null;
  import_id: number | null;
  enrolled_at: Timestamp;
}

export interface CaregiverTable {
  id: Generated<number>;
  district_id: number;
  contact_key: string;
  household_id: number;
  relationship: string;
  first_name: string | null;
  last_name: string | null;
  phone_e164: string | null;
  email: string | null;
  language: string;
  sms_consent: boolean;
  opt_out_at: string | null;
  opt_out_channel: string | null;
  import_id: number | null;
}

export interface CaregiverStudentTable {
  caregiver_id: number;
  student_id: number;
}

export interface CalendarDayTable {
  school_id: number;
  date: string;
  instructional: boolean;
  day_fraction: number;
  import_id: number | null;
}

export interface EnrollmentTable {
  student_id: number;
  school_id: number;
  entry_date: string;
  exit_date: string | null;
  import_id: number | null;
}

export interface AttendanceDayTable {
  /** The student's district: the partition key (migration 004). */
  district_id: number;
  student_id: number;
  date: string;
  category: string;
  absent_fraction: number;
  suspension: string | null;
  sis_code: string | null;
  import_id: number;
}

export interface AttendanceMonthTable {
  student_id: number;
  month: string;
  enrolled_days: number;
  absent_days: number;
  import_id: number;
}

export interface RowRevisionTable {
  id: Generated<number>;
  import_id: number;
  table_name: string;
  row_key: string;
  previous: Json<unknown>;
  previous_import_id: number | null;
}

export interface AuditEventTable {
  seq: Generated<number>;
  at: Timestamp;
  actor: string;
  action: string;
  entity: string;
  details: Json<unknown>;
  prev_hash: string;
  hash: string;
}

/** One randomized wave of a study (migration 002; never updated or deleted). */
export interface RandomizationTable {
  id: Generated<number>;
  study_id: number;
  wave: number;
  algorithm: string;
  version: number;
  seed_derivation: string;
  unit: 'student' | 'household' | 'school';
  block_by: Json<string[]>;
  arms: Json<{ name: string; probability: string }[]>;
  block_counts: Json<{ block_key: string; n: number; counts: Record<string, number> }[]>;
  units: number;
  students: number;
  roster_sha256: string;
  assignment_sha256: string;
  warnings: ColumnType<unknown[], string | undefined, string>;
  actor: string;
  locked_at: Timestamp;
}

/** A late wave's own seed: committed when the wave is opened, revealed when it is randomized (migration 005). */
export interface RandomizationWaveTable {
  study_id: number;
  wave: number;
  seed: string;
  seed_commitment: string;
  opened_by: string;
  opened_at: Timestamp;
  revealed_at: Timestamp | null;
}

/** One randomized unit's arm (migration 002; never updated or deleted). */
export interface AssignmentTable {
  randomization_id: number;
  study_id: number;
  wave: number;
  unit_key: string;
  block_key: string;
  arm: string;
  hash: string;
}

/** The frozen roster of a randomization: each student and the unit whose arm they take. */
export interface AssignmentMemberTable {
  randomization_id: number;
  study_id: number;
  wave: number;
  student_id: number;
  student_key: string;
  unit_key: string;
}

/** Bearer tokens (migration 008): only the SHA-256 of a token is stored. */
export interface ApiTokenTable {
  id: Generated<number>;
  role: 'staff' | 'analyst' | 'partner';
  district_leaid: string | null;
  label: ColumnType<string, string | undefined, string>;
  token_sha256: string;
  created_by: string;
  created_at: Timestamp;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** Portal sign-ins; the cookie value is stored as SHA-256. */
export interface WebSessionTable {
  id_sha256: string;
  token_id: number;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

/** Fixed-window counters shared by every server process. */
export interface RateLimitCounterTable {
  key: string;
  hits: number;
  reset_at: ColumnType<Date, Date | string, Date | string>;
}

export interface Database {
  study: StudyTable;
  district: DistrictTable;
  import_file: ImportFileTable;
  school: SchoolTable;
  household: HouseholdTable;
  student: StudentTable;
  caregiver: CaregiverTable;
  caregiver_student: CaregiverStudentTable;
  calendar_day: CalendarDayTable;
  enrollment: EnrollmentTable;
  attendance_day: AttendanceDayTable;
  attendance_month: AttendanceMonthTable;
  row_revision: RowRevisionTable;
  audit_event: AuditEventTable;
  randomization: RandomizationTable;
  randomization_wave: RandomizationWaveTable;
  assignment: AssignmentTable;
  assignment_member: AssignmentMemberTable;
  api_token: ApiTokenTable;
  web_session: WebSessionTable;
  rate_limit_counter: RateLimitCounterTable;
}
