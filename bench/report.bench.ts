/**
 * `npm run bench -- report [--students 108000] [--districts 50] [--db postgres|pglite] [--no-outreach] [--district-reports N] [--only outcomes] [--keep NAME]`
 *
 * Issue 13: a national-pilot-scale study from imported data to a finished report. Loads the import
 * benchmark's synthetic data set (50 districts, 108,000 students, about 18 million daily attendance
 * rows; generated into bench/.data on first use), imports it, randomizes, runs the study's outreach
 * (monthly summaries to the treatment arm, every month generated, exported, receipts simulated and
 * imported, as the demo does), sets a plan, and then times `pilot analyze` (what the goal is about):
 * outcome building (SQL, with the outreach doses and fidelity), estimation and rendering, with peak
 * memory; then N district partner reports from the analysis's load and pooled fits (default 5).
 * PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a fresh database is
 * created and dropped) or PGlite (on disk in a temp folder).
 * Goal: analyze under 10 s on PostgreSQL and under 30 s on PGlite, memory under 2 GB.
 *
 * `--only outcomes` times outcome building alone (the window and baseline student-month panels in SQL,
 * then the whole input load with outreach and event-study inputs), without estimating or rendering.
 * `--keep NAME` keeps the loaded database for later runs (PostgreSQL database NAME, or PGlite folder NAME
 * in the temp folder): a later run with the same NAME finds the randomized study and its plan and skips
 * the load and the outreach. Drop it by hand when done (DROP DATABASE NAME, or remove the folder).
 */
