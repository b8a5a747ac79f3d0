import {
  balanceTable,
  type BalanceRow,
  type CovariateColumn,
  type WwcBand,
} from '../analysis/balance-table.ts';
import type { RosterStudent } from './roster.ts';

/**
 * Baseline balance of an assignment (issue 3): standardized mean differences
 * (x̄_T − x̄_C) / √((s_T² + s_C²)/2) of every baseline covariate, each non-control arm against the
 * control arm, over all students and within each district, banded as the What Works Clearinghouse
 * does (|SMD| ≤ .05 satisfies, .05–.25 requires adjustment, > .25 fails; WWC Handbook v4.1). The SMD
 * and the bands are `analysis/balance-table.ts`; this file chooses the covariates and the comparisons.
 *
 * Covariates: prior-year absence rate; grade as a number (PK = −1, KG = 0, 01–12 = 1–12); sex and
 * race/ethnicity as one indicator per level; English learner, disability and low income as 0/1.
 * Missing values are left out of that covariate's row and counted per arm. Students take their unit's
 * arm, so with household or school units the SMDs are over students, not units.
 */
export interface BalanceComparison {
  arm: string;
  control: string;
  overall: BalanceRow[];
  byDistrict: { districtLeaid: string; rows: BalanceRow[] }[];
}

export interface BalanceSummary {
  arm: string;
  control: string;
  /** rows per WWC band (overall table); `undefined` = no SMD (too few units or no variance) */
  bands: Record<WwcBand | 'undefined', number>;
  /** the largest |SMD| of the overall table and its covariate (level) */
  worst: { covariate: string; level: string | null; smd: number } | null;
}

export type BalanceStudent = Pick<
  RosterStudent,
  | 'districtLeaid'
  | 'grade'
  | 'sex'
  | 'raceEthnicity'
  | 'englishLearner'
  | 'disability'
  | 'lowIncome'
  | 'priorYearAbsenceRate'
> & { arm: string };

export const BALANCE_COVARIATES = [
  'prior_year_absence_rate',
  'grade',
  'sex',
  'race_ethnicity',
  'english_learner',
  'disability',
  'low_income',
] as const;

/**
 * Balance tables of every arm against the control arm.
 * @param arms arm names in declared order
 * @param control the comparison arm: `control` when an arm has that name, else the first arm
 * @throws {RangeError} when a student's arm is not one of `arms`
 * @example assignmentBalance(students, ['control', 'treatment'])[0].overall[0].covariate // 'prior_year_absence_rate'
 */
export function assignmentBalance(
  students: readonly BalanceStudent[],
  arms: readonly string[],
  control: string = arms.includes('control') ? 'control' : arms[0],
): BalanceComparison[] {
  for (const s of students) if (!arms.includes(s.arm)) throw new RangeError(`unknown arm ${s.arm}`);
  const byDistrict = new Map<string, BalanceStudent[]>();
  for (const s of students) {
    const list = byDistrict.get(s.districtLeaid);
    if (list) list.push(s);
    else byDistrict.set(s.districtLeaid, [s]);
  }
  const districts = [...byDistrict.keys()].sort();
  const inPair = (arm: string) => (s: BalanceStudent) => s.arm === arm || s.arm === control;
  return arms
    .filter((a) => a !== control)
    .map((arm) => ({
      arm,
      control,
      overall: table(students.filter(inPair(arm)), arm),
      byDistrict: districts.map((d) => ({
        districtLeaid: d,
        rows: table(byDistrict.get(d)!.filter(inPair(arm)), arm),
      })),
    }));
}

/** Counts of the overall table's rows per WWC band, and its worst covariate. */
export function summarizeBalance(comparisons: readonly BalanceComparison[]): BalanceSummary[] {
  return comparisons.map((c) => {
    const bands = { satisfies: 0, requires_adjustment: 0, fails: 0, undefined: 0 };
    let worst: BalanceSummary['worst'] = null;
    for (const r of c.overall) {
      if (r.smd.kind !== 'ok') {
        bands.undefined++;
        continue;
      }
      bands[r.smd.band]++;
      if (!worst || Math.abs(r.smd.smd) > Math.abs(worst.smd))
        worst = { covariate: r.covariate, level: r.level, smd: r.smd.smd };
    }
    return { arm: c.arm, control: c.control, bands, worst };
  });
}

/** Grade as a number: PK = −1, KG = 0, 01–12 = 1–12 (NaN otherwise). */
export function gradeNumber(grade: string): number {
  if (grade === 'PK') return -1;
  if (grade === 'KG') return 0;
  return /^(0[1-9]|1[0-2])$/.test(grade) ? Number(grade) : NaN;
}

const flag = (b: boolean | null) => (b === null || b === undefined ? NaN : b ? 1 : 0);

function table(students: readonly BalanceStudent[], arm: string): BalanceRow[] {
  const treatment = students.map((s) => (s.arm === arm ? 1 : 0));
  const columns: CovariateColumn[] = [
    {
      name: 'prior_year_absence_rate',
      kind: 'numeric',
      values: students.map((s) => s.priorYearAbsenceRate ?? NaN),
    },
    { name: 'grade', kind: 'numeric', values: students.map((s) => gradeNumber(s.grade)) },
    { name: 'sex', kind: 'categorical', values: students.map((s) => s.sex) },
    { name: 'race_ethnicity', kind: 'categorical', values: students.map((s) => s.raceEthnicity) },
    { name: 'english_learner', kind: 'numeric', values: students.map((s) => flag(s.englishLearner)) },
    { name: 'disability', kind: 'numeric', values: students.map((s) => flag(s.disability)) },
    { name: 'low_income', kind: 'numeric', values: students.map((s) => flag(s.lowIncome)) },
  ];
  return balanceTable(treatment, columns);
}
