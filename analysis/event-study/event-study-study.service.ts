/**
 * `pilot event-study --study S --start …` (issue 12 items 1 and 8): the event study on a study's own
 * data. Loads the student × month outcomes built in SQL (analysis/outcomes.store.ts), each
 * student's treatment start (first home visit or first delivered message from
 * outreach/fidelity.store.ts, or the randomization month of their wave) and the arms with a program,
 * builds the panel (study-panel.ts, pure), runs the same estimators as the CSV mode
 * (run-event-study.ts), and stores the run with its options and result (`event_study_run`) and an
 * audit event, in one transaction.
 */
import { z } from 'zod';
import { requireStudy } from '../../cohorts/study.service.ts';
import { appendAuditEvent } from '../../db/audit.store.ts';
import type { Db } from '../../db/connection.ts';
import { AppError } from '../../errors.ts';
import { loadStudentDoses } from '../../outreach/fidelity.store.ts';
import { loadStudentMonths, loadStudentOutcomes } from '../outcomes.store.ts';
import { eventStudyRequest, windowSchema } from './event-study-file.service.ts';
import {
  insertEventStudyRun,
  loadDistrictStudents,
  loadEventStudyRuns,
  loadFirstVisits,
  loadProgramArms,
  loadRandomizationMonths,
  type EventStudyRunRecord,
} from './event-study-run.store.ts';
import { runEventStudy, runEventStudyBySubgroup, subgroupHeterogeneity } from './run-event-study.ts';
import { matchStudyStudents } from './study-matching.ts';
import { studyPanel, type StudyPanelRow, type StudyStudent } from './study-panel.ts';
import { studySubgroups, type SubgroupFacts } from './study-subgroups.ts';

/** Every month of data: the panel is the study's whole attendance record. */
const ALL_MONTHS = { start: '0001-01-01', end: '9999-12-31' };

export const eventStudyStudySchema = z
  .object({
    study: z.string().trim().min(1, 'must name a study'),
    start: z.enum(['first_visit', 'first_delivered_message', 'randomization']),
    outcome: z.enum(['attendance_rate', 'absence_days', 'enrolled_days']).default('attendance_rate'),
    method: z.enum(['twfe', 'cs', 'sunab', 'bacon']).default('cs'),
    control: z.enum(['never', 'notyet']).default('never'),
    basePeriod: z.enum(['varying', 'universal']).default('varying'),
    allowUnbalancedPanel: z.boolean().default(false),
    window: windowSchema.optional(),
    aggregate: z.enum(['simple', 'dynamic', 'group', 'calendar']).default('dynamic'),
    bootstrap: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1_000_000)
      .optional(),
    seed: z.string().min(1, 'must not be empty').optional(),
    seType: z.enum(['CR1', 'CR2']).default('CR1'),
    lateCohortsNeverTreated: z.boolean().default(false),
    /** exact matching of served students to not-served chronically absent students (item 6) */
    match: z.enum(['exact']).optional(),
    /** a curve per subgroup (item 5): roster fields, or the first visit's modality and personnel */
    by: z.enum(['grade_band', 'english_learner', 'modality', 'personnel']).optional(),
    alpha: z.coerce.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.05),
  })
  .refine((o) => o.bootstrap === undefined || o.seed !== undefined, {
    message: 'is required with `bootstrap` (the draws are reproducible from it)',
    path: ['seed'],
  })
  .refine((o) => o.seType === 'CR1' || o.method === 'twfe', {
    message: 'CR2 is available for `method` twfe',
    path: ['seType'],
  });

export type EventStudyStudyInput = z.input<typeof eventStudyStudySchema>;

export interface EventStudyStudyResult {
  runId: number;
  /** the JSON stored in event_study_run.result (issue 12 item 7's JSON with the study's panel facts) */
  result: Record<string, unknown>;
  /** the panel the estimator read, one row per student-month (not stored) */
  panel: StudyPanelRow[];
}

/**
 * @example const r = await eventStudyFromStudy(db, { study: 'leap', start: 'first_visit', method: 'twfe' }, 'analyst@ccerc');
 * @throws {AppError} BAD_INPUT for invalid options or a panel the method cannot use; NOT_FOUND when
 *   the study does not exist; CONFLICT when it is not randomized yet
 */