import { sql } from 'kysely';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlan } from '../analysis/analysis-plan.ts';
import { setPlan } from '../analysis/plan.service.ts';
import { randomizeStudy } from '../assignment/assignment.service.ts';
import { createStudy } from '../cohorts/study.service.ts';
import type { Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { runOutreachDemo } from '../outreach/demo-outreach.service.ts';
import { analyzeStudy, districtReports, loadReportInputs } from '../reports/report.service.ts';
import { readDistrictsCsv } from '../synth/district-files.ts';
import {
  benchDataset,
  enrollAndImportDistricts,
  openFreshBenchDb,
  openKeptBenchDb,
  option,
  type BenchDbKind,
} from './bench-db.ts';

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
sampler.unref();
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Whether a kept database already holds the bench study, randomized and with its plan. */
async function loadedAlready(db: Db): Promise<boolean> {
  const r = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM study s JOIN analysis_plan p ON p.study_id = s.id
    WHERE s.slug = 'bench' AND s.status = 'randomized'`.execute(db.kysely);
  return (r.rows[0]?.n ?? 0) > 0;
}

async function openBenchDb(kind: BenchDbKind, keep: string | null): Promise<Db> {
  return keep ? openKeptBenchDb(kind, keep, join(tmpdir(), keep)) : openFreshBenchDb(kind);
}

export async function run(args: string[]): Promise<void> {
  const students = Number(option(args, 'students', '108000'));
  const districtCount = Number(option(args, 'districts', '50'));
  const kind = option(args, 'db', 'postgres') as 'postgres' | 'pglite';
  if (kind !== 'postgres' && kind !== 'pglite') throw new Error('--db is postgres or pglite');
  const outreach = !args.includes('--no-outreach');
  const districtReportCount = Number(option(args, 'district-reports', '5'));
  const only = option(args, 'only', '');
  if (only !== '' && only !== 'outcomes') throw new Error('--only outcomes');
  const keep = option(args, 'keep', '') || null;
  const dir = await benchDataset(students, districtCount);
  const districts = readDistrictsCsv(await readFile(join(dir, 'districts.csv'), 'utf8'));
  const work = await mkdtemp(join(tmpdir(), 'pilot-bench-report-'));
  const db = await openBenchDb(kind, keep);
  try {
    await migrateToLatest(db);
    if (keep && (await loadedAlready(db)))
      console.log(`${kind}: kept database ${keep} holds the loaded study`);
    else await load(db, kind, dir, districts, work, outreach);
    if (only === 'outcomes') return await outcomesOnly(db, kind);
    peakRss = process.memoryUsage().rss;
    const t1 = performance.now();
    const r = await analyzeStudy(db, { study: 'bench', out: join(work, 'report') }, 'bench', (m) =>
      console.log(`  ${s(performance.now() - t1).padStart(8)}  ${m}`),
    );
    const total = performance.now() - t1;
    const analyzePeak = peakRss;
    console.log(
      `\n${kind}: ${districts.length} districts, ${r.report.flow.reduce((n, f) => n + f.randomized, 0)} students (node ${process.version})`,
    );
    console.log(`  outcome building (SQL, doses, fidelity, panels)  ${s(r.timings.outcomesMs).padStart(9)}`);
    console.log(
      `  estimation                                       ${s(r.timings.estimationMs).padStart(9)}`,
    );
    console.log(`  rendering and writing                            ${s(r.timings.renderingMs).padStart(9)}`);
    console.log(
      `  analyze in all                                   ${s(total).padStart(9)}   (goal: 10 s PostgreSQL, 30 s PGlite)`,
    );
    console.log(
      `  peak memory (RSS) during analyze                 ${mb(analyzePeak).padStart(9)}   (goal: < 2048 MB)`,
    );
    if (districtReportCount > 0) {
      const leaids = districts.slice(0, districtReportCount).map((d) => d.leaid);
      const t2 = performance.now();
      await districtReports(
        db,
        { study: 'bench', leaids, out: join(work, 'districts'), loaded: r.loaded },
        'bench',
      );
      console.log(
        `  ${leaids.length} district reports (analyze's load and fits)${' '.repeat(5)}${s(performance.now() - t2).padStart(9)}   peak RSS ${mb(peakRss)}`,
      );
    }
    console.log(`  uptime: ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);
  } finally {
    await db.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Imports the data set, randomizes, runs the study's outreach and sets the plan. */
async function load(
  db: Db,
  kind: 'postgres' | 'pglite',
  dir: string,
  districts: ReturnType<typeof readDistrictsCsv>,
  work: string,
  outreach: boolean,
): Promise<void> {
  const t0 = performance.now();
  await createStudy(
    db,
    {
      slug: 'bench',
      name: 'Bench',
      unit: 'household',
      arms: 'control:0.5,treatment:0.5',
      blockBy: 'district,grade_band',
      seed: '0123456789abcdef0123456789abcdef',
    },
    'bench',
  );
  await enrollAndImportDistricts(db, kind, dir, districts);
  await randomizeStudy(db, { study: 'bench', actor: 'bench' });
  console.log(`imported and randomized in ${s(performance.now() - t0)} (not part of the goal)`);
  if (outreach) {
    const t = performance.now();
    const o = await runOutreachDemo(
      db,
      { slug: 'bench', dataDir: work, seed: 'bench-report', arm: 'treatment' },
      'bench',
      (m) => process.stdout.write(`\r  ${m.slice(0, 100).padEnd(100)}`),
    );
    process.stdout.write('\n');
    console.log(
      `outreach: ${o.messages} messages over ${o.months.length} months, ${o.delivered} delivered, in ${s(performance.now() - t)} (not part of the goal)`,
    );
  }
  const plan = parsePlan({
    window: { start: '2025-10-01', end: '2026-04-30' },
    baseline_window: { start: '2025-08-01', end: '2025-09-30' },
    estimator: { covariates: ['prior_year_absence_rate', 'baseline_absence_rate'] },
    cost_per_student: { treatment: 4.07 },
  });
  if (!plan.ok) throw new Error(plan.problems.join('; '));
  await setPlan(db, 'bench', plan.plan, 'bench');
}

/** `--only outcomes`: the panels alone, then the whole input load, each timed with its peak memory. */
async function outcomesOnly(db: Db, kind: 'postgres' | 'pglite'): Promise<void> {
  peakRss = process.memoryUsage().rss;
  const t = performance.now();
  const loaded = await loadReportInputs(db, 'bench', (m) =>
    console.log(`  ${s(performance.now() - t).padStart(8)}  ${m}`),
  );
  console.log(`\n${kind}: ${loaded.inputs.students.length} students (node ${process.version})`);
  console.log(`  window and baseline panels (SQL)                 ${s(loaded.panelsMs).padStart(9)}`);
  console.log(
    `  outcome building (SQL, doses, fidelity, panels)  ${s(loaded.outcomesMs).padStart(9)}   peak RSS ${mb(peakRss)}`,
  );
  console.log(`  uptime: ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);
}
