/**
 * The descriptive sections of a report: CONSORT flow, baseline balance, attrition with the
 * sample-ratio check, disaggregation with small-cell suppression, attendance by month and arm and the
 * monthly dynamic ITT. Pure.
 */
import { OUTCOMES, planContrasts, type ArmContrast } from '../analysis/analysis-plan.ts';
import { analysisTable } from '../analysis/analysis-table.ts';
import { attrition } from '../analysis/attrition.ts';
import { balanceTable, type CovariateColumn } from '../analysis/balance-table.ts';
import { outcomeValue, type OutcomeTotals } from '../analysis/outcome-definitions.ts';
import { sampleRatioCheck } from '../analysis/sample-ratio.ts';
import {
  numberColumn,
  withColumns,
  type EncodedColumn,
  type EncodedTable,
} from '../analysis/encoded-table.ts';
import { effectTerm, encodedCells, estimateOnTable } from '../analysis/table-estimate.ts';
import { gradeBand } from '../assignment/block-keys.ts';
import { contrastName } from './estimates-section.ts';
import { pooledTable } from './fit-cache.ts';
import { daysAt, forEachMonthRow, monthDays } from './month-rows.ts';
import type { ReportInputs, ReportStudent } from './report-inputs.ts';
import { showCountGroup, showPercent } from './suppression.ts';

const yesNo = (b: boolean | null) => (b === null ? 'unknown' : b ? 'yes' : 'no');

/** Subgroup dimensions of the disaggregation table, with each student's level. */
export const DIMENSIONS: { name: string; level: (s: ReportStudent) => string }[] = [
  { name: 'district', level: (s) => s.districtLeaid },
  { name: 'grade_band', level: (s) => gradeBand(s.grade) ?? 'unknown' },
  { name: 'english_learner', level: (s) => yesNo(s.englishLearner) },
  { name: 'low_income', level: (s) => yesNo(s.lowIncome) },
  { name: 'disability', level: (s) => yesNo(s.disability) },
  { name: 'race_ethnicity', level: (s) => s.raceEthnicity ?? 'unknown' },
];

/** Whether the student's primary outcome is defined (a student holds their window's totals). */
function analyzed(inputs: ReportInputs, s: ReportStudent): boolean {
  return outcomeValue(inputs.plan.outcomes.primary[0], s, inputs.plan.chronic_absence) !== null;
}

export function flowSection(inputs: ReportInputs) {
  // one pass over the students: randomized, enrolled and analyzed per arm name
  const counts = new Map(
    inputs.study.arms.map(({ name }) => [name, { randomized: 0, enrolled: 0, analyzed: 0 }]),
  );
  for (const s of inputs.students) {
    const c = counts.get(s.arm);
    if (!c) continue;
    c.randomized++;
    if (s.enrolledDays > 0) c.enrolled++;
    if (analyzed(inputs, s)) c.analyzed++;
  }
  return inputs.study.arms.map(({ name }) => ({ arm: name, ...counts.get(name)! }));
}

export function attritionSection(inputs: ReportInputs, flow: ReturnType<typeof flowSection>) {
  const arms = inputs.study.arms;
  const byArm = new Map(flow.map((f) => [f.arm, f]));
  const contrasts = planContrasts(
    inputs.plan,
    arms.map((a) => a.name),
  ).map((c) => {
    const t = byArm.get(c.treatment)!;
    const k = byArm.get(c.control)!;
    if (t.randomized === 0 || k.randomized === 0)
      return { contrast: contrastName(c), note: 'an arm has no students' };
    const a = attrition({
      randomizedTreatment: t.randomized,
      analyzedTreatment: t.analyzed,
      randomizedControl: k.randomized,
      analyzedControl: k.analyzed,
    });
    return {
      contrast: contrastName(c),
      overall: a.overall,
      treatment: a.treatment,
      control: a.control,
      differential: a.differential,
      wwc_cautious: a.wwc.cautious.rating,
      wwc_optimistic: a.wwc.optimistic.rating,
    };
  });
  const analyzedCounts = arms.map((a) => byArm.get(a.name)!.analyzed);
  const srm =
    analyzedCounts.reduce((s, n) => s + n, 0) > 0
      ? sampleRatioCheck(
          analyzedCounts,
          arms.map((a) => Number(a.probability)),
        )
      : null;
  return {
    contrasts,
    sample_ratio: srm && {
      observed: srm.observed,
      expected: srm.expected,
      chi_square: srm.chiSquare,
      df: srm.df,
      p_value: srm.pValue,
      threshold: srm.threshold,
      flagged: srm.flagged,
    },
  };
}

