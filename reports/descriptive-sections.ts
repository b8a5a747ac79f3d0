/**
 * The descriptive sections of a report: CONSORT flow, baseline balance, attrition with the
 * sample-ratio check, disaggregation with small-cell suppression, attendance by month and arm and the
 * monthly dynamic ITT. Pure.
 */
import { OUTCOMES, planContrasts, type ArmContrast } from '../analysis/analysis-plan.ts';
import { analysisTable } from '../analysis/analysis-table.ts';
import { attrition } from '../analysis/attrition.ts';
import { balanceTable, type CovariateColumn } from '../analysis/balance-table.ts';
import { outcomeValue } from '../analysis/outcome-definitions.ts';
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

const totals = (s: { enrolledDays: number; absenceDays: number; chronicDays: number }) => ({
  enrolledDays: s.enrolledDays,
  absenceDays: s.absenceDays,
  chronicDays: s.chronicDays,
});

function analyzed(inputs: ReportInputs, s: ReportStudent): boolean {
  return outcomeValue(inputs.plan.outcomes.primary[0], totals(s), inputs.plan.chronic_absence) !== null;
}

export function flowSection(inputs: ReportInputs) {
  return inputs.study.arms.map(({ name }) => {
    const members = inputs.students.filter((s) => s.arm === name);
    return {
      arm: name,
      randomized: members.length,
      enrolled: members.filter((s) => s.enrolledDays > 0).length,
      analyzed: members.filter((s) => analyzed(inputs, s)).length,
    };
  });
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

/** Arm × dimension level: students, attendance rate and chronic-absence share, suppressed. */
export function disaggregationSection(inputs: ReportInputs, students: readonly ReportStudent[]) {
  const rule = inputs.plan.chronic_absence;
  const rows = [];
  for (const { name: arm } of inputs.study.arms) {
    for (const d of DIMENSIONS) {
      const byLevel = new Map<string, ReportStudent[]>();
      for (const s of students) {
        if (s.arm !== arm || s.enrolledDays <= 0) continue;
        const level = d.level(s);
        const list = byLevel.get(level) ?? [];
        list.push(s);
        byLevel.set(level, list);
      }
      const levels = [...byLevel.keys()].sort();
      const counts = showCountGroup(levels.map((l) => byLevel.get(l)!.length));
      levels.forEach((level, k) => {
        const group = byLevel.get(level)!;
        const rate = mean(group.map((s) => outcomeValue('attendance_rate', totals(s), rule)));
        const chronic = group
          .map((s) => outcomeValue('chronically_absent', totals(s), rule))
          .filter((v): v is number => v !== null);
        const masked = counts.cells[k].suppressed !== null;
        rows.push({
          arm,
          dimension: d.name,
          level,
          students: counts.cells[k].text,
          attendance_rate: masked ? '—' : showPercent(rate, group.length).text,
          chronic_absence_share: masked ? '—' : showPercent(mean(chronic), chronic.length).text,
        });
      });
      rows.push({
        arm,
        dimension: d.name,
        level: 'all',
        students: counts.total.text,
        attendance_rate: '',
        chronic_absence_share: '',
      });
    }
  }
  return rows;
}

function mean(values: readonly (number | null)[]): number | null {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    s += v;
    n++;
  }
  return n ? s / n : null;
}

function monthsOf(inputs: ReportInputs): string[] {
  const set = new Set<string>();
  for (const list of inputs.months) for (const m of list) set.add(m.month);
  return [...set].sort();
}

