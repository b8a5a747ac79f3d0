/**
 * What a report reads beside the outcomes: the study's own outreach (each randomized student's dose
 * from the message receipts, delivery by month and arm, home visits), the stored event-study runs
 * (`pilot event-study --study`, migration 009) and, when home visits exist, the student × month panel
 * of the visit-based event study (first visit as the start). Everything is read through the
 * outreach and event-study services and stores; the estimators run later, in the pure report model.
 */
import { refreshPlannerStatistics } from '../db/planner-statistics.store.ts';
import type { StudyRecord } from '../cohorts/study.store.ts';
import type { Db } from '../db/connection.ts';
import { fidelityReport, studentExposure } from '../outreach/fidelity.service.ts';
import { loadStudentMonths, type RandomizedStudent } from '../analysis/outcomes.store.ts';
import { eventStudyRuns } from '../analysis/event-study/event-study-study.service.ts';
import { loadProgramArms } from '../analysis/event-study/event-study-run.store.ts';
import { studyPanel } from '../analysis/event-study/study-panel.ts';
import type { ReportInputs } from './report-inputs.ts';

/** The plan's CACE definition: a student received the program with at least one delivered message. */
export const CACE_DEFINITION = 'at least one delivered message';

export interface LoadedOutreach {
  /** randomized student id → month ('YYYY-MM') of the first home visit, for the visited students */
  firstVisits: Map<number, string>;
  /** the students at least one message to whose family was delivered; null without message records */
  received: Set<number> | null;
  section: ReportInputs['outreach'];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The outreach of a study, for CACE and the fidelity section. A study has outreach when it has
 * message records (generated messages, with their imported receipts); without any, the report has
 * no CACE and says why.
 */
export async function loadOutreach(db: Db, slug: string): Promise<LoadedOutreach> {
  // Fresh statistics for the joins over messages (receipts change message statuses after the last
  // generation's ANALYZE; PGlite has no autovacuum): on PostgreSQL only when a table changed since its
  // last ANALYZE (a national study's message table takes 0.3 s to sample), on PGlite every time. The
  // assignments never change once written, and randomizing analyzes them, so they are sampled only if
  // they never were; message_receipt is not read.
  await refreshPlannerStatistics(db.kysely, ['message', 'message_batch', 'visit'], {
    onlyModified: db.dialect === 'postgres',
  });
  await refreshPlannerStatistics(db.kysely, ['assignment', 'assignment_member'], { onlyNeverAnalyzed: true });
  const [exposure, fidelity] = await Promise.all([
    studentExposure(db, slug),
    fidelityReport(db, slug, { alerts: false }),
  ]);
  const monthArm = new Map<string, NonNullable<ReportInputs['outreach']>['byMonthArm'][number]>();
  for (const r of fidelity.rows) {
    const key = `${r.month}|${r.arm}`;
    let m = monthArm.get(key);
    if (!m)
      monthArm.set(
        key,
        (m = {
          month: r.month,
          arm: r.arm,
          studentsEligible: 0,
          studentsMessaged: 0,
          generated: 0,
          delivered: 0,
          failed: 0,
          optedOut: 0,
        }),
      );
    m.studentsEligible += r.studentsEligible;
    m.studentsMessaged += r.studentsMessaged;
    m.generated += r.messages;
    m.delivered += r.delivered;
    m.failed += r.failed;
    m.optedOut += r.optedOut;
  }
  const visits = new Map<
    string,
    { month: string; arm: string; modality: string; visits: number; students: number }
  >();
  for (const v of fidelity.visits) {
    const key = `${v.month}|${v.arm}|${v.modality}`;
    const x = visits.get(key) ?? { month: v.month, arm: v.arm, modality: v.modality, visits: 0, students: 0 };
    x.visits += v.visits;
    x.students += v.students;
    visits.set(key, x);
  }
  const messages = fidelity.rows.reduce((n, r) => n + r.messages, 0);
  const hasVisits = visits.size > 0;
  const firstVisits = exposure.firstVisits;
  if (messages === 0 && !hasVisits) return { firstVisits, received: null, section: null };
  return {
    firstVisits,
    received: messages > 0 ? exposure.reached : null,
    section: {
      source: "the study's message records (generated messages and their imported receipts)",
      caceDefinition: CACE_DEFINITION,
      messages: messages > 0,
      byMonthArm: [...monthArm.values()]
        .filter((r) => r.generated > 0 || r.studentsEligible > 0)
        .sort((a, b) => byText(a.month, b.month) || byText(a.arm, b.arm)),
      visitsByMonthArm: [...visits.values()].sort(
        (a, b) => byText(a.month, b.month) || byText(a.arm, b.arm) || byText(a.modality, b.modality),
      ),
      contaminatedStudents: fidelity.contamination.reduce((n, c) => n + c.students, 0),
    },
  };
}

/** Every month of data: the visit-based event study's panel is the study's whole attendance record. */
const ALL_MONTHS = { start: '0001-01-01', end: '9999-12-31' };

/** The study's stored event-study runs, oldest first. */
export async function loadEventStudyRuns(
  db: Db,
  study: StudyRecord,
): Promise<ReportInputs['eventStudyRuns']> {
  return (await eventStudyRuns(db, study.slug))
    .map((r) => ({ id: r.id, start: r.start, method: r.method, options: r.options, result: r.result }))
    .sort((a, b) => a.id - b.id);
}

/**
 * The visit-based event study's panel (first home visit as the start; null without any visit), over
 * the study's whole attendance record.
 */
export async function loadVisitEventStudy(
  db: Db,
  study: StudyRecord,
  firstVisit: ReadonlyMap<number, string>,
  students: readonly Pick<RandomizedStudent, 'studentId' | 'studentKey' | 'unitKey' | 'arm'>[],
): Promise<ReportInputs['visitEventStudy']> {
  if (firstVisit.size === 0) return null;
  const months = await loadStudentMonths(db.kysely, study.id, ALL_MONTHS);
  const programArms = await loadProgramArms(db.kysely, study.id);
  // As pilot event-study --study: without any program recorded, every arm but one named control is treated.
  const treatedArms = programArms.length
    ? programArms
    : study.arms.map((a) => a.name).filter((name) => name !== 'control');
  const clustered = study.unit !== 'student';
  const built = studyPanel(
    months,
    students.map((s) => ({
      studentId: s.studentId,
      studentKey: s.studentKey,
      unitKey: s.unitKey,
      arm: s.arm,
      startMonth: firstVisit.get(s.studentId) ?? null,
    })),
    {
      outcome: 'attendance_rate',
      treatedArms: new Set(treatedArms),
      lateCohortsNeverTreated: false,
      clusterByUnit: clustered,
    },
  );
  return built.ok
    ? {
        ok: true,
        panel: built.panel,
        summary: built.summary,
        months: built.months,
        counts: built.counts,
        treatedArms: [...treatedArms].sort(),
        clustered,
      }
    : { ok: false, message: built.message };
}
