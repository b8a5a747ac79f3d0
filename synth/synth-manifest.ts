import { GENERATOR_VERSION } from './synth-params.ts';
import type { DistrictPlan, RosterFormat, SynthParams } from './types.ts';

/** What one district's folder holds. */
export interface DistrictSummary {
  leaid: string;
  name: string;
  state: string;
  localeCode: number;
  format: RosterFormat;
  files: string[];
  schools: number;
  students: number;
  households: number;
  contacts: number;
  calendarRows: number;
  instructionalDays: number;
  enrollmentRows: number;
  attendanceRows: number;
  /** Students enrolled ≥ 10 days, and how many of them were chronically absent. */
  eligibleStudents: number;
  chronicallyAbsent: number;
}

export interface SynthManifest {
  generator: string;
  parameters: SynthParams;
  counts: {
    districts: number;
    schools: number;
    students: number;
    households: number;
    contacts: number;
    calendarRows: number;
    enrollmentRows: number;
    attendanceRows: number;
    chronicAbsenceShare: number;
  };
  notes: string[];
  districts: DistrictSummary[];
}

const NOTES = [
  'All people, places and numbers are invented: phone numbers are in the fictional 555-0100..0199 block, e-mail addresses at example.org.',
  'Chronic absence: enrolled >= 10 instructional days and absence days / enrolled days >= 0.10; absence days sum absent_fraction.',
  "A blank exit_date means enrolled through the last school day. contacts.csv has one row per caregiver, listed under the household's oldest child.",
  'OneRoster districts: school sourcedIds equal the local school_id used in calendar.csv and enrollment.csv; students carry their SIS number (the student_id of the attendance files) in identifier.',
  'race_ethnicity uses the EDFacts RACE7 codes AM7, AS7, BL7, HI7, PI7, WH7, MU7.',
];

function sum(summaries: readonly DistrictSummary[], key: keyof DistrictSummary): number {
  return summaries.reduce((total, s) => total + (s[key] as number), 0);
}

/** manifest.json: parameters, generator version and counts; no timestamps, so a rerun is byte-identical. */
export function buildManifest(
  params: SynthParams,
  plans: readonly DistrictPlan[],
  summaries: readonly DistrictSummary[],
): SynthManifest {
  const eligible = sum(summaries, 'eligibleStudents');
  return {
    generator: GENERATOR_VERSION,
    parameters: params,
    counts: {
      districts: plans.length,
      schools: sum(summaries, 'schools'),
      students: sum(summaries, 'students'),
      households: sum(summaries, 'households'),
      contacts: sum(summaries, 'contacts'),
      calendarRows: sum(summaries, 'calendarRows'),
      enrollmentRows: sum(summaries, 'enrollmentRows'),
      attendanceRows: sum(summaries, 'attendanceRows'),
      chronicAbsenceShare:
        eligible === 0 ? 0 : Math.round((sum(summaries, 'chronicallyAbsent') / eligible) * 10_000) / 10_000,
    },
    notes: NOTES,
    districts: [...summaries],
  };
}
