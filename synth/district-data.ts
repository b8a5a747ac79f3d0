import { rowTails, SIS_CODE_SETS, studentAttendance, type RowTails } from './attendance.ts';
import { sortedStudents } from './district-files.ts';
import { pick, type Rng } from './random.ts';
import { STATES, stateByAbbr } from './geography.ts';
import { assignPhones } from './phone-book.ts';
import { buildRoster } from './roster.ts';
import { buildDistrictCalendar } from './school-calendar.ts';
import type { DistrictPlan, Roster, SchoolCalendar, StudentAttendance } from './types.ts';

/** Everything about one district except its attendance, which is streamed. */
export interface DistrictData {
  plan: DistrictPlan;
  calendar: SchoolCalendar;
  roster: Roster;
  tails: RowTails;
}

const ALL_AREA_CODES = [...new Set(STATES.flatMap((s) => s.areaCodes))].sort((a, b) => a - b);

/**
 * A district's calendar (about 180 instructional days), its SIS code vocabulary and its people.
 * `phoneRng` (a stream of its own) gives the families their phone numbers and SMS consent.
 */
export function buildDistrict(plan: DistrictPlan, year: number, rng: Rng, phoneRng: Rng = rng): DistrictData {
  const calendar = buildDistrictCalendar(year, rng, pick(rng, [175, 178, 180, 180, 180]));
  const tails = rowTails(pick(rng, SIS_CODE_SETS));
  const roster = assignPhones(
    buildRoster(plan, year, calendar.instructional.length, rng),
    stateByAbbr(plan.state).areaCodes,
    ALL_AREA_CODES,
    phoneRng,
  );
  return { plan, calendar, roster, tails };
}

/**
 * The district's daily attendance, one student at a time in SIS-number order, so a caller can
 * write millions of rows with memory bounded by one district's roster.
 */
export function* districtAttendance(
  district: DistrictData,
  exceptionsOnly: boolean,
  rng: Rng,
): Generator<StudentAttendance> {
  for (const student of sortedStudents(district.roster)) {
    yield studentAttendance(student, district.calendar, district.tails, exceptionsOnly, rng);
  }
}

/** Chronic absence as Pilot defines it: ≥ 10 enrolled days and absence days / enrolled days ≥ 0.10. */
export function isChronicallyAbsent(
  enrolledDays: number,
  absenceDays: number,
  threshold = 0.1,
  minimumDays = 10,
): boolean | null {
  if (enrolledDays < minimumDays) return null;
  return absenceDays / enrolledDays >= threshold;
}
