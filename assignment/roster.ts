/**
 * One student as the randomization sees them: identifiers that make the unit keys, and the baseline
 * values that make block keys and the balance table. Loaded by the store, never read from files here.
 */
export interface RosterStudent {
  /** Database id; carried through to the stored assignment, never hashed. */
  studentId: number;
  districtLeaid: string;
  sisId: string;
  /** The district's own school id. */
  schoolKey: string;
  /** 12-digit NCES school id, needed only when the school is the unit. */
  schoolNcesId: string | null;
  /** The district's own household id. */
  householdKey: string;
  /** CEDS grade code: PK, KG, 01 … 12. */
  grade: string;
  sex: string | null;
  raceEthnicity: string | null;
  englishLearner: boolean | null;
  disability: boolean | null;
  lowIncome: boolean | null;
  priorYearAbsenceRate: number | null;
}

export type UnitType = 'student' | 'household' | 'school';

/** `student:<district leaid>:<sis id>`, the key of a student (and of their unit when students are randomized). */
export function studentKey(s: Pick<RosterStudent, 'districtLeaid' | 'sisId'>): string {
  return `student:${s.districtLeaid}:${s.sisId}`;
}

/**
 * The key of the unit a student belongs to (DESIGN.md §4 step 1): `student:<leaid>:<sis id>`,
 * `household:<leaid>:<household id>` or `school:<nces id>`; null when a school has no NCES id.
 */
export function unitKeyOf(s: RosterStudent, unit: UnitType): string | null {
  switch (unit) {
    case 'student':
      return studentKey(s);
    case 'household':
      return `household:${s.districtLeaid}:${s.householdKey}`;
    case 'school':
      return s.schoolNcesId ? `school:${s.schoolNcesId}` : null;
    default:
      throw new RangeError(`unknown unit type ${String(unit)}`);
  }
}