export async function eventStudyFromStudy(
  db: Db,
  input: EventStudyStudyInput,
  actor: string,
  onStage: (message: string) => void = () => {},
): Promise<EventStudyStudyResult> {
  const parsed = eventStudyStudySchema.safeParse(input);
  if (!parsed.success) {
    const why = parsed.error.issues
      .map((i) => (i.path.length > 0 ? `\`${i.path.join('.')}\`: ${i.message}` : i.message))
      .join('; ');
    throw new AppError('BAD_INPUT', `invalid event-study request: ${why}`, { issues: parsed.error.issues });
  }
  const o = parsed.data;
  const study = await requireStudy(db, o.study);
  onStage(`building the student × month panel of ${o.study}`);
  const months = await loadStudentMonths(db.kysely, study.id, ALL_MONTHS);
  const outcomes = await loadStudentOutcomes(db.kysely, study.id, ALL_MONTHS, months);
  if (outcomes.length === 0)
    throw new AppError('CONFLICT', `study ${o.study} has no randomized student: randomize it first`);
  const starts = new Map<number, string | null>();
  if (o.start === 'randomization') {
    for (const r of await loadRandomizationMonths(db.kysely, study.id)) starts.set(r.studentId, r.month);
  } else {
    for (const d of await loadStudentDoses(db.kysely, study.id))
      starts.set(d.studentId, o.start === 'first_visit' ? d.firstVisitMonth : d.firstDeliveredMonth);
  }
  const programArms = await loadProgramArms(db.kysely, study.id);
  // Without any program recorded, every arm but one named control is taken as treated.
  const treatedArms = new Set(
    programArms.length > 0 ? programArms : study.arms.map((a) => a.name).filter((name) => name !== 'control'),
  );
  const facts = new Map<string, SubgroupFacts>();
  let students: StudyStudent[];
  let panelMonths = months;
  let matching: Record<string, unknown> | null = null;
  if (o.match === 'exact') {
    onStage(`matching served students to the not-served chronically absent students of the districts`);
    panelMonths = await loadStudentMonths(db.kysely, study.id, ALL_MONTHS, 'districts');
    const district = await loadDistrictStudents(db.kysely, study.id);
    const matched = matchStudyStudents(
      panelMonths,
      district.map((s) => ({ ...s, startMonth: starts.get(s.studentId) ?? null })),
      treatedArms,
    );
    if (!matched.ok) throw new AppError('BAD_INPUT', `study ${o.study}: ${matched.message}`);
    students = matched.students;
    matching = matched.matching;
    for (const s of district)
      facts.set(s.studentKey, { studentId: s.studentId, grade: s.grade, englishLearner: s.englishLearner });
  } else {
    students = outcomes.map((s) => ({
      studentId: s.studentId,
      studentKey: s.studentKey,
      unitKey: s.unitKey,
      arm: s.arm,
      startMonth: starts.get(s.studentId) ?? null,
    }));
    for (const s of outcomes)
      facts.set(s.studentKey, { studentId: s.studentId, grade: s.grade, englishLearner: s.englishLearner });
  }
  const built = studyPanel(panelMonths, students, {
    outcome: o.outcome,
    treatedArms,
    lateCohortsNeverTreated: o.lateCohortsNeverTreated,
    clusterByUnit: study.unit !== 'student',
  });
  if (!built.ok) throw new AppError('BAD_INPUT', `study ${o.study}: ${built.message}`);
  onStage(
    `estimating (${o.method}) on ${built.summary.units} students × ${built.summary.periods} months, ${built.panel.y.length} rows`,
  );
  const request = eventStudyRequest({ ...o, estMethod: 'dr' }, study.unit !== 'student');
  const run = runEventStudy(built.panel, built.summary, request);
  if (!run.ok) throw new AppError('BAD_INPUT', `study ${o.study}: ${run.message}`);
  let bySubgroup: Record<string, unknown> = {};
  if (o.by !== undefined) {
    onStage(`estimating each subgroup of ${o.by}`);
    const visits =
      o.by === 'modality' || o.by === 'personnel' ? await loadFirstVisits(db.kysely, study.id) : [];
    const groups = studySubgroups(built.panel, o.by, facts, visits);
    const subgroups = runEventStudyBySubgroup(built.panel, groups.groups, o.by, request);
    bySubgroup = {
      by: o.by,
      subgroups,
      // subgroups sharing their never-treated comparisons are not independent: no Cochran's Q
      subgroup_heterogeneity: groups.sharedComparisons ? null : subgroupHeterogeneity(subgroups),
      subgroup_comparisons: groups.sharedComparisons ? 'shared never-treated students' : 'own students',
    };
  }
  const options = {
    ...o,
    window: o.window ?? null,
    bootstrap: o.bootstrap ?? null,
    seed: o.seed ?? null,
    match: o.match ?? null,
    by: o.by ?? null,
  };
  const result: Record<string, unknown> = {
    study: o.study,
    start: o.start,
    outcome: o.outcome,
    treated_arms: [...treatedArms].sort(),
    cluster: study.unit === 'student' ? 'student' : study.unit,
    months: built.months,
    panel: built.counts,
    ...(matching ? { matching } : {}),
    ...run.json,
    ...bySubgroup,
  };
  const runId = await db.kysely.transaction().execute(async (trx) => {
    const stored = await insertEventStudyRun(trx, {
      studyId: study.id,
      start: o.start,
      method: o.method,
      options,
      result,
      actor,
    });
    await appendAuditEvent(trx, {
      actor,
      action: 'event-study.run',
      entity: `study:${o.study}/event-study:${stored.id}`,
      details: {
        start: o.start,
        method: o.method,
        outcome: o.outcome,
        units: built.summary.units,
        ...(o.match ? { match: o.match } : {}),
        ...(o.by ? { by: o.by } : {}),
      },
    });
    return stored.id;
  });
  return { runId, result: { run_id: runId, ...result }, panel: built.rows };
}

/** The stored event-study runs of a study, newest first (for the report). */
export async function eventStudyRuns(db: Db, slug: string): Promise<EventStudyRunRecord[]> {
  const study = await requireStudy(db, slug);
  return loadEventStudyRuns(db.kysely, study.id);
}
