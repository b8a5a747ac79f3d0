import { csvText } from './csv.ts';
import { schoolCalendarRows } from './school-calendar.ts';
import type { DistrictPlan, Roster, SchoolCalendar, Student } from './types.ts';

/** Headers of the plain import formats (issue 2, item 4). */
export const HEADERS = {
  districts: ['nces_leaid', 'name', 'state', 'locale_code'],
  schools: ['school_id', 'nces_id', 'name'],
  students: [
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
  ],
  contacts: [
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
  calendar: ['school_id', 'date', 'instructional', 'day_fraction'],
  enrollment: ['student_id', 'school_id', 'entry_date', 'exit_date'],
  attendance: ['student_id', 'date', 'category', 'absent_fraction', 'suspension', 'sis_code'],
} as const;

export function districtsCsv(plans: readonly DistrictPlan[]): string {
  return csvText(
    HEADERS.districts,
    plans.map((d) => [d.leaid, d.name, d.state, d.localeCode]),
  );
}

export function schoolsCsv(plan: DistrictPlan): string {
  return csvText(
    HEADERS.schools,
    plan.schools.map((s) => [s.schoolId, s.ncesId, s.name]),
  );
}

/** Students in SIS-number order, as an export sorted by ID lists them. */
export function sortedStudents(roster: Roster): Student[] {
  return roster.students
    .slice()
    .sort((a, b) => (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0));
}

export function studentsCsv(roster: Roster): string {
  return csvText(
    HEADERS.students,
    sortedStudents(roster).map((s) => [
      s.studentId,
      s.schoolId,
      s.grade,
      s.householdId,
      s.sex,
      s.race,
      s.englishLearner,
      s.disability,
      s.lowIncome,
      s.priorYearAbsenceRate === null ? '' : s.priorYearAbsenceRate.toFixed(4),
    ]),
  );
}

export function contactsCsv(roster: Roster): string {
  return csvText(
    HEADERS.contacts,
    roster.contacts.map((c) => [
      c.contactId,
      c.studentId,
      c.householdId,
      c.relationship,
      c.firstName,
      c.lastName,
      c.phone,
      c.email,
      c.preferredLanguage,
      c.smsConsent,
      c.optOutAt,
      c.optOutChannel,
    ]),
  );
}

/** Every school's calendar, every date from the first to the last school day. */
export function calendarCsv(plan: DistrictPlan, calendar: SchoolCalendar): string {
  const rows: (string | number | boolean)[][] = [];
  for (const school of plan.schools) {
    for (const day of schoolCalendarRows(calendar, school.level === 'elementary')) {
      rows.push([school.schoolId, day.date, day.instructional, day.dayFraction]);
    }
  }
  return csvText(HEADERS.calendar, rows);
}

/** One row per enrollment window; a blank exit_date means enrolled through the last day. */
export function enrollmentCsv(roster: Roster, calendar: SchoolCalendar): string {
  const dateAt = (position: number) => calendar.days[calendar.instructional[position]].date;
  const rows: string[][] = [];
  for (const s of sortedStudents(roster)) {
    for (const w of s.windows)
      rows.push([s.studentId, s.schoolId, dateAt(w.entry), w.exit === null ? '' : dateAt(w.exit)]);
  }
  return csvText(HEADERS.enrollment, rows);
}
