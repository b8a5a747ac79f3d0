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
    outreach: {
      months: r.outreach.months,
      messages: r.outreach.messages,
      delivered: r.outreach.delivered,
      failed: r.outreach.failed,
      opted_out: r.outreach.optedOut,
      contacts_set_aside: r.outreach.excludedContacts,
      control_students_contacted: r.outreach.contamination,
      files: r.outreach.dir,
    },
    analysis: {
      report_dir: r.analysis.reportDir,
      headline: r.analysis.headline,
      itt: r.analysis.itt,
      cace: r.analysis.cace,
      true_itt: r.analysis.trueItt,
      true_cace: r.analysis.trueCace,
      reached_share: r.analysis.reachedShare,
      reached_students: r.analysis.reachedStudents,
      treated_students: r.analysis.treatedStudents,
      absences_removed: r.analysis.absencesRemoved,
      district_reports: r.analysis.districtReports,
    },
    stages: r.stages.map((s) => ({ stage: s.stage, seconds: s.seconds, cpu_seconds: s.cpuSeconds })),
  };
}
