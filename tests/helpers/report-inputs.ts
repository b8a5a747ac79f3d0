/** Report inputs of synthetic students for the pure report tests (a locked plan, no outreach). */
import type { AnalysisPlan } from '../../analysis/analysis-plan.ts';
import type { ReportInputs, ReportStudent, StudentMonth } from '../../reports/report-inputs.ts';

export function reportInputs(options: {
  students: ReportStudent[];
  months?: StudentMonth[][];
  plan: AnalysisPlan;
  unit: string;
  arms: { name: string; probability: string }[];
}): ReportInputs {
  return {
    platformVersion: 'test',
    study: {
      slug: 's',
      name: 'S',
      unit: options.unit,
      arms: options.arms,
      algorithm: 'test',
      seedCommitment: '0'.repeat(64),
      seed: null,
    },
    plan: options.plan,
    planVersion: 1,
    planSha256: '0'.repeat(64),
    planLocked: true,
    randomization: { rosterSha256: [], assignmentSha256: [], waves: 1 },
    data: { importsSha256: '', attendanceSha256: '', lastAttendanceDate: null },
    students: options.students,
    months: options.months ?? options.students.map(() => []),
    outreach: null,
    visitEventStudy: null,
    eventStudyRuns: [],
  };
}

/**
 * Student i's days of a month as the report code first read them (the first row of that month, `find`,
 * zeros without one): the oracle the month-panel tests compare against.
 */
export function monthDaysByFind(inputs: ReportInputs, i: number, month: string) {
  const m = inputs.months[i].find((x) => x.month === month);
  return {
    enrolledDays: m?.enrolledDays ?? 0,
    absenceDays: m?.absenceDays ?? 0,
    chronicDays: m?.chronicDays ?? 0,
  };
}
