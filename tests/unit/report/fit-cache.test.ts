import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { parsePlan } from '../../../analysis/analysis-plan.ts';
import { analysisTable } from '../../../analysis/analysis-table.ts';
import { estimateOnTable } from '../../../analysis/table-estimate.ts';
import { monthTable } from '../../../reports/descriptive-sections.ts';
import { buildDistrictReport } from '../../../reports/district-report.ts';
import { pooledFit, pooledTable } from '../../../reports/fit-cache.ts';
import type { ReportInputs, ReportStudent } from '../../../reports/report-inputs.ts';
import { monthDaysByFind, reportInputs } from '../../helpers/report-inputs.ts';
import { buildReport } from '../../../reports/report-model.ts';

/** A small synthetic two-district study (households of one or two students, blocked by district and grade band). */
function inputs(): ReportInputs {
  const rng = seedrandom('fit-cache');
  const students: ReportStudent[] = [];
  for (const leaid of ['0100001', '0100002'])
    for (let h = 0; h < 60; h++) {
      const arm = h % 2 === 0 ? 'treatment' : 'control';
      for (let k = 0; k < 1 + (h % 2); k++) {
        const grade = String(1 + ((h + k) % 8));
        const enrolled = 100 + Math.floor(rng() * 40);
        const absence = Math.floor(rng() * 20) - (arm === 'treatment' ? 2 : 0);
        students.push({
          studentKey: `student:${leaid}:${String(h).padStart(3, '0')}${k}`,
          unitKey: `household:${leaid}:${h}`,
          blockKey: `${leaid}|${Number(grade) <= 5 ? 'K-5' : '6-8'}`,
          arm,
          districtLeaid: leaid,
          householdKey: String(h),
          grade,
          englishLearner: rng() < 0.2,
          priorYearAbsenceRate: rng() < 0.1 ? null : rng() * 0.2,
          enrolledDays: enrolled,
          absenceDays: Math.max(0, absence),
          chronicDays: Math.max(0, absence),
          baselineAbsenceRate: rng() * 0.2,
          received: arm === 'treatment' ? (rng() < 0.7 ? 1 : 0) : 0,
          sex: null,
          raceEthnicity: null,
          disability: null,
          lowIncome: null,
        });
      }
    }
  students.sort((a, b) => (a.studentKey < b.studentKey ? -1 : 1));
  const plan = parsePlan({
    window: { start: '2025-10-01', end: '2026-04-30' },
    estimator: { covariates: ['prior_year_absence_rate', 'baseline_absence_rate'] },
  });
  if (!plan.ok) throw new Error(plan.problems.join('; '));
  return reportInputs({
    students,
    plan: plan.plan,
    unit: 'household',
    arms: [
      { name: 'control', probability: '0.5' },
      { name: 'treatment', probability: '0.5' },
    ],
  });
}

const contrast = { treatment: 'treatment', control: 'control', kind: 'program_vs_control' } as never;

describe('pooled fits shared by the analysis report and the district reports', () => {
  it('fits once per load and gives what fitting again gives', () => {
    const a = inputs();
    const fit = pooledFit(a, contrast, 'absence_days');
    expect(pooledFit(a, contrast, 'absence_days')).toBe(fit);
    expect(pooledTable(a, contrast)).toBe(pooledTable(a, contrast));
    const again = estimateOnTable(analysisTable(a.students, a.plan, contrast).cells, 'absence_days', a.plan);
    expect(fit).toEqual(again);
    // another load of the same data has its own cache
    expect(pooledFit(inputs(), contrast, 'absence_days')).not.toBe(fit);
  });

  it('district reports after the analysis equal district reports made from a fresh load', () => {
    const shared = inputs();
    const { report } = buildReport(shared);
    const reused = buildDistrictReport(shared, { leaid: '0100001', name: 'One', state: 'AL' });
    const fresh = buildDistrictReport(inputs(), { leaid: '0100001', name: 'One', state: 'AL' });
    expect(JSON.stringify(reused)).toBe(JSON.stringify(fresh));
    // the pooled row of a district report is the analysis report's ITT
    const pooled = reused.estimates.find((e) => e.scope === 'study' && e.outcome === 'absence_days')!;
    const itt = report.estimates.find(
      (e) => e.outcome === 'absence_days' && e.estimand === 'ITT' && e.subgroup === null,
    )!;
    expect(pooled.estimate).not.toBeNull();
    expect(pooled.estimate).toBe(itt.estimate);
    expect(pooled.std_error).toBe(itt.std_error);
  });
});

describe('the monthly ITT tables', () => {
  it("each month's table is analysisTable of the students with that month's days, built from the shared window table", () => {
    const a = inputs();
    const rng = seedrandom('months');
    const months = ['2025-10', '2025-11', '2025-12'];
    // some students have no row for a month (not enrolled): their month has 0 enrolled days (NA outcomes)
    a.months = a.students.map(() =>
      months
        .filter(() => rng() < 0.9)
        .map((month) => {
          const enrolledDays = Math.floor(rng() * 22);
          const absenceDays = Math.min(enrolledDays, Math.floor(rng() * 5));
          return { month, enrolledDays, absenceDays, chronicDays: absenceDays };
        }),
    );
    // a third arm outside the contrast, and a block holding one arm only
    a.students[3] = { ...a.students[3], arm: 'visits' };
    a.students[5] = { ...a.students[5], blockKey: 'lonely' };
    let differs = 0;
    for (const month of months) {
      const students = a.students.map((s, i) => ({ ...s, ...monthDaysByFind(a, i, month) }));
      const expected = analysisTable(students, a.plan, contrast).cells;
      expect(expected.length).toBe(a.students.length - 1);
      const got = monthTable(a, contrast, month);
      expect(got).toEqual(expected);
      const k = expected[0].indexOf('attendance_rate');
      if (got.some((row, r) => row[k] !== pooledTable(a, contrast).cells[r][k])) differs++;
    }
    expect(differs).toBe(months.length);
  });
});
