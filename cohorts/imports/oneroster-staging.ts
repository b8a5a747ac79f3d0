import type { OneRosterRoster } from './oneroster/types.ts';
import type { StagedValue } from './import-rows/row-reader.ts';

/**
 * Maps a parsed OneRoster roster onto the staging rows of the plain imports, so both roster forms
 * share one merge. Students are keyed by personKey (identifier or state id, else sourcedId),
 * households by the caregiver graph; OneRoster carries no language or consent, so caregivers are staged
 * as English speakers without SMS consent until a contacts.csv says otherwise.
 */
export function oneRosterSchoolRows(r: OneRosterRoster): { line: number; values: StagedValue[] }[] {
  return r.schools.map((s) => ({ line: s.line, values: [s.sourcedId, s.ncesId, s.name] }));
}

export function oneRosterStudentRows(
  r: OneRosterRoster,
  schoolIds: Map<string, number>,
): { line: number; values: StagedValue[] }[] {
  return r.students.map((s) => ({
    line: s.line,
    values: [
      s.personKey,
      s.stateId,
      schoolIds.get(s.schoolSourcedId) ?? null,
      s.grade,
      s.householdKey,
      s.sex,
      s.raceEthnicity,
      null,
      null,
      null,
      null,
    ],
  }));
}

export function oneRosterContactRows(
  r: OneRosterRoster,
  studentIds: Map<string, number>,
): { line: number; values: StagedValue[] }[] {
  const personKeyOf = new Map(r.students.map((s) => [s.sourcedId, s.personKey]));
  const out: { line: number; values: StagedValue[] }[] = [];
  for (const g of r.guardians) {
    for (const sid of g.studentSourcedIds) {
      const id = studentIds.get(personKeyOf.get(sid) ?? '');
      if (id === undefined) continue;
      out.push({
        line: g.line,
        values: [
          g.sourcedId,
          id,
          g.householdKey,
          g.role,
          g.givenName || null,
          g.familyName || null,
          g.phone,
          g.email,
          'en',
          false,
          null,
          null,
        ],
      });
    }
  }
  return out;
}

/** The day before an ISO date (OneRoster end dates are exclusive; Pilot's exit dates inclusive). */
export function dayBefore(isoDate: string): string {
  const t = Date.UTC(
    Number(isoDate.slice(0, 4)),
    Number(isoDate.slice(5, 7)) - 1,
    Number(isoDate.slice(8, 10)),
  );
  return new Date(t - 86_400_000).toISOString().slice(0, 10);
}

/**
 * Enrollment windows from a OneRoster roster's student enrollments (one per class): per student and
 * school, entry = the earliest beginDate, exit = the day before the latest endDate, or open when any
 * class enrollment has no endDate. Enrollments without a beginDate cannot bound a window and are counted.
 */
export function oneRosterEnrollmentRows(
  r: OneRosterRoster,
  studentIds: Map<string, number>,
  schoolIds: Map<string, number>,
): { rows: { line: number; values: StagedValue[] }[]; undated: number } {
  const personKeyOf = new Map<string, string>();
  for (const s of r.students) for (const id of s.sourcedIds) personKeyOf.set(id, s.personKey);
  const windows = new Map<
    string,
    { line: number; student: number; school: number; entry: string; end: string | null }
  >();
  let undated = 0;
  for (const e of r.enrollments) {
    const student = studentIds.get(personKeyOf.get(e.studentSourcedId) ?? '');
    const school = schoolIds.get(e.schoolSourcedId);
    if (student === undefined || school === undefined) continue;
    if (!e.beginDate) {
      undated++;
      continue;
    }
    const key = `${student}|${school}`;
    const w = windows.get(key);
    if (!w) windows.set(key, { line: e.line, student, school, entry: e.beginDate, end: e.endDate });
    else {
      if (e.beginDate < w.entry) w.entry = e.beginDate;
      w.end = w.end === null || e.endDate === null ? null : e.endDate > w.end ? e.endDate : w.end;
    }
  }
  const rows = [...windows.values()].map((w) => ({
    line: w.line,
    values: [w.student, w.school, w.entry, w.end === null ? null : dayBefore(w.end)] as StagedValue[],
  }));
  return { rows, undated };
}
