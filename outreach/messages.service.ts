import type { Db } from '../db/connection.ts';
import { refreshPlannerStatistics } from '../db/planner-statistics.store.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { listDistricts, type DistrictRecord } from '../cohorts/district.store.ts';
import { requireStudy } from '../cohorts/study.service.ts';
import type { StudyRecord } from '../cohorts/study.store.ts';
import type { Database } from '../db/types.ts';
import type { Transaction } from 'kysely';
import { composeAlerts, composeMonthly, type ArmStats, type ControlContact } from './compose.ts';
import {
  districtsWithAttendance,
  findBatches,
  lastAlertDays,
  loadAbsenceDays,
  loadAlertHistory,
  loadBatchAbsences,
  loadContacts,
  loadMonthAbsences,
  loadRandomizedStudents,
  tuneGeneration,
  writeBatches,
  type BatchWrite,
  type DistrictStudent,
} from './messages.store.ts';
import type { ProgramKind } from './program-config.ts';
import { loadPrograms, loadTemplates, type ProgramRecord, type TemplateRecord } from './program.store.ts';
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
 * Progress of a run, for the command's progress bar: `done` of `total` steps (the set-based reads,
 * one step per district, then writing), with what is being done.
 */
export type GenerateProgress = (done: number, total: number, detail: string) => void;

/** What one kind of run reads for all its districts at once, and how it settles one district. */
interface Plan {
  /**
   * Settles one district: fills `run`; returns the ways it would reach a control family, or else
   * what to write for it (nothing for a district already generated or without attendance). Asked
   * to compose only when `write` (no district so far would reach a control family).
   */
  district(
    d: DistrictRecord,
    run: DistrictRun,
    write: boolean,
  ): { control: ControlContact[]; write?: BatchWrite };
}

interface PlanContext {
  trx: Transaction<Database>;
  templates: TemplateRecord[];
  /** Marks the start of one of the `reads` set-based reads. */
  reading(what: string): void;
}

/**
 * The part monthly summaries and alerts share: one transaction on one connection (COPY needs it),
 * the plan's set-based reads over every district, then district by district with progress; refuses,
 * changing nothing, when any district would reach a control family; then writes every district's
 * batch at once (one statement or COPY per table) and one audit event.
 */
async function runGeneration(
  db: Db,
  s: Setup,
  spec: {
    reads: number;
    plan: (ctx: PlanContext) => Promise<Plan>;
    audit: { action: string; entity: string; details: (r: DistrictRun) => Record<string, unknown> };
    period: string;
    actor: string;
  },
  progress: GenerateProgress = () => {},
): Promise<GenerateResult> {
  const total = spec.reads + s.districts.length + 1;
  let done = 0;
  const written = { message: 0, alert: 0, staff_task: 0, message_batch: 0 };
  const result = await db.withSession((session) =>
    session.db.transaction().execute(async (trx) => {
      await tuneGeneration(session, db.dialect);
      const templates = await loadTemplates(trx, s.study.id);
      const plan = await spec.plan({
        trx,
        templates,
        reading: (what) => progress(done++, total, `reading ${what}`),
      });
      done = spec.reads;
      const runs: DistrictRun[] = [];
      const problems: ControlProblem[] = [];
      const writes: { run: DistrictRun; write: BatchWrite }[] = [];
      for (const d of s.districts) {
        progress(done++, total, `district ${d.leaid}`);
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
        const { control, write } = plan.district(d, run, problems.length === 0);
        if (control.length > 0) problems.push({ leaid: d.leaid, control });
        else if (write && problems.length === 0) writes.push({ run, write });
      }
      if (problems.length > 0) {
        progress(total, total, 'done');
        refuseControl(problems);
      }
      progress(done++, total, 'writing');
      const ids = await writeBatches(
        session,
        writes.map((w) => w.write),
      );
      writes.forEach(({ run, write }, i) => {
        run.batchId = ids[i];
        written.message += write.messages.length;
        written.alert += write.alerts.length;
        written.staff_task += write.tasks.length;
      });
      written.message_batch = writes.length;
      progress(total, total, 'done');
      await appendAuditEvent(trx, {
        actor: spec.actor,
        action: spec.audit.action,
        entity: spec.audit.entity,
        details: runs.map((r) => ({
          leaid: r.leaid,
          status: r.status,
          batch: r.batchId,
          ...spec.audit.details(r),
        })),
      });
      return { study: s.study.slug, period: spec.period, districts: runs };
    }),
  );
  // Statistics only for a table this run grew by more than a tenth (or never analyzed): the planner
  // scales a table's analyzed row count by its current size, so a month a tenth of the table's size
  // needs no fresh sample.
  await refreshPlannerStatistics(
    db.kysely,
    (Object.keys(written) as (keyof typeof written)[]).filter((t) => written[t] > 0),
    { onlyGrownBy: 0.1 },
  );
  return result;
}

