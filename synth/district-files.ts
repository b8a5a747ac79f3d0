import { FORMATS } from '../cohorts/imports/import-formats.ts';
import { parseCsvText } from '../csv/csv-reader.ts';
import { csvText } from '../csv/csv-writer.ts';
import { schoolCalendarRows } from './school-calendar.ts';
import type { DistrictPlan, Roster, SchoolCalendar, Student } from './types.ts';

/** Headers of the plain import formats, as the importer defines them (synth leaves out state_id). */
export const HEADERS = {
  districts: ['nces_leaid', 'name', 'state', 'locale_code'],
  schools: FORMATS.schools.columns,
  students: FORMATS.students.columns.filter((c) => c !== 'state_id'),
  contacts: FORMATS.contacts.columns,
  calendar: FORMATS.calendar.columns,
  enrollment: FORMATS.enrollment.columns,
  attendance: FORMATS.attendanceDaily.columns.slice(0, 6),
} as const;

export function districtsCsv(plans: readonly DistrictPlan[]): string {
  return csvText(
    HEADERS.districts,
    plans.map((d) => [d.leaid, d.name, d.state, d.localeCode]),
  );
}

/** A districts.csv as written above, read back (names may be quoted and hold commas). */
export function readDistrictsCsv(
  text: string,
): { leaid: string; name: string; state: string; locale: number }[] {
  const [header, ...rows] = parseCsvText(text).records.map((r) => r.fields);
  const at = (name: string) => header.indexOf(name);
  const [leaid, name, state, locale] = HEADERS.districts.map(at);
  return rows.map((r) => ({ leaid: r[leaid], name: r[name], state: r[state], locale: Number(r[locale]) }));
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
