/**
 * The plain CSV import formats: each file's columns in the order Pilot writes them (synthetic data,
 * exports) and which of them a file must have. Readers accept the columns in any order; a column not
 * listed is ignored with a warning. The one place these lists live.
 */
export interface CsvFormat {
  columns: readonly string[];
  required: readonly string[];
}

function format(columns: readonly string[], required: readonly string[]): CsvFormat {
  return { columns, required };
}

export const FORMATS = {
  schools: format(['school_id', 'nces_id', 'name'], ['school_id', 'name']),
  students: format(
    [
      'student_id',
      'school_id',
      'grade',
      'household_id',
      'sex',
      'race_ethnicity',
      'english_learner',
      'disability',
      'low_income',
      'prior_year_absence_rate',
      'state_id',
    ],
    ['student_id', 'school_id', 'grade', 'household_id'],
  ),
  contacts: format(
    [
      'contact_id',
      'student_id',
      'household_id',
      'relationship',
      'first_name',
      'last_name',
      'phone',
      'email',
      'preferred_language',
      'sms_consent',
      'opt_out_at',
      'opt_out_channel',
    ],
    ['contact_id', 'student_id', 'household_id', 'relationship'],
  ),
  calendar: format(
    ['school_id', 'date', 'instructional', 'day_fraction'],
    ['school_id', 'date', 'instructional'],
  ),
  enrollment: format(
    ['student_id', 'school_id', 'entry_date', 'exit_date'],
    ['student_id', 'school_id', 'entry_date'],
  ),
  attendanceDaily: format(
    [
      'student_id',
      'date',
      'category',
      'absent_fraction',
      'suspension',
      'sis_code',
      'school_id',
      'minutes_absent',
    ],
    ['student_id', 'date', 'category'],
  ),
  attendanceMonthly: format(
    ['student_id', 'month', 'enrolled_days', 'absent_days', 'school_id'],
    ['student_id', 'month', 'enrolled_days', 'absent_days'],
  ),
} as const;

/** The columns of a format a file may leave out. */
export function optionalColumns(f: CsvFormat): string[] {
  return f.columns.filter((c) => !f.required.includes(c));
}
