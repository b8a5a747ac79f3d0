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
  phone: ColumnType<string | null, string | null | undefined, string | null>;
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
  first_name: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** A phone number kept as the file gave it because it is not valid (no SMS channel; migration 006). */
  phone_as_given: ColumnType<string | null, string | null | undefined, string | null>;
  email_valid: ColumnType<boolean, boolean | undefined, boolean>;
  message_contact: ColumnType<boolean, boolean | undefined, boolean>;
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

/** Daily attendance summed per student and calendar month, kept by triggers and imports (migration 015). */
export interface AttendanceDayMonthTable {
  district_id: number;
  student_id: number;
  /** first day of the month */
  month: string;
  records: number;
  /** exact sum of absent fractions (numeric; in-school suspension counts as present) */
  absence: string;
  /** days with at least half the day missed */
  chronic: number;
  last_date: string;
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

/** What one arm of a study receives (migration 006); an arm without a program receives nothing. */
export interface ProgramTable {
  id: Generated<number>;
  study_id: number;
  arm: string;
  kind: 'monthly_summary' | 'threshold_alerts' | 'home_visits';
  config: Json<Record<string, unknown>>;
  version: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
}

export interface MessageTemplateTable {
  id: Generated<number>;
  study_id: number;
  purpose: 'monthly_summary' | 'absence_alert' | 'threshold_alert';
  language: string;
  version: number;
  body: string;
  encoding: 'gsm7' | 'ucs2';
  max_segments: number;
  created_at: Timestamp;
}

export interface MessageBatchTable {
  id: Generated<number>;
  study_id: number;
  district_id: number;
  kind: 'monthly_summary' | 'alerts';
  period_start: string;
  period_end: string;
  stats: ColumnType<Record<string, unknown>, string | undefined, string>;
  actor: string;
  generated_at: Timestamp;
}

export interface AlertTable {
  id: Generated<number>;
  batch_id: number;
  program_id: number;
  student_id: number;
  date: string;
  school_year: number;
  kind: 'absence' | 'threshold';
  threshold: number | null;
  tier: number | null;
  absences_ytd: number;
}

export interface StaffTaskTable {
  id: Generated<number>;
  alert_id: number;
  student_id: number;
  role: 'advisor' | 'counselor' | 'attendance_team';
  tier: number;
  reason: string;
  due_date: string;
  status: ColumnType<'open' | 'done' | 'cancelled', string | undefined, string>;
}

export interface MessageTable {
  id: Generated<number>;
  batch_id: number;
  student_id: number;
  caregiver_id: number;
  template_id: number;
  alert_id: number | null;
  channel: 'sms' | 'email' | 'inbox';
  language: string;
  body: string;
  segments: number | null;
  absences_month: number;
  absences_ytd: number;
  send_after: string;
  status: ColumnType<
    'queued' | 'exported' | 'sent' | 'delivered' | 'failed' | 'opted_out',
    string | undefined,
    string
  >;
  status_at: Timestamp;
  provider_ref: string | null;
}

export interface MessageReceiptTable {
  id: Generated<number>;
  message_id: number;
  status: 'delivered' | 'failed' | 'opted_out';
  status_at: Timestamp;
  provider_ref: string | null;
  import_id: number;
}

export interface VisitTable {
  student_id: number;
  date: string;
  modality: 'in_person' | 'virtual' | 'phone';
  personnel: 'school' | 'community';
  barriers: Json<string[]>;
  import_id: number;
}

/** One version of a study's analysis plan (migration 007); a locked row never changes. */
export interface AnalysisPlanTable {
  id: Generated<number>;
  study_id: number;
  version: number;
  body: Json<unknown>;
  sha256: string;
  actor: string;
  created_at: Timestamp;
  locked_at: Timestamp | null;
  locked_by: string | null;
}

/** One analysis or district report produced (migration 007; never updated or deleted). */
export interface ReportRunTable {
  id: Generated<number>;
  study_id: number;
  plan_id: number;
  kind: 'analysis' | 'district';
  district_id: number | null;
  manifest: Json<unknown>;
  report_sha256: string;
  actor: string;
  created_at: Timestamp;
  /** The stored report (migration 010); null on runs recorded before it. */
  report_json: string | null;
  report_html: string | null;
}

/** One `pilot event-study --study` run (migration 009; never updated or deleted). */
export interface EventStudyRunTable {
  id: Generated<number>;
  study_id: number;
  start: 'first_visit' | 'first_delivered_message' | 'randomization';
  method: 'cs' | 'twfe' | 'sunab' | 'bacon';
  options: Json<Record<string, unknown>>;
  result: Json<Record<string, unknown>>;
  actor: string;
  created_at: Timestamp;
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
  attendance_day_month: AttendanceDayMonthTable;
  row_revision: RowRevisionTable;
  audit_event: AuditEventTable;
  randomization: RandomizationTable;
  randomization_wave: RandomizationWaveTable;
  assignment: AssignmentTable;
  assignment_member: AssignmentMemberTable;
  program: ProgramTable;
  message_template: MessageTemplateTable;
  message_batch: MessageBatchTable;
  alert: AlertTable;
  staff_task: StaffTaskTable;
  message: MessageTable;
  message_receipt: MessageReceiptTable;
  visit: VisitTable;
  analysis_plan: AnalysisPlanTable;
  report_run: ReportRunTable;
  event_study_run: EventStudyRunTable;
  api_token: ApiTokenTable;
  web_session: WebSessionTable;
  rate_limit_counter: RateLimitCounterTable;
}
