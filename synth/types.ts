/** The shapes the synthetic-study generator passes between its pure steps. */

/** CEDS entry grade levels Pilot accepts (the importer's list). */
import { STUDENT_GRADES, type StudentGrade } from '../cohorts/imports/normalize/grade.ts';

export const GRADES = STUDENT_GRADES;
export type Grade = StudentGrade;

/** EDFacts seven-category race/ethnicity codes (RACE7), the codes state SIS extracts carry. */
export const RACE_CODES = ['AM7', 'AS7', 'BL7', 'HI7', 'PI7', 'WH7', 'MU7'] as const;
export type RaceCode = (typeof RACE_CODES)[number];

export type RosterFormat = 'plain' | 'oneroster';

export interface SynthParams {
  districts: number;
  students: number;
  seed: string;
  /** The calendar year the school year starts in (2025 → school year 2025–26). */
  year: number;
  /** How many districts (the first ones) deliver a OneRoster zip instead of plain roster files. */
  oneroster: number;
  /** Attendance rows only for days that are not plain `present`. */
  exceptions: boolean;
}

export interface SchoolPlan {
  schoolId: string;
  ncesId: string;
  name: string;
  /** Index into GRADES of the lowest and highest grade taught. */
  lowGrade: number;
  highGrade: number;
  /** Elementary schools split a district's households into attendance zones. */
  level: 'elementary' | 'middle' | 'high' | 'secondary' | 'k12';
}

export interface DistrictPlan {
  index: number;
  leaid: string;
  name: string;
  state: string;
  localeCode: number;
  studentCount: number;
  format: RosterFormat;
  offersPk: boolean;
  /** Logit shift of this district's absence propensity. */
  absenceShift: number;
  schools: SchoolPlan[];
}

export interface CalendarDay {
  date: string;
  instructional: boolean;
  dayFraction: number;
  /** Relative absence risk of the day (season, day of week); 1 on non-instructional days. */
  absenceFactor: number;
}

export interface SchoolCalendar {
  /** Every date from the first to the last school day, weekends and holidays included. */
  days: CalendarDay[];
  /** Indexes into `days` of the instructional days, in date order. */
  instructional: number[];
}

export interface EnrollmentWindow {
  /** Positions in the instructional-day list (inclusive); exit null = enrolled through the last day. */
  entry: number;
  exit: number | null;
}

export interface Student {
  studentId: string;
  sourcedId: string;
  schoolId: string;
  grade: Grade;
  householdId: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  sex: 'F' | 'M';
  race: RaceCode;
  englishLearner: boolean;
  disability: boolean;
  lowIncome: boolean;
  priorYearAbsenceRate: number | null;
  /** Baseline daily probability of missing school. */
  absenceProbability: number;
  tardyProbability: number;
  /** Share of this student's absences that the school records as unexcused. */
  unexcusedShare: number;
  suspensionProbability: number;
  windows: EnrollmentWindow[];
}

export type Relationship = 'parent' | 'guardian' | 'relative';

export interface Contact {
  contactId: string;
  sourcedId: string;
  householdId: string;
  /** The child the SIS lists this contact under (the household's oldest enrolled child). */
  studentId: string;
  relationship: Relationship;
  firstName: string;
  lastName: string;
  phone: string;
  email: string;
  /** As the SIS holds it: mostly ISO 639-1, sometimes drifted ('SP', 'Spanish', 'spa'). */
  preferredLanguage: string;
  smsConsent: boolean;
  optOutAt: string;
  optOutChannel: string;
}

export interface Household {
  householdId: string;
  studentIds: string[];
  contactIds: string[];
  /** Which side of the OneRoster link lists the other: the student rows, the guardian rows, or both. */
  agentSide: 'student' | 'guardian' | 'both';
}

export interface Roster {
  students: Student[];
  households: Household[];
  contacts: Contact[];
}

/** One student's generated attendance: CSV text plus the totals the manifest reports. */
export interface StudentAttendance {
  csv: string;
  rows: number;
  enrolledDays: number;
  absenceDays: number;
}
