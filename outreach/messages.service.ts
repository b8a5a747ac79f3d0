import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { listDistricts, type DistrictRecord } from '../cohorts/district.store.ts';
import { requireStudy } from '../cohorts/study.service.ts';
import type { StudyRecord } from '../cohorts/study.store.ts';
import { composeAlerts, composeMonthly, type ArmStats, type ControlContact } from './compose.ts';
import {
  findBatch,
  hasAttendance,
  insertAlerts,
  insertBatch,
  insertMessages,
  insertTasks,
  lastAlertDay,
  loadAbsenceDays,
  loadAlertHistory,
  loadBatchAbsences,
  loadContacts,
  loadMonthAbsences,
  loadRandomizedStudents,
} from './messages.store.ts';
import type { ProgramKind } from './program-config.ts';
import { loadPrograms, loadTemplates, type ProgramRecord } from './program.store.ts';
import { isDate, isMonth, monthBounds, schoolYearOf, schoolYearStart } from './school-year.ts';

/** What a run did in one district. */
export interface DistrictRun {
  leaid: string;
  status: 'generated' | 'already_generated' | 'no_attendance';
  batchId: number | null;
  messages: number;
  alerts: number;
  tasks: number;
  byArm: Record<string, ArmStats>;
  /**
   * For a period already generated: students whose absences changed since (monthly), or absence days
   * that arrived for days already settled (alerts). Reported, never re-messaged.
   */
  revised: number;
}

export interface GenerateResult {
  study: string;
  period: string;
  districts: DistrictRun[];
}

interface Setup {
  study: StudyRecord;
  districts: DistrictRecord[];
  programs: Map<string, ProgramRecord>;
  controlArms: Set<string>;
}

async function setup(db: Db, slug: string, kind: ProgramKind, leaid?: string): Promise<Setup> {
  const study = await requireStudy(db, slug);
  if (study.status !== 'randomized' && study.status !== 'closed')
    throw new AppError('CONFLICT', `study ${slug} is ${study.status}; messages follow randomization`);
  const all = await loadPrograms(db.kysely, study.id);
  const programs = new Map(all.filter((p) => p.kind === kind).map((p) => [p.arm, p]));
  if (programs.size === 0)
    throw new AppError(
      'CONFLICT',
      `no arm of study ${slug} has a ${kind} program (pilot program set --study ${slug} --arm ARM --program ${kind})`,
    );
  const controlArms = new Set(study.arms.map((a) => a.name).filter((a) => !all.some((p) => p.arm === a)));
  let districts = await listDistricts(db.kysely, study.id);
  if (leaid !== undefined) {
    districts = districts.filter((d) => d.leaid === leaid);
    if (districts.length === 0)
      throw new AppError('NOT_FOUND', `district ${leaid} is not enrolled in ${slug}`);
  }
  return { study, districts, programs, controlArms };
}

/** What would reach a control family, by district. */
export interface ControlProblem {
  leaid: string;
  control: ControlContact[];
}

function refuseControl(problems: ControlProblem[]): never {
  const total = problems.reduce((n, p) => n + p.control.length, 0);
  const shown = problems
    .flatMap((p) => p.control.map((c) => `${p.leaid} contact ${c.contactKey} ${c.reason}`))
    .slice(0, 20);
  throw new AppError(
    'CONFLICT',
    `generating would contact a control family (${total} message(s) in ${problems.length} district(s)); nothing was generated. ` +
      `Fix the contacts (or the design) first: ${shown.join('; ')}${total > 20 ? '; …' : ''}`,
    { districts: problems },
  );
}

function sameDays(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.005;
}

/**
 * `pilot messages generate --month YYYY-MM`: the monthly summaries of every district of the study
 * (or one), in one transaction. A district's month is generated once; asking again reports the
 * students whose absences changed since (a later attendance revision), without re-messaging. A
 * district without attendance in the month is skipped (and can be generated later). Refuses, changing
 * nothing, when any message would reach a control family.
 */
export async function generateMonth(
  db: Db,
  input: { study: string; month: string; district?: string },
  actor: string,
): Promise<GenerateResult> {
  if (!isMonth(input.month)) throw new AppError('BAD_INPUT', `month "${input.month}" must be YYYY-MM`);
  const s = await setup(db, input.study, 'monthly_summary', input.district);
  const { start, end } = monthBounds(input.month);
  const yearStart = schoolYearStart(start);
  return db.kysely.transaction().execute(async (trx) => {
    const templates = await loadTemplates(trx, s.study.id);
    const runs: DistrictRun[] = [];
    const problems: ControlProblem[] = [];
    for (const d of s.districts) {
      const run: DistrictRun = {
        leaid: d.leaid,
        status: 'generated',
        batchId: null,
        messages: 0,
        alerts: 0,
        tasks: 0,
        byArm: {},
        revised: 0,
      };
      runs.push(run);
      const existing = await findBatch(trx, d.id, 'monthly_summary', end);
      const absences = await loadMonthAbsences(trx, d.id, yearStart, start, end);
      if (existing) {
        run.status = 'already_generated';
        run.batchId = existing.id;
        for (const [student, quoted] of await loadBatchAbsences(trx, existing.id)) {
          const now = absences.get(student) ?? { month: 0, ytd: 0 };
          if (!sameDays(now.month, quoted.month) || !sameDays(now.ytd, quoted.ytd)) run.revised++;
        }
        continue;
      }
      if (!(await hasAttendance(trx, d.id, start, end))) {
        run.status = 'no_attendance';
        continue;
      }
      const students = await loadRandomizedStudents(trx, s.study.id, d.id);
      const contacts = await loadContacts(trx, d.id);
      const composed = composeMonthly({
        month: input.month,
        students,
        programs: s.programs,
        controlArms: s.controlArms,
        contacts,
        absences,
        templates,
      });
      if (composed.control.length > 0) {
        problems.push({ leaid: d.leaid, control: composed.control });
        continue;
      }
      const batchId = await insertBatch(trx, {
        studyId: s.study.id,
        districtId: d.id,
        kind: 'monthly_summary',
        periodStart: start,
        periodEnd: end,
        stats: { byArm: composed.byArm },
        actor,
      });
      await insertMessages(
        trx,
        composed.items.map((m) => ({ ...m, batchId, alertId: null })),
      );
      Object.assign(run, { batchId, messages: composed.items.length, byArm: composed.byArm });
    }
    if (problems.length > 0) refuseControl(problems);
    await appendAuditEvent(trx, {
      actor,
      action: 'messages.generate',
      entity: `study:${s.study.slug}/month:${input.month}`,
      details: runs.map((r) => ({
        leaid: r.leaid,
        status: r.status,
        batch: r.batchId,
        messages: r.messages,
        revised: r.revised,
      })),
    });
    return { study: s.study.slug, period: input.month, districts: runs };
  });
}

