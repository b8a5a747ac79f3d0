/**
 * `pilot analyze` and `pilot report`: load the plan, the randomization record and the data snapshot
 * (outcomes built in SQL), build the report model (pure), render it and write the files, and record
 * the run. Files are a pure function of the inputs: the same inputs give byte-identical files.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePlan } from '../analysis/analysis-plan.ts';
import { tableCsv } from '../analysis/analysis-table.ts';
import {
  loadRandomizedStudents,
  loadStudentMonthPanels,
  NO_TOTALS,
  outcomeRow,
  windowTotals,
  type RandomizedStudent,
  type StudentMonthRow,
  type StudentOutcomeRow,
  type WindowTotals,
} from '../analysis/outcomes.store.ts';
import { latestPlan } from '../analysis/plan.store.ts';
import { requireStudy } from '../analysis/plan.service.ts';
import { listRandomizations } from '../assignment/assignment.store.ts';
import { canonicalJson } from '../db/canonical-json.ts';
import type { Db } from '../db/connection.ts';
import { inTurnOrAtOnce } from '../db/concurrent-loads.ts';
import { appendAuditEvent, auditHead } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { renderAnalysisHtml } from './analysis-html.ts';
import { buildDistrictReport, renderDistrictHtml } from './district-report.ts';
import { reportTables, toCsv } from './render-csv.ts';
import type { ReportInputs, ReportStudent, StudentMonth } from './report-inputs.ts';
import { loadEventStudyRuns, loadOutreach, loadVisitEventStudy } from './report-data.service.ts';
import { buildReport, type ReportModel } from './report-model.ts';
import { findDistrictOfStudy, insertReportRun, loadImportHashes } from './report.store.ts';

export const PLATFORM_VERSION = 'pilot 0.1.0';

export type Step = (message: string) => void;

export interface AnalyzeOptions {
  study: string;
  out: string;
  exportAnalysisTable?: boolean;
  /** inputs loaded already (loadReportInputs of the same study) */
  loaded?: LoadedReportInputs;
}

export interface AnalyzeResult {
  out: string;
  files: string[];
  reportSha256: string;
  auditHead: string;
  report: ReportModel;
  /** the inputs the report was made from (pass them to districtReports to reuse the load and the pooled fits) */
  loaded: LoadedReportInputs;
  timings: { outcomesMs: number; estimationMs: number; renderingMs: number };
}

/** A study's report inputs as loaded once (pass them to analyzeStudy and districtReports to share the load). */
export interface LoadedReportInputs {
  inputs: ReportInputs;
  studyId: number;
  planId: number;
  /** time to load everything (outcomes in SQL, outreach, event-study inputs) */
  outcomesMs: number;
  /**
   * of which the window and baseline student-month panels (the SQL outcome building; on PostgreSQL
   * while the other reads run beside it, on PGlite alone)
   */
  panelsMs: number;
}
type Loaded = LoadedReportInputs;

/**
 * Everything a report of the study is a pure function of: the plan, the randomization record, the
 * outcomes built in SQL (window and baseline panels), the outreach and the event-study inputs.
 */