function byDistrict(students: readonly DistrictStudent[]): Map<number, DistrictStudent[]> {
  const out = new Map<number, DistrictStudent[]>();
  for (const st of students) {
    let list = out.get(st.districtId);
    if (!list) out.set(st.districtId, (list = []));
    list.push(st);
  }
  return out;
}

/**
 * `pilot messages generate --month YYYY-MM`: the monthly summaries of every district of the study
 * (or one), in one transaction. Absences, students and contacts are read for all districts at once
 * (set-based queries) and messages written with COPY. A district's month is generated once; asking
 * again reports the students whose absences changed since (a later attendance revision), without
 * re-messaging. A district without attendance in the month is skipped (and can be generated later).
 * Refuses, changing nothing, when any message would reach a control family.
 */
export async function generateMonth(
  db: Db,
  input: { study: string; month: string; district?: string },
  actor: string,
  progress?: GenerateProgress,
): Promise<GenerateResult> {
  if (!isMonth(input.month)) throw new AppError('BAD_INPUT', `month "${input.month}" must be YYYY-MM`);
  const s = await setup(db, input.study, 'monthly_summary', input.district);
  const { start, end } = monthBounds(input.month);
  const yearStart = schoolYearStart(start);
  return runGeneration(
    db,
    s,
    {
      reads: 3,
      period: input.month,
      audit: {
        action: 'messages.generate',
        entity: `study:${s.study.slug}/month:${input.month}`,
        details: (r) => ({ messages: r.messages, revised: r.revised }),
      },
      actor,
      plan: async ({ trx, templates, reading }) => {
        const ids = s.districts.map((d) => d.id);
        const batches = await findBatches(trx, ids, 'monthly_summary', end);
        const pending = ids.filter((id) => !batches.has(id));
        const withAttendance = await districtsWithAttendance(trx, pending, start, end);
        reading('absences');
        const absences = await loadMonthAbsences(trx, ids, yearStart, start, end);
        const quoted = await loadBatchAbsences(
          trx,
          [...batches.values()].map((b) => b.id),
        );
        reading('students');
        const toGenerate = pending.filter((id) => withAttendance.has(id));
        const students = byDistrict(await loadRandomizedStudents(trx, s.study.id, toGenerate));
        reading('contacts');
        const contacts = await loadContacts(trx, toGenerate);
        return {
          district(d, run, write) {
            const existing = batches.get(d.id);
            if (existing) {
              run.status = 'already_generated';
              run.batchId = existing.id;
              for (const [student, q] of quoted.get(existing.id) ?? []) {
                const now = absences.get(student) ?? { month: 0, ytd: 0 };
                if (!sameDays(now.month, q.month) || !sameDays(now.ytd, q.ytd)) run.revised++;
              }
              return { control: [] };
            }
            if (!withAttendance.has(d.id)) {
              run.status = 'no_attendance';
              return { control: [] };
            }
            const composed = composeMonthly({
              month: input.month,
              students: students.get(d.id) ?? [],
              programs: s.programs,
              controlArms: s.controlArms,
              contacts,
              absences,
              templates,
            });
            if (composed.control.length > 0 || !write) return { control: composed.control };
            Object.assign(run, { messages: composed.items.length, byArm: composed.byArm });
            return {
              control: [],
              write: {
                batch: {
                  studyId: s.study.id,
                  districtId: d.id,
                  kind: 'monthly_summary',
                  periodStart: start,
                  periodEnd: end,
                  stats: { byArm: composed.byArm },
                  actor,
                },
                alerts: [],
                messages: composed.items.map((m) => ({ ...m, alert: null })),
                tasks: [],
              },
            };
          },
        };
      },
    },
    progress,
  );
}