/**
 * `pilot alerts generate --through YYYY-MM-DD`: absence alerts and threshold escalations (caregiver
 * messages and staff tasks) for the days after the district's last alert run through the given day,
 * in one transaction. The same day again changes nothing; an earlier day is refused. Absences that
 * arrive for days already settled are reported, not alerted late; a threshold never fired fires once.
 */
export async function generateAlerts(
  db: Db,
  input: { study: string; through: string; district?: string },
  actor: string,
): Promise<GenerateResult> {
  if (!isDate(input.through)) throw new AppError('BAD_INPUT', `date "${input.through}" must be YYYY-MM-DD`);
  const s = await setup(db, input.study, 'threshold_alerts', input.district);
  const yearStart = schoolYearStart(input.through);
  return db.kysely.transaction().execute(async (trx) => {
    const templates = await loadTemplates(trx, s.study.id);
    const runs: DistrictRun[] = [];
    const problems: ControlProblem[] = [];
    for (const d of s.districts) {
      const run: DistrictRun = {
        leaid: d.leaid,
        status: 'generated',
        batchId: null,
        messages: 0,
        alerts: 0,
        tasks: 0,
        byArm: {},
        revised: 0,
      };
      runs.push(run);
      const last = await lastAlertDay(trx, d.id);
      const after = last !== null && last >= yearStart ? last : null;
      const done = await findBatch(trx, d.id, 'alerts', input.through);
      if (!done && last !== null && last > input.through)
        throw new AppError(
          'CONFLICT',
          `district ${d.leaid}: alerts were already generated through ${last}; ask for ${last} or a later day`,
        );
      const students = await loadRandomizedStudents(trx, s.study.id, d.id);
      const contacts = await loadContacts(trx, d.id);
      const absenceDays = await loadAbsenceDays(trx, d.id, yearStart, input.through);
      const history = new Map<number, { thresholds: Set<number>; days: Set<string> }>();
      for (const p of s.programs.values())
        for (const [k, v] of await loadAlertHistory(trx, p.id, d.id, schoolYearOf(input.through)))
          history.set(k, v);
      const composed = composeAlerts({
        after: done ? input.through : after,
        through: input.through,
        students,
        programs: s.programs,
        controlArms: s.controlArms,
        contacts,
        absenceDays,
        history,
        templates,
      });
      run.revised = composed.lateDays;
      if (done) {
        run.status = 'already_generated';
        run.batchId = done.id;
        continue;
      }
      if (composed.control.length > 0) {
        problems.push({ leaid: d.leaid, control: composed.control });
        continue;
      }
      const batchId = await insertBatch(trx, {
        studyId: s.study.id,
        districtId: d.id,
        kind: 'alerts',
        periodStart: after ?? yearStart,
        periodEnd: input.through,
        stats: { byArm: composed.byArm, lateDays: composed.lateDays },
        actor,
      });
      const alertIds = await insertAlerts(
        trx,
        composed.items.map((a) => ({
          batchId,
          programId: a.programId,
          studentId: a.studentId,
          date: a.alert.date,
          schoolYear: schoolYearOf(a.alert.date),
          kind: a.alert.kind,
          threshold: a.alert.threshold,
          tier: a.alert.tier,
          absencesYtd: a.alert.absencesYtd,
        })),
      );
      await insertMessages(
        trx,
        composed.items.flatMap((a, i) => a.messages.map((m) => ({ ...m, batchId, alertId: alertIds[i] }))),
      );
      const tasks = composed.items.flatMap((a, i) =>
        a.task ? [{ ...a.task, alertId: alertIds[i], studentId: a.studentId }] : [],
      );
      await insertTasks(trx, tasks);
      Object.assign(run, {
        batchId,
        messages: composed.items.reduce((n, a) => n + a.messages.length, 0),
        alerts: composed.items.length,
        tasks: tasks.length,
        byArm: composed.byArm,
      });
    }
    if (problems.length > 0) refuseControl(problems);
    await appendAuditEvent(trx, {
      actor,
      action: 'alerts.generate',
      entity: `study:${s.study.slug}/through:${input.through}`,
      details: runs.map((r) => ({
        leaid: r.leaid,
        status: r.status,
        batch: r.batchId,
        alerts: r.alerts,
        tasks: r.tasks,
        messages: r.messages,
        revised: r.revised,
      })),
    });
    return { study: s.study.slug, period: input.through, districts: runs };
  });
}