export async function loadReportInputs(
  db: Db,
  slug: string,
  step: Step = () => {},
): Promise<LoadedReportInputs> {
  const t0 = performance.now();
  const study = await requireStudy(db, slug);
  const stored = await latestPlan(db.kysely, study.id);
  if (!stored)
    throw new AppError('NOT_FOUND', `study ${slug} has no analysis plan: set one first (pilot plan set)`);
  const parsed = parsePlan(stored.body);
  if (!parsed.ok) throw new AppError('INTERNAL', `stored plan version ${stored.version} no longer validates`);
  const plan = parsed.plan;
  const randomizations = await listRandomizations(db.kysely, study.id);
  if (randomizations.length === 0) throw new AppError('BAD_INPUT', `study ${slug} is not randomized yet`);
  step(
    `building outcomes in the database over ${plan.window.start} … ${plan.window.end}; ` +
      'reading the randomized students, the outreach records (reach, delivery by month and arm, visits) and stored event-study runs',
  );
  // Independent reads: on PostgreSQL each on a pool connection of its own, so the server builds the
  // panels while node parses the students and the outreach (PGlite has one connection: in turn).
  let panelsMs = 0;
  const [[panel, baselinePanel = null], randomized, imports, outreach, eventStudyRuns] = await inTurnOrAtOnce(
    db.dialect === 'postgres',
    async () => {
      const tp = performance.now();
      // The window's and the baseline's panels from one pass over the daily rows.
      const panels = await loadStudentMonthPanels(
        db.kysely,
        study.id,
        plan.baseline_window ? [plan.window, plan.baseline_window] : [plan.window],
        'study',
        { concurrent: db.dialect === 'postgres' },
      );
      panelsMs = performance.now() - tp;
      return panels;
    },
    () => loadRandomizedStudents(db.kysely, study.id),
    () => loadImportHashes(db.kysely, study.id),
    () => loadOutreach(db, slug),
    () => loadEventStudyRuns(db, study),
  );
  const totals = windowTotals(panel);
  const baseline = baselinePanel ? baselineRates(baselinePanel) : null;
  const byStudent = new Map<number, StudentMonth[]>();
  let lastRecord: string | null = null;
  // the panel comes ordered by student: a student's months are one run of rows
  let list: StudentMonth[] = [];
  let listOf = Number.NaN;
  for (const m of panel) {
    if (m.studentId !== listOf) {
      listOf = m.studentId;
      list = byStudent.get(listOf) ?? [];
      byStudent.set(listOf, list);
    }
    // the panel's row itself (a StudentMonth with more fields): no copy of 750,000 rows at national scale
    list.push(m);
    if (m.lastRecord && (lastRecord === null || m.lastRecord > lastRecord)) lastRecord = m.lastRecord;
  }
  const received = outreach.received;
  if (outreach.firstVisits.size > 0)
    step('building the visit-based event-study panel over the whole attendance record');
  const visitEventStudy = await loadVisitEventStudy(db, study, outreach.firstVisits, randomized);
  const sha = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');
  const inputs: ReportInputs = {
    platformVersion: PLATFORM_VERSION,
    study: {
      slug: study.slug,
      name: study.name,
      unit: study.unit,
      arms: study.arms.map((a) => ({ name: a.name, probability: String(a.probability) })),
      algorithm: study.algorithm,
      seedCommitment: study.seedCommitment,
      seed: study.seed,
    },
    plan,
    planVersion: stored.version,
    planSha256: stored.sha256,
    planLocked: stored.lockedAt !== null,
    randomization: {
      rosterSha256: randomizations.map((r) => r.rosterSha256),
      assignmentSha256: randomizations.map((r) => r.assignmentSha256),
      waves: randomizations.length,
    },
    data: {
      importsSha256: sha(imports.map((i) => `${i.kind},${i.sha256}`)),
      attendanceSha256: sha(
        imports
          .filter((i) => /:attendance_(daily|monthly)$/.test(i.kind))
          .map((i) => `${i.kind},${i.sha256}`),
      ),
      lastAttendanceDate: lastRecord,
    },
    students: randomized.map((r) =>
      reportStudent(r, totals.get(r.studentId) ?? NO_TOTALS, baseline, received),
    ),
    months: randomized.map((r) => byStudent.get(r.studentId) ?? []),
    outreach: outreach.section,
    visitEventStudy,
    eventStudyRuns,
  };
  return { inputs, studyId: study.id, planId: stored.id, outcomesMs: performance.now() - t0, panelsMs };
}

/**
 * A student of the report: the randomized student with the window's totals (outcomeRow), the baseline
 * rate and receipt (no spread: one object per student, two fields added).
 */
function reportStudent(
  r: RandomizedStudent,
  t: Readonly<WindowTotals>,
  baseline: Map<number, number> | null,
  received: Set<number> | null,
): ReportStudent & Pick<StudentOutcomeRow, 'studentId' | 'recordMonths'> {
  return Object.assign(outcomeRow(r, t), {
    baselineAbsenceRate: baseline?.get(r.studentId) ?? null,
    received: received ? (received.has(r.studentId) ? 1 : 0) : null,
  });
}

/** Each student's absence rate over the baseline panel (ordered by student: a student's months are one run). */
function baselineRates(panel: StudentMonthRow[]): Map<number, number> {
  const out = new Map<number, number>();
  let student = Number.NaN;
  let e = 0;
  let a = 0;
  const flush = () => {
    if (e > 0) out.set(student, a / e);
  };
  for (const m of panel) {
    if (m.studentId !== student) {
      flush();
      student = m.studentId;
      e = 0;
      a = 0;
    }
    e += m.enrolledDays;
    a += m.absenceDays;
  }
  flush();
  return out;
}

async function writeFiles(out: string, files: [string, string][]): Promise<string[]> {
  await mkdir(join(out, 'tables'), { recursive: true });
  for (const [name, text] of files) await writeFile(join(out, name), text);
  return files.map(([name]) => name);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `pilot analyze`: report.json, report.html, tables/*.csv (and the analysis tables on request). */
export async function analyzeStudy(
  db: Db,
  o: AnalyzeOptions,
  actor: string,
  step: Step = () => {},
): Promise<AnalyzeResult> {
  const loaded = o.loaded ?? (await loadReportInputs(db, o.study, step));
  step(`estimating (${loaded.inputs.students.length} students)`);
  const t1 = performance.now();
  const { report, tables } = buildReport(loaded.inputs);
  const t2 = performance.now();
  step('rendering report.json, report.html and tables');
  const json = `${canonicalJson(report)}\n`;
  const files: [string, string][] = [
    ['report.json', json],
    ['report.html', await renderAnalysisHtml(report)],
    ...reportTables(report).map(([name, text]): [string, string] => [join('tables', name), text]),
  ];
  if (o.exportAnalysisTable)
    for (const t of tables) files.push([analysisTableName(t.contrast), tableCsv(t.cells)]);
  const written = await writeFiles(o.out, files);
  const t3 = performance.now();
  const reportSha256 = sha256(json);
  const head = await recordRun(db, loaded, 'analysis', null, report.manifest, reportSha256, actor);
  return {
    out: o.out,
    files: written,
    reportSha256,
    auditHead: head,
    report,
    loaded,
    timings: { outcomesMs: loaded.outcomesMs, estimationMs: t2 - t1, renderingMs: t3 - t2 },
  };
}

/** File name of a contrast's analysis table. */
export function analysisTableName(c: { treatment: string; control: string }): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
  return `analysis-table-${safe(c.treatment)}-vs-${safe(c.control)}.csv`;
}