/**
 * `pilot alerts generate --through YYYY-MM-DD`: absence alerts and threshold escalations (caregiver
 * messages and staff tasks) for the days after the district's last alert run through the given day,
 * in one transaction; the school year's absence days, students, contacts and alert history are read
 * for all districts at once and alerts, messages and tasks written with COPY. The same day again
 * changes nothing; an earlier day is refused. Absences that arrive for days already settled are
 * reported, not alerted late; a threshold never fired fires once.
 */
export async function generateAlerts(
  db: Db,
  input: { study: string; through: string; district?: string },
  actor: string,
  progress?: GenerateProgress,
): Promise<GenerateResult> {
  if (!isDate(input.through)) throw new AppError('BAD_INPUT', `date "${input.through}" must be YYYY-MM-DD`);
  const s = await setup(db, input.study, 'threshold_alerts', input.district);
  const yearStart = schoolYearStart(input.through);
  return runGeneration(
    db,
    s,
    {
      reads: 3,
      period: input.through,
      audit: {
        action: 'alerts.generate',
        entity: `study:${s.study.slug}/through:${input.through}`,
        details: (r) => ({ alerts: r.alerts, tasks: r.tasks, messages: r.messages, revised: r.revised }),
      },
      actor,
      plan: async ({ trx, templates, reading }) => {
        const ids = s.districts.map((d) => d.id);
        const lastDays = await lastAlertDays(trx, ids);
        const done = await findBatches(trx, ids, 'alerts', input.through);
        for (const d of s.districts) {
          const last = lastDays.get(d.id);
          if (!done.has(d.id) && last !== undefined && last > input.through)
            throw new AppError(
              'CONFLICT',
              `district ${d.leaid}: alerts were already generated through ${last}; ask for ${last} or a later day`,
            );
        }
        reading('absence days');
        const absenceDays = await loadAbsenceDays(
          trx,
          s.study.id,
          [...s.programs.keys()],
          ids,
          yearStart,
          input.through,
        );
        const history = await loadAlertHistory(
          trx,
          [...s.programs.values()].map((p) => p.id),
          ids,
          schoolYearOf(input.through),
        );
        reading('students');
        const students = byDistrict(await loadRandomizedStudents(trx, s.study.id, ids));
        reading('contacts');
        const contacts = await loadContacts(trx, ids);
        return {
          district(d, run, write) {
            const last = lastDays.get(d.id);
            const after = last !== undefined && last >= yearStart ? last : null;
            const existing = done.get(d.id);
            const composed = composeAlerts({
              after: existing ? input.through : after,
              through: input.through,
              students: students.get(d.id) ?? [],
              programs: s.programs,
              controlArms: s.controlArms,
              contacts,
              absenceDays,
              history,
              templates,
            });
            run.revised = composed.lateDays;
            if (existing) {
              run.status = 'already_generated';
              run.batchId = existing.id;
              return { control: [] };
            }
            if (composed.control.length > 0 || !write) return { control: composed.control };
            const messages = composed.items.flatMap((a, i) => a.messages.map((m) => ({ ...m, alert: i })));
            const tasks = composed.items.flatMap((a, i) =>
              a.task ? [{ ...a.task, alert: i, studentId: a.studentId }] : [],
            );
            Object.assign(run, {
              messages: messages.length,
              alerts: composed.items.length,
              tasks: tasks.length,
              byArm: composed.byArm,
            });
            return {
              control: [],
              write: {
                batch: {
                  studyId: s.study.id,
                  districtId: d.id,
                  kind: 'alerts',
                  periodStart: after ?? yearStart,
                  periodEnd: input.through,
                  stats: { byArm: composed.byArm, lateDays: composed.lateDays },
                  actor,
                },
                alerts: composed.items.map((a) => ({
                  programId: a.programId,
                  studentId: a.studentId,
                  date: a.alert.date,
                  schoolYear: schoolYearOf(a.alert.date),
                  kind: a.alert.kind,
                  threshold: a.alert.threshold,
                  tier: a.alert.tier,
                  absencesYtd: a.alert.absencesYtd,
                })),
                messages,
                tasks,
              },
            };
          },
        };
      },
    },
    progress,
  );
}
