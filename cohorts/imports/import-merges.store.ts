import type { MergeSpec } from './import.store.ts';

/**
 * The SQL of each kind's merge and duplicate check (a store file: the only place SQL text lives). The
 * import service picks a spec by kind and hands it to mergeStaged / duplicateKeys in import.store.ts.
 */

const caregiverMerge = (stage: string, districtId: number): MergeSpec => ({
  table: 'caregiver',
  key: ['district_id', 'contact_key'],
  values: [
    'household_id',
    'relationship',
    'first_name',
    'last_name',
    'phone_e164',
    'email',
    'language',
    'sms_consent',
    'opt_out_at',
    'opt_out_channel',
  ],
  source: `SELECT DISTINCT ON (s.contact_key) ${districtId}::int AS district_id, s.contact_key, h.id AS household_id, s.relationship,
                  s.first_name, s.last_name, s.phone_e164, s.email, s.language, s.sms_consent, s.opt_out_at, s.opt_out_channel
           FROM ${stage} s JOIN household h ON h.district_id = ${districtId} AND h.household_key = s.household_key
           ORDER BY s.contact_key, s.line`,
});

/**
 * How each staged file becomes rows: natural keys, the columns a later file replaces, and the SELECT
 * over the staging table. The SQL text is fixed here; only integer ids are interpolated.
 */
export const MERGES = {
  school: (stage: string, districtId: number): MergeSpec => ({
    table: 'school',
    key: ['district_id', 'school_key'],
    values: ['nces_id', 'name'],
    source: `SELECT ${districtId}::int AS district_id, school_key, nces_id, name FROM ${stage}`,
  }),
  student: (stage: string, districtId: number): MergeSpec => ({
    table: 'student',
    key: ['district_id', 'sis_id'],
    values: [
      'state_id',
      'school_id',
      'grade',
      'household_id',
      'sex',
      'race_ethnicity',
      'english_learner',
      'disability',
      'low_income',
      'prior_year_absence_rate',
    ],
    source: `SELECT ${districtId}::int AS district_id, s.sis_id, s.state_id, s.school_id, s.grade, h.id AS household_id, s.sex,
                    s.race_ethnicity, s.english_learner, s.disability, s.low_income, s.prior_year_absence_rate
             FROM ${stage} s JOIN household h ON h.district_id = ${districtId} AND h.household_key = s.household_key`,
  }),
  caregiver: (stage: string, districtId: number): MergeSpec => caregiverMerge(stage, districtId),
  /**
   * Caregivers from a OneRoster zip: OneRoster carries no language, SMS consent or opt-out, so a roster
   * zip sets only who the caregiver is; what a contacts.csv said about language, consent and opt-out
   * (the defaults 'en', no consent, for a new caregiver) is never overwritten by a later zip.
   */
  oneRosterCaregiver: (stage: string, districtId: number): MergeSpec => ({
    ...caregiverMerge(stage, districtId),
    values: ['household_id', 'relationship', 'first_name', 'last_name', 'phone_e164', 'email'],
  }),
  calendar_day: (stage: string): MergeSpec => ({
    table: 'calendar_day',
    key: ['school_id', 'date'],
    values: ['instructional', 'day_fraction'],
    source: `SELECT school_id, date, instructional, day_fraction FROM ${stage}`,
  }),
  enrollment: (stage: string): MergeSpec => ({
    table: 'enrollment',
    key: ['student_id', 'school_id', 'entry_date'],
    values: ['exit_date'],
    source: `SELECT student_id, school_id, entry_date, exit_date FROM ${stage}`,
  }),
  /** The partition key district_id leads the key; a revision is still keyed student:date. */
  attendance_day: (stage: string, districtId: number): MergeSpec => ({
    table: 'attendance_day',
    key: ['district_id', 'student_id', 'date'],
    rowKey: ['student_id', 'date'],
    omitFromPrevious: ['district_id'],
    values: ['category', 'absent_fraction', 'suspension', 'sis_code'],
    source: `SELECT ${districtId}::int AS district_id, student_id, date, category, absent_fraction, suspension, sis_code FROM ${stage}`,
  }),
  attendance_month: (stage: string): MergeSpec => ({
    table: 'attendance_month',
    key: ['student_id', 'month'],
    values: ['enrolled_days', 'absent_days'],
    source: `SELECT student_id, month, enrolled_days, absent_days FROM ${stage}`,
  }),
} as const;

/**
 * The duplicate check of each kind's staged rows: the natural key, the file column a duplicate is
 * reported at (as the file names it, not the staging column), how the key reads in a message, and a
 * SQL expression over the stage that shows the duplicated value.
 */
export interface DuplicateCheck {
  key: readonly string[];
  column: string;
  what: string;
  shown: string;
}

export const STAGE_KEYS: Record<string, DuplicateCheck> = {
  schools: { key: ['school_key'], column: 'school_id', what: 'school_id', shown: 'school_key' },
  roster: { key: ['sis_id'], column: 'student_id', what: 'student_id', shown: 'sis_id' },
  contacts: {
    key: ['contact_key', 'student_id'],
    column: 'contact_id',
    what: 'contact_id and student_id',
    shown: 'contact_key',
  },
  calendar: { key: ['school_id', 'date'], column: 'date', what: 'school_id and date', shown: 'date::text' },
  enrollment: {
    key: ['student_id', 'school_id', 'entry_date'],
    column: 'entry_date',
    what: 'student_id, school_id and entry_date',
    shown: 'entry_date::text',
  },
  attendance_daily: {
    key: ['student_id', 'date'],
    column: 'date',
    what: 'student_id and date',
    shown: 'date::text',
  },
  attendance_monthly: {
    key: ['student_id', 'month'],
    column: 'month',
    what: 'student_id and month',
    shown: "to_char(month, 'YYYY-MM')",
  },
};
