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
