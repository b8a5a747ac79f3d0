import { absenceTerciles } from './absence-terciles.ts';
import type { RosterStudent } from './roster.ts';

/** Variables a study may block on, and the value each gives a student. */
export const BLOCK_VARIABLES = [
  'district',
  'school',
  'grade',
  'grade_band',
  'prior_absence_tercile',
  'english_learner',
  'low_income',
] as const;
export type BlockVariable = (typeof BLOCK_VARIABLES)[number];

/** The value written for a missing baseline value (its own stratum). */
export const MISSING = 'NA';

export type MissingBlockValue = {
  code: 'missing_block_value';
  message: string;
  variable: BlockVariable;
  students: number;
};

/**
 * Grade band of a CEDS grade code: `PK-05` (PK, KG, 01–05), `06-08` or `09-12`; null for any other code.
 * @example gradeBand('KG') // 'PK-05'
 */
export function gradeBand(grade: string): 'PK-05' | '06-08' | '09-12' | null {
  if (grade === 'PK' || grade === 'KG') return 'PK-05';
  if (!/^(0[1-9]|1[0-2])$/.test(grade)) return null;
  const g = Number(grade);
  return g <= 5 ? 'PK-05' : g <= 8 ? '06-08' : '09-12';
}

/** Makes a value safe to join with `|`: `%` becomes `%25` and `|` becomes `%7C` (so keys stay unambiguous). */
export function escapeBlockValue(value: string): string {
  return /[%|]/.test(value) ? value.replace(/%/g, '%25').replace(/\|/g, '%7C') : value;
}

const yesNo = (b: boolean | null): string | null => (b === null || b === undefined ? null : b ? 'Y' : 'N');

/**
 * Each student's block key (DESIGN.md §4 step 2): the values of `blockBy`, in that order, joined with `|`.
 *
 * | variable | value |
 * |---|---|
 * | district | NCES LEAID |
 * | school | `<leaid>:<district school id>` |
 * | grade | CEDS code (PK, KG, 01 … 12) |
 * | grade_band | `PK-05`, `06-08`, `09-12` |
 * | prior_absence_tercile | `T1`, `T2`, `T3` within district (see {@link absenceTerciles}), over the students given |
 * | english_learner, low_income | `Y` / `N` |
 *
 * A missing value is `NA` (a stratum of its own) and is reported as a typed warning. Values are escaped
 * with {@link escapeBlockValue}. An empty `blockBy` puts every unit in the one block `""`.
 *
 * @throws {RangeError} for a variable that is not in {@link BLOCK_VARIABLES}.
 * @example studentBlockKeys([student], ['district', 'grade_band']).keys // ['3600001|06-08']
 */
export function studentBlockKeys(
  students: readonly RosterStudent[],
  blockBy: readonly string[],
): { keys: string[]; warnings: MissingBlockValue[] } {
  for (const v of blockBy) {
    if (!(BLOCK_VARIABLES as readonly string[]).includes(v)) {
      throw new RangeError(`cannot block by "${v}"; choose from ${BLOCK_VARIABLES.join(', ')}`);
    }
  }
  const terciles = blockBy.includes('prior_absence_tercile')
    ? absenceTerciles(
        students.map((s) => s.districtLeaid),
        students.map((s) => s.priorYearAbsenceRate),
      )
    : [];
  const columns = (blockBy as readonly BlockVariable[]).map((variable) => {
    const values = new Array<string>(students.length);
    let missing = 0;
    for (let i = 0; i < students.length; i++) {
      const raw = valueOf(variable, students[i], terciles[i]);
      if (raw === null) missing++;
      values[i] = raw === null ? MISSING : escapeBlockValue(raw);
    }
    return { variable, values, missing };
  });
  const keys = new Array<string>(students.length);
  for (let i = 0; i < students.length; i++) {
    let key = '';
    for (let c = 0; c < columns.length; c++)
      key = c === 0 ? columns[c].values[i] : `${key}|${columns[c].values[i]}`;
    keys[i] = key;
  }
  const warnings: MissingBlockValue[] = columns
    .filter((c) => c.missing > 0)
    .map((c) => ({
      code: 'missing_block_value',
      message: `${c.missing} student(s) have no ${c.variable}; they form their own "${MISSING}" stratum`,
      variable: c.variable,
      students: c.missing,
    }));
  return { keys, warnings };
}

function valueOf(
  variable: BlockVariable,
  s: RosterStudent,
  tercile: 1 | 2 | 3 | null | undefined,
): string | null {
  switch (variable) {
    case 'district':
      return s.districtLeaid;
    case 'school':
      return `${s.districtLeaid}:${s.schoolKey}`;
    case 'grade':
      return s.grade;
    case 'grade_band':
      return gradeBand(s.grade);
    case 'prior_absence_tercile':
      return tercile ? `T${tercile}` : null;
    case 'english_learner':
      return yesNo(s.englishLearner);
    case 'low_income':
      return yesNo(s.lowIncome);
  }
}
