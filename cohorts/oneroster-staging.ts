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