export function balanceSection(inputs: ReportInputs) {
  const rows = [];
  for (const c of planContrasts(
    inputs.plan,
    inputs.study.arms.map((a) => a.name),
  )) {
    const sample = inputs.students.filter(
      (s) => (s.arm === c.treatment || s.arm === c.control) && analyzed(inputs, s),
    );
    const covariates: CovariateColumn[] = [
      {
        name: 'prior_year_absence_rate',
        kind: 'numeric',
        values: sample.map((s) => s.priorYearAbsenceRate ?? NaN),
      },
      ...(inputs.plan.baseline_window
        ? [
            {
              name: 'baseline_absence_rate',
              kind: 'numeric' as const,
              values: sample.map((s) => s.baselineAbsenceRate ?? NaN),
            },
          ]
        : []),
      ...DIMENSIONS.filter((d) => d.name !== 'district').map((d) => ({
        name: d.name,
        kind: 'categorical' as const,
        values: sample.map((s) => d.level(s)),
      })),
      { name: 'sex', kind: 'categorical', values: sample.map((s) => s.sex ?? 'unknown') },
    ];
    for (const b of balanceTable(
      sample.map((s) => (s.arm === c.treatment ? 1 : 0)),
      covariates,
    )) {
      rows.push({
        contrast: contrastName(c),
        covariate: b.covariate,
        level: b.level,
        mean_treatment: finite(b.meanTreatment),
        mean_control: finite(b.meanControl),
        smd: b.smd.kind === 'ok' ? b.smd.smd : null,
        wwc_band: b.smd.kind === 'ok' ? b.smd.band : null,
      });
    }
  }
  return rows;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** A group's students and the sums of its defined outcomes, added in the students' order. */
interface GroupSums {
  students: number;
  rateSum: number;
  rateCount: number;
  chronicSum: number;
  chronicCount: number;
}

/** Arm × dimension level: students, attendance rate and chronic-absence share, suppressed. */
export function disaggregationSection(inputs: ReportInputs, students: readonly ReportStudent[]) {
  const rule = inputs.plan.chronic_absence;
  // one pass over the students: per dimension, per arm, per level (the means add in student order)
  const groups = DIMENSIONS.map(() => new Map<string, Map<string, GroupSums>>());
  const wanted = new Set(inputs.study.arms.map((a) => a.name));
  for (const s of students) {
    if (s.enrolledDays <= 0 || !wanted.has(s.arm)) continue;
    const rate = outcomeValue('attendance_rate', s, rule);
    const chronic = outcomeValue('chronically_absent', s, rule);
    for (let d = 0; d < DIMENSIONS.length; d++) {
      let byLevel = groups[d].get(s.arm);
      if (!byLevel) groups[d].set(s.arm, (byLevel = new Map()));
      const level = DIMENSIONS[d].level(s);
      let g = byLevel.get(level);
      if (!g) {
        g = { students: 0, rateSum: 0, rateCount: 0, chronicSum: 0, chronicCount: 0 };
        byLevel.set(level, g);
      }
      g.students++;
      if (rate !== null) {
        g.rateSum += rate;
        g.rateCount++;
      }
      if (chronic !== null) {
        g.chronicSum += chronic;
        g.chronicCount++;
      }
    }
  }
  const rows = [];
  for (const { name: arm } of inputs.study.arms) {
    for (let d = 0; d < DIMENSIONS.length; d++) {
      const byLevel = groups[d].get(arm) ?? new Map<string, GroupSums>();
      const levels = [...byLevel.keys()].sort();
      const counts = showCountGroup(levels.map((l) => byLevel.get(l)!.students));
      levels.forEach((level, k) => {
        const g = byLevel.get(level)!;
        const rate = g.rateCount ? g.rateSum / g.rateCount : null;
        const chronic = g.chronicCount ? g.chronicSum / g.chronicCount : null;
        const masked = counts.cells[k].suppressed !== null;
        rows.push({
          arm,
          dimension: DIMENSIONS[d].name,
          level,
          students: counts.cells[k].text,
          attendance_rate: masked ? '—' : showPercent(rate, g.students).text,
          chronic_absence_share: masked ? '—' : showPercent(chronic, g.chronicCount).text,
        });
      });
      rows.push({
        arm,
        dimension: DIMENSIONS[d].name,
        level: 'all',
        students: counts.total.text,
        attendance_rate: '',
        chronic_absence_share: '',
      });
    }
  }
  return rows;
}

/** Mean attendance rate of enrolled students by month and arm. */
export function attendanceByMonth(inputs: ReportInputs) {
  const rows = [];
  const rule = inputs.plan.chronic_absence;
  const p = monthDays(inputs);
  const arms = inputs.study.arms.map((a) => a.name);
  // each student's arm as the index of its first arm of that name (−1 outside the study's arms)
  const armAt = new Map<string, number>();
  arms.forEach((a, k) => armAt.has(a) || armAt.set(a, k));
  const armOf = Int32Array.from(inputs.students, (s) => armAt.get(s.arm) ?? -1);
  const sums = new Float64Array(arms.length);
  const counts = new Int32Array(arms.length);
  const days: OutcomeTotals = { enrolledDays: 0, absenceDays: 0, chronicDays: 0 };
  for (let m = 0; m < p.months.length; m++) {
    const base = m * p.students;
    sums.fill(0);
    counts.fill(0);
    // each arm's mean adds its students' rates in their order
    for (let i = 0; i < p.students; i++) {
      const a = armOf[i];
      if (a < 0 || !p.present[base + i]) continue;
      const v = outcomeValue('attendance_rate', daysAt(p, base + i, days), rule);
      if (v === null) continue;
      sums[a] += v;
      counts[a]++;
    }
    for (const arm of arms) {
      const a = armAt.get(arm)!;
      const students = counts[a];
      rows.push({ month: p.months[m], arm, students, attendance_rate: students ? sums[a] / students : null });
    }
  }
  return rows;
}

/**
 * Monthly dynamic ITT: for each month of the window, the planned estimator on the month's attendance
 * rate (students enrolled that month), per arm contrast.
 */
export function monthlyItt(inputs: ReportInputs) {
  const rows: ReturnType<typeof monthRow>[] = [];
  const months = monthDays(inputs).months;
  for (const c of planContrasts(
    inputs.plan,
    inputs.study.arms.map((a) => a.name),
  )) {
    months.forEach((month, e) => {
      rows.push(monthRow(inputs, c, monthEncoded(inputs, c, month), month, e));
    });
  }
  return rows;
}

/** The students with a month's enrolled days and absences in place of the window's. */
function monthStudents(inputs: ReportInputs, month: string): ReportStudent[] {
  const p = monthDays(inputs);
  const m = p.index.get(month);
  return inputs.students.map((s, i) => ({
    ...s,
    ...daysAt(p, m === undefined ? -1 : m * p.students + i, {
      enrolledDays: 0,
      absenceDays: 0,
      chronicDays: 0,
    }),
  }));
}

const MONTH_COLUMNS = ['enrolled_days', ...OUTCOMES] as const;

/**
 * The analysis table of a month: `analysisTable` of the students with that month's days, which has the
 * window's table's rows (the same students in the same order; which rows a table keeps and every
 * design column do not depend on the days) with the month's enrolled days and outcomes. Made from the
 * shared window table (fit-cache.ts) by replacing those columns, formatted as analysisTable formats
 * them; if the rows cannot be matched to the students, analysisTable itself is used.
 */
export function monthTable(inputs: ReportInputs, c: ArmContrast, month: string): string[][] {
  const window = pooledTable(inputs, c).cells;
  const header = window[0];
  const columns = MONTH_COLUMNS.map((name) => header.indexOf(name));
  const rule = inputs.plan.chronic_absence;
  const out: string[][] = [header];
  const matched = forEachMonthRow(inputs, c, month, (r, _i, t) => {
    const row = window[r + 1].slice();
    row[columns[0]] = String(t.enrolledDays);
    for (let k = 0; k < OUTCOMES.length; k++) {
      const v = outcomeValue(OUTCOMES[k], t, rule);
      row[columns[k + 1]] = v === null || !Number.isFinite(v) ? 'NA' : String(v);
    }
    out.push(row);
  });
  return matched ? out : analysisTable(monthStudents(inputs, month), inputs.plan, c).cells;
}

/**
 * `monthTable` as read by the estimators (encoded-table.ts) without its cells: the window table's
 * encoding with the month's columns replaced by their numbers (as the cells would hold them), the
 * cells made only if a reader needs them; analysisTable's cells when the rows cannot be matched.
 */
export function monthEncoded(inputs: ReportInputs, c: ArmContrast, month: string): EncodedTable {
  const window = pooledTable(inputs, c).encoded;
  const rule = inputs.plan.chronic_absence;
  // NaN where an outcome is undefined (numberColumn reads it as NA, as it reads null)
  const values = MONTH_COLUMNS.map(() => new Float64Array(window.rows));
  const matched = forEachMonthRow(inputs, c, month, (r, _i, t) => {
    values[0][r] = t.enrolledDays;
    for (let k = 0; k < OUTCOMES.length; k++) values[k + 1][r] = outcomeValue(OUTCOMES[k], t, rule) ?? NaN;
  });
  if (!matched) return encodedCells(analysisTable(monthStudents(inputs, month), inputs.plan, c).cells);
  const replaced = new Map<string, EncodedColumn>(
    MONTH_COLUMNS.map((name, k) => [name, numberColumn(values[k])]),
  );
  return withColumns(window, replaced, () => monthTable(inputs, c, month));
}

function monthRow(inputs: ReportInputs, c: ArmContrast, table: EncodedTable, month: string, e: number) {
  const fit = estimateOnTable(table, 'attendance_rate', inputs.plan);
  const base = {
    estimator: 'monthly_itt',
    contrast: contrastName(c),
    outcome: 'attendance_rate',
    month,
    event_time: e,
    uniform_low: null,
    uniform_high: null,
  };
  if (!fit.ok)
    return {
      ...base,
      estimate: null,
      std_error: null,
      conf_low: null,
      conf_high: null,
      n: 0,
      note: fit.reason,
    };
  const t = effectTerm(fit.result);
  return {
    ...base,
    estimate: t.estimate,
    std_error: t.stdError,
    conf_low: t.confLow,
    conf_high: t.confHigh,
    n: fit.result.n,
    note: null,
  };
}
