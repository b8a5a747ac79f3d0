import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { parsePlan } from '../analysis/analysis-plan.ts';
import { lockPlan, setPlan } from '../analysis/plan.service.ts';
import { randomizeStudy, type RandomizeResult } from '../assignment/assignment.service.ts';
import { analyzeStudy, districtReports as writeDistrictReports } from '../reports/report.service.ts';
import { effectCorrections, type DemoEffectParams } from './demo-effect.ts';
import type { Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import {
  importFile,
  type ImportSummary,
  type ProgressFn,
  type RequestedKind,
} from '../cohorts/imports/import.service.ts';
import { findStudy, type StudyCounts } from '../cohorts/study.store.ts';
import { createStudy, enrollDistrict, showStudy } from '../cohorts/study.service.ts';
import { readDistrictsCsv } from '../synth/district-files.ts';
import { writeSyntheticStudy } from '../synth/synth.service.ts';
import { runOutreachDemo, type OutreachDemoResult } from '../outreach/demo-outreach.service.ts';
import { studentDoses } from '../outreach/fidelity.service.ts';

export interface DemoOptions {
  /** Where the synthetic district files are written. */
  dataDir: string;
  districts: number;
  students: number;
  seed: string;
  slug: string;
  oneroster: number;
  /**
   * The districts' attendance feeds: 'exceptions' (only days that are not a plain present day, as
   * exception-based SIS exports send; enrolled days come from the calendar and enrollment windows)
   * or 'daily' (a row for every enrolled day). Default 'exceptions'.
   */
  attendance?: 'exceptions' | 'daily';
}

/** One stage of the demo: wall-clock seconds, and CPU seconds of the process (PGlite runs in it). */
export interface DemoStage {
  stage: string;
  seconds: number;
  cpuSeconds: number;
}

export interface DemoResult {
  slug: string;
  dataDir: string;
  districts: number;
  imports: ImportSummary[];
  counts: StudyCounts;
  randomization: RandomizeResult;
  outreach: OutreachDemoResult;
  analysis: DemoAnalysis;
  stages: DemoStage[];
}

/** What the demo's analysis found beside the truth it planted. */
export interface DemoAnalysis {
  reportDir: string;
  headline: string;
  itt: { estimate: number; confLow: number; confHigh: number } | null;
  cace: { estimate: number; confLow: number; confHigh: number } | null;
  trueItt: number;
  trueCace: number;
  /** program students with at least one delivered message ÷ program students */
  reachedShare: number;
  reachedStudents: number;
  treatedStudents: number;
  /** absence days the planted effect removed (all of them from reached program students) */
  absencesRemoved: number;
  districtReports: string[];
}

/**
 * The demo's program: monthly summaries of September to March, sent on the first days of October
 * to April (seven treatment months); August and September are the baseline. A share of contacts
 * cannot be reached (wrong or dead numbers), so delivery is imperfect; each absent day of a reached
 * student becomes a present day with probability EFFECT.
 */
const FOLLOW_UP = { start: '2025-10-01', end: '2026-04-30' };
const BASELINE = { start: '2025-08-01', end: '2025-09-30' };
const MESSAGE_MONTHS = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03'];
const UNREACHABLE_CONTACTS = 0.25;
const EFFECT = 0.08;

export type DemoStep = (message: string) => void;

/** A slug not yet taken: the requested one, else slug-2, slug-3, … (the demo can be run again). */
async function freeSlug(db: Db, slug: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? slug : `${slug}-${n}`;
    if (!(await findStudy(db.kysely, candidate))) return candidate;
  }
}

