import { rowTails, SIS_CODE_SETS, studentAttendance, type RowTails } from './attendance.ts';
import { sortedStudents } from './district-files.ts';
import { pick, type Rng } from './random.ts';
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

/** A district's calendar (about 180 instructional days), its SIS code vocabulary and its people. */
export function buildDistrict(plan: DistrictPlan, year: number, rng: Rng): DistrictData {
  const calendar = buildDistrictCalendar(year, rng, pick(rng, [175, 178, 180, 180, 180]));
  const tails = rowTails(pick(rng, SIS_CODE_SETS));
  const roster = buildRoster(plan, year, calendar.instructional.length, rng);
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
