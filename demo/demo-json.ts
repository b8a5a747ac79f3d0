/** The snake_case JSON of a demo run (`pilot demo --json`). Pure. */
import type { DemoResult } from './demo.service.ts';

export function demoJson(r: DemoResult) {
  return {
    study: r.slug,
    data_dir: r.dataDir,
    districts: r.districts,
    counts: {
      districts: r.counts.districts,
      schools: r.counts.schools,
      students: r.counts.students,
      households: r.counts.households,
      caregivers: r.counts.caregivers,
      calendar_days: r.counts.calendarDays,
      enrollments: r.counts.enrollments,
      attendance_days: r.counts.attendanceDays,
      imports: r.counts.imports,
    },
    randomization: {
      units: r.randomization.units,
      students: r.randomization.students,
      blocks: r.randomization.blocks.length,
      roster_sha256: r.randomization.rosterSha256,
      assignment_sha256: r.randomization.assignmentSha256,
      balance_summary: r.randomization.balanceSummary,
    },
  };
}