/** Mean attendance rate of enrolled students by month and arm. */
export function attendanceByMonth(inputs: ReportInputs) {
  const rows = [];
  const rule = inputs.plan.chronic_absence;
  for (const month of monthsOf(inputs)) {
    for (const { name: arm } of inputs.study.arms) {
      const values: number[] = [];
      inputs.students.forEach((s, i) => {
        if (s.arm !== arm) return;
        const m = inputs.months[i].find((x) => x.month === month);
        const v = m ? outcomeValue('attendance_rate', m, rule) : null;
        if (v !== null) values.push(v);
      });
      rows.push({ month, arm, students: values.length, attendance_rate: mean(values) });
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
  const months = monthsOf(inputs);
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
  return inputs.students.map((s, i) => {
    const m = inputs.months[i].find((x) => x.month === month);
    return {
      ...s,
      enrolledDays: m?.enrolledDays ?? 0,
      absenceDays: m?.absenceDays ?? 0,
      chronicDays: m?.chronicDays ?? 0,
    };
  });
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
  const block = header.indexOf('block');
  const arm = header.indexOf('arm');
  const columns = MONTH_COLUMNS.map((name) => header.indexOf(name));
  const rule = inputs.plan.chronic_absence;
  const out: string[][] = [header];
  let r = 1;
  for (let i = 0; i < inputs.students.length && r <= window.length; i++) {
    const s = inputs.students[i];
    if (r === window.length || window[r][arm] !== s.arm || window[r][block] !== s.blockKey) continue;
    const m = inputs.months[i].find((x) => x.month === month);
    const t = {
      enrolledDays: m?.enrolledDays ?? 0,
      absenceDays: m?.absenceDays ?? 0,
      chronicDays: m?.chronicDays ?? 0,
    };
    const row = window[r].slice();
    row[columns[0]] = String(t.enrolledDays);
    OUTCOMES.forEach((o, k) => {
      const v = outcomeValue(o, t, rule);
      row[columns[k + 1]] = v === null || !Number.isFinite(v) ? 'NA' : String(v);
    });
    out.push(row);
    r++;
  }
  // every row matched to a student of the contrast's arms, in order, and no such student left over
  if (r !== window.length || !sameMembers(inputs, c, window.length - 1))
    return analysisTable(monthStudents(inputs, month), inputs.plan, c).cells;
  return out;
}

/**
 * `monthTable` as read by the estimators (encoded-table.ts) without its cells: the window table's
 * encoding with the month's columns replaced by their numbers (as the cells would hold them), the
 * cells made only if a reader needs them; analysisTable's cells when the rows cannot be matched.
 */
export function monthEncoded(inputs: ReportInputs, c: ArmContrast, month: string): EncodedTable {
  const window = pooledTable(inputs, c).cells;
  const header = window[0];
  const block = header.indexOf('block');
  const arm = header.indexOf('arm');
  const rule = inputs.plan.chronic_absence;
  const values = MONTH_COLUMNS.map(() => new Array<number | null>(window.length - 1));
  let r = 1;
  for (let i = 0; i < inputs.students.length && r <= window.length; i++) {
    const s = inputs.students[i];
    if (r === window.length || window[r][arm] !== s.arm || window[r][block] !== s.blockKey) continue;
    const m = inputs.months[i].find((x) => x.month === month);
    const t = {
      enrolledDays: m?.enrolledDays ?? 0,
      absenceDays: m?.absenceDays ?? 0,
      chronicDays: m?.chronicDays ?? 0,
    };
    values[0][r - 1] = t.enrolledDays;
    OUTCOMES.forEach((o, k) => (values[k + 1][r - 1] = outcomeValue(o, t, rule)));
    r++;
  }
  if (r !== window.length || !sameMembers(inputs, c, window.length - 1))
    return encodedCells(analysisTable(monthStudents(inputs, month), inputs.plan, c).cells);
  const replaced = new Map<string, EncodedColumn>(
    MONTH_COLUMNS.map((name, k) => [name, numberColumn(values[k])]),
  );
  return withColumns(encodedCells(window), replaced, () => monthTable(inputs, c, month));
}

/** Whether the window table holds every student of the contrast's arms but those of single-arm blocks. */
function sameMembers(inputs: ReportInputs, c: ArmContrast, rows: number): boolean {
  const arms = new Map<string, Set<string>>();
  for (const s of inputs.students) {
    if (s.arm !== c.treatment && s.arm !== c.control) continue;
    let set = arms.get(s.blockKey);
    if (!set) arms.set(s.blockKey, (set = new Set()));
    set.add(s.arm);
  }
  let n = 0;
  for (const s of inputs.students)
    if ((s.arm === c.treatment || s.arm === c.control) && arms.get(s.blockKey)!.size === 2) n++;
  return n === rows;
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