async function recordRun(
  db: Db,
  loaded: Loaded,
  kind: 'analysis' | 'district',
  districtId: number | null,
  manifest: unknown,
  reportSha256: string,
  actor: string,
  stored: { json: string; html: string; leaid: string } | null = null,
): Promise<string> {
  return db.kysely.transaction().execute(async (trx) => {
    // The stored manifest names the audit chain's head the run was made at; report.json does not, so
    // that the same inputs keep giving the same bytes (each run appends an audit event).
    const headBefore = await auditHead(trx);
    const id = await insertReportRun(trx, {
      studyId: loaded.studyId,
      planId: loaded.planId,
      kind,
      districtId,
      manifest: canonicalJson({ ...(manifest as object), audit_head: headBefore }),
      reportSha256,
      actor,
      reportJson: stored?.json ?? null,
      reportHtml: stored?.html ?? null,
    });
    const slug = loaded.inputs.study.slug;
    await appendAuditEvent(trx, {
      actor,
      action: `report.${kind}`,
      entity: stored ? `study:${slug}/district:${stored.leaid}/report:${id}` : `study:${slug}/report:${id}`,
      details: { report_sha256: reportSha256, plan_version: loaded.inputs.planVersion },
    });
    return auditHead(trx);
  });
}

export interface DistrictReportOptions {
  study: string;
  leaid: string;
  out: string;
}

/** `pilot report --district`: the partner's report, suppressed, with no student-level rows. */
export async function districtReport(
  db: Db,
  o: DistrictReportOptions,
  actor: string,
  step: Step = () => {},
): Promise<{ out: string; files: string[]; reportSha256: string }> {
  const [r] = await districtReports(
    db,
    { study: o.study, leaids: [o.leaid], out: o.out, nested: false },
    actor,
    step,
  );
  return r;
}

export interface DistrictReportsOptions {
  study: string;
  leaids: string[];
  /** output directory: each district's files go to OUT/LEAID (or to OUT itself with `nested: false` and one district) */
  out: string;
  nested?: boolean;
  /** inputs loaded already (loadReportInputs of the same study) */
  loaded?: LoadedReportInputs;
}

/**
 * Several districts' partner reports from one load of the study's data (outcomes are built once and
 * reused; the pooled study estimates too).
 */
export async function districtReports(
  db: Db,
  o: DistrictReportsOptions,
  actor: string,
  step: Step = () => {},
): Promise<{ leaid: string; out: string; files: string[]; reportSha256: string }[]> {
  const study = await requireStudy(db, o.study);
  const districts = [];
  for (const leaid of o.leaids) {
    const district = await findDistrictOfStudy(db.kysely, study.id, leaid);
    if (!district) throw new AppError('NOT_FOUND', `district ${leaid} is not enrolled in study ${o.study}`);
    districts.push({ leaid, district });
  }
  const loaded = o.loaded ?? (await loadReportInputs(db, o.study, step));
  const results = [];
  for (const { leaid, district } of districts) {
    step(`estimating district ${leaid} (the pooled study's fits once per load)`);
    const model = buildDistrictReport(loaded.inputs, { leaid, name: district.name, state: district.state });
    const json = `${canonicalJson(model)}\n`;
    const html = renderDistrictHtml(model);
    const files: [string, string][] = [
      ['report.json', json],
      ['report.html', html],
      [join('tables', 'estimates.csv'), districtEstimatesCsv(model)],
      [join('tables', 'disaggregation.csv'), districtDisaggregationCsv(model)],
    ];
    const out = o.nested === false ? o.out : join(o.out, leaid);
    const written = await writeFiles(out, files);
    const reportSha256 = sha256(json);
    await recordRun(db, loaded, 'district', district.id, model.manifest, reportSha256, actor, {
      json,
      html,
      leaid,
    });
    results.push({ leaid, out, files: written, reportSha256 });
  }
  return results;
}

function districtEstimatesCsv(m: ReturnType<typeof buildDistrictReport>): string {
  return toCsv(m.estimates as unknown as Record<string, unknown>[]);
}
function districtDisaggregationCsv(m: ReturnType<typeof buildDistrictReport>): string {
  return toCsv(m.disaggregation);
}