/** The wall clock and the process's CPU time when the demo began. */
export interface DemoStart {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

export const demoStart = (): DemoStart => ({ wall: performance.now(), cpu: process.cpuUsage() });

/** Times the demo's stages; each stage's progress line ends with its seconds. */
class Stages {
  readonly list: DemoStage[] = [];
  private started: number;
  private cpu: NodeJS.CpuUsage;
  constructor(
    private readonly step: DemoStep,
    start: DemoStart,
  ) {
    this.started = start.wall;
    this.cpu = start.cpu;
  }
  /** Ends the current stage: prints `message (s.s s; CPU s.s s)` and starts the next. */
  done(stage: string, message: string): void {
    const now = performance.now();
    const cpu = process.cpuUsage(this.cpu);
    const tenths = (x: number) => Math.round(x * 10) / 10;
    const seconds = tenths((now - this.started) / 1000);
    const cpuSeconds = tenths((cpu.user + cpu.system) / 1e6);
    this.list.push({ stage, seconds, cpuSeconds });
    this.step(`${message} (${seconds.toFixed(1)} s; CPU ${cpuSeconds.toFixed(1)} s)`);
    this.started = now;
    this.cpu = process.cpuUsage();
  }
}

/**
 * Pilot's main job on synthetic data, end to end: generate a multi-district rural study, create it
 * (household-randomized, blocked by district and grade band, seed derived from the demo seed so the
 * whole run is reproducible), enroll every district and import its files (the whole school year's
 * daily attendance: the untreated outcomes), randomize, send seven months of monthly summaries with
 * simulated receipts, plant the known effect on the students whose receipts say delivered (imported
 * as attendance corrections), lock a plan, analyze and write the district partner reports.
 */
export async function runDemo(
  db: Db,
  o: DemoOptions,
  actor: string,
  step: DemoStep,
  progress?: ProgressFn,
  /** when the demo began (before the database was opened): `demoStart()` there; default now */
  startedAt: DemoStart = demoStart(),
): Promise<DemoResult> {
  const stages = new Stages(step, startedAt);
  await migrateToLatest(db);
  stages.done('database', 'opened and migrated the database');
  const manifest = await writeSyntheticStudy(o.dataDir, {
    districts: o.districts,
    students: o.students,
    seed: o.seed,
    year: 2025,
    oneroster: o.oneroster,
    exceptions: (o.attendance ?? 'exceptions') === 'exceptions',
  });
  const rows = manifest.districts.reduce((n, d) => n + d.attendanceRows, 0);
  stages.done(
    'synth',
    `generated ${o.students} synthetic students in ${o.districts} rural districts, ${rows} attendance rows (${(o.attendance ?? 'exceptions') === 'exceptions' ? 'exception feeds: days absent, tardy or leaving early' : 'a row per enrolled day'}; seed ${o.seed}) in ${o.dataDir}`,
  );
  const slug = await freeSlug(db, o.slug);
  const studySeed = createHash('sha256').update(`pilot-demo|${o.seed}`).digest('hex').slice(0, 32);
  const study = await createStudy(
    db,
    {
      slug,
      name: `Demo: monthly caregiver messages (${o.districts} districts)`,
      unit: 'household',
      arms: 'control:0.5,treatment:0.5',
      blockBy: 'district,grade_band',
      seed: studySeed,
    },
    actor,
  );
  step(`created study ${study.slug}; seed commitment ${study.seedCommitment}`);
  const districts = readDistrictsCsv(await readFile(join(o.dataDir, 'districts.csv'), 'utf8'));
  const imports: ImportSummary[] = [];
  for (const d of districts) {
    await enrollDistrict(
      db,
      { study: slug, leaid: d.leaid, name: d.name, state: d.state, locale: d.locale, allowNonrural: false },
      actor,
    );
    const dir = join(o.dataDir, d.leaid);
    const files: [RequestedKind, string][] = existsSync(join(dir, 'oneroster.zip'))
      ? [['roster', 'oneroster.zip']]
      : [
          ['schools', 'schools.csv'],
          ['roster', 'students.csv'],
          ['contacts', 'contacts.csv'],
        ];
    files.push(
      ['calendar', 'calendar.csv'],
      ['enrollment', 'enrollment.csv'],
      ['attendance', 'attendance_daily.csv'],
    );
    for (const [kind, name] of files) {
      imports.push(
        await importFile(
          db,
          { study: slug, leaid: d.leaid, kind, path: join(dir, name) },
          actor,
          kind === 'attendance' ? progress : undefined,
        ),
      );
    }
    step(
      `  enrolled ${d.leaid} ${d.name} (${d.state}, locale ${d.locale}) and imported ${files.length} files`,
    );
  }
  stages.done('import', `created the study, enrolled ${districts.length} districts and imported their files`);
  const randomization = await randomizeStudy(db, { study: slug, actor });
  stages.done(
    'randomize',
    `randomized ${randomization.units} households (${randomization.students} students) in ${randomization.blocks.length} blocks`,
  );
  const outreach = await runOutreachDemo(
    db,
    {
      slug,
      dataDir: o.dataDir,
      seed: o.seed,
      arm: 'treatment',
      months: MESSAGE_MONTHS,
      unreachable: UNREACHABLE_CONTACTS,
    },
    actor,
    (m) => step(`  ${m}`),
  );
  stages.done(
    'outreach',
    `sent seven months of messages: ${outreach.messages} (${outreach.delivered} delivered, ${outreach.failed} failed, ${outreach.optedOut} opted out)`,
  );
  const effect: DemoEffectParams = {
    seed: o.seed,
    effect: EFFECT,
    followUpStart: FOLLOW_UP.start,
    followUpEnd: FOLLOW_UP.end,
  };
  const truth = await plantEffect(db, slug, o, effect, actor, imports, progress);
  stages.done(
    'effect',
    `planted the effect: ${truth.reachedStudents} of ${truth.treated} program students had a message delivered; ${truth.removed} absence days removed (${truth.rows} corrected attendance rows imported)`,
  );
  const { counts } = await showStudy(db, slug);
  const analysis = await analyze(db, slug, o, truth, actor, stages);
  return {
    slug,
    dataDir: o.dataDir,
    districts: districts.length,
    imports,
    counts,
    randomization,
    outreach,
    analysis,
    stages: stages.list,
  };
}

interface Truth {
  removed: number;
  rows: number;
  treated: number;
  reachedStudents: number;
}

/** `YYYY-MM-01` of a `YYYY-MM` month. */
const firstDay = (month: string) => `${month}-01`;

/**
 * The effect of the messages: outreach's receipts (through the fidelity service's student doses) say
 * which program students had at least one message delivered and from which month; the effect acts
 * on their absences from then to the end of the follow-up, and the changed days are imported as a
 * corrections file per district.
 */
async function plantEffect(
  db: Db,
  slug: string,
  o: DemoOptions,
  p: DemoEffectParams,
  actor: string,
  imports: ImportSummary[],
  progress?: ProgressFn,
): Promise<Truth> {
  const study = await findStudy(db.kysely, slug);
  const control = study!.arms[0].name;
  const byDistrict = new Map<string, Map<string, string>>();
  let treated = 0;
  let reachedStudents = 0;
  for (const d of await studentDoses(db, slug)) {
    if (d.arm === control) continue;
    treated++;
    if (d.messagesDelivered === 0 || d.firstDeliveredMonth === null) continue;
    reachedStudents++;
    if (!byDistrict.has(d.leaid)) byDistrict.set(d.leaid, new Map());
    byDistrict.get(d.leaid)!.set(d.sisId, firstDay(d.firstDeliveredMonth));
  }
  let removed = 0;
  let rows = 0;
  for (const [leaid, reached] of [...byDistrict].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dir = join(o.dataDir, leaid);
    const daily = await readFile(join(dir, 'attendance_daily.csv'), 'utf8');
    const c = effectCorrections(daily, reached, p, leaid);
    for (const v of c.removed.values()) removed += v;
    rows += c.rows;
    if (c.rows === 0) continue;
    const path = join(dir, 'attendance_corrections.csv');
    await writeFile(path, c.text);
    imports.push(await importFile(db, { study: slug, leaid, kind: 'attendance', path }, actor, progress));
  }
  return { removed, rows, treated, reachedStudents };
}

async function analyze(
  db: Db,
  slug: string,
  o: DemoOptions,
  truth: Truth,
  actor: string,
  stages: Stages,
): Promise<DemoAnalysis> {
  const parsed = parsePlan({
    title: 'Demo analysis plan',
    window: FOLLOW_UP,
    baseline_window: BASELINE,
    estimator: { covariates: ['prior_year_absence_rate', 'baseline_absence_rate'] },
    cost_per_student: { treatment: 4.07 },
  });
  if (!parsed.ok) throw new Error(`demo plan: ${parsed.problems.join('; ')}`);
  await setPlan(db, slug, parsed.plan, actor);
  await lockPlan(db, slug, actor);
  const reportDir = join(o.dataDir, `report-${slug}`);
  const r = await analyzeStudy(db, { study: slug, out: reportDir }, actor);
  const secs = (ms: number) => (ms / 1000).toFixed(1);
  const t = r.timings;
  stages.done(
    'analyze',
    `locked the analysis plan and analyzed (outcomes in SQL and inputs ${secs(t.outcomesMs)} s, estimation ${secs(t.estimationMs)} s, rendering ${secs(t.renderingMs)} s): ${join(reportDir, 'report.html')}`,
  );
  const pick = (estimand: string) => {
    const e = r.report.estimates.find(
      (x) => x.outcome === 'absence_days' && x.estimand === estimand && x.subgroup === null,
    );
    return e && e.estimate !== null
      ? { estimate: e.estimate, confLow: e.conf_low!, confHigh: e.conf_high! }
      : null;
  };
  const leaids = [
    ...new Set(
      r.report.disaggregation
        .filter((d) => d.dimension === 'district' && d.level !== 'all')
        .map((d) => d.level),
    ),
  ];
  // the analysis's load of the study's data and its pooled fits, reused for all the districts' reports
  const written = await writeDistrictReports(
    db,
    { study: slug, leaids, out: join(reportDir, 'districts'), loaded: r.loaded },
    actor,
  );
  const districtReports = written.map((w) => join(w.out, 'report.html'));
  stages.done('district reports', `wrote ${districtReports.length} district partner reports`);
  const treatedAnalyzed =
    r.report.flow.find((f) => f.arm !== r.report.flow[0].arm)?.analyzed ?? truth.treated;
  const trueCace = truth.reachedStudents > 0 ? -truth.removed / truth.reachedStudents : 0;
  return {
    reportDir,
    headline: r.report.headline,
    itt: pick('ITT'),
    cace: pick('CACE'),
    // The sample's true effects: the removed days over the reached students (CACE), and that times
    // the reached share of the analyzed program students (ITT).
    trueItt: treatedAnalyzed > 0 ? (trueCace * truth.reachedStudents) / treatedAnalyzed : 0,
    trueCace,
    reachedShare: truth.treated > 0 ? truth.reachedStudents / truth.treated : 0,
    reachedStudents: truth.reachedStudents,
    treatedStudents: truth.treated,
    absencesRemoved: truth.removed,
    districtReports,
  };
}
