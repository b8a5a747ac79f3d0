/**
 * `npm run bench -- outreach [--students 108000] [--districts 50] [--db both|postgres|pglite] [--month 2025-10] [--keep]`
 *
 * Issue 11: one month's summaries and a school year's alerts for a national-pilot-sized study (the
 * import benchmark's synthetic data set, about 18 million daily rows for 108,000 students), generated
 * and exported on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a fresh
 * database is created and dropped) and on PGlite (on disk in a temp folder). Arms: control, monthly
 * summaries, threshold alerts. Prints the time of each step and peak memory. Goal: a month under 5 s on
 * PostgreSQL and under 15 s on PGlite.
 *
 * `--keep` keeps the loaded database between runs (PostgreSQL database pilot_bench_outreach_kept, PGlite
 * folder pilot-bench-outreach-kept in the temp folder): a later run with --keep skips the load and
 * randomization, clears the generated outreach and generates again (contacts set aside by an
 * earlier run stay set aside, so its month has no refused first pass); `--keep --load-only` only loads. Drop it by hand when done.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { randomizeStudy } from '../assignment/assignment.service.ts';
import { createStudy } from '../cohorts/study.service.ts';
import { readDistrictsCsv } from '../synth/district-files.ts';
import { generateSettingAside } from '../outreach/demo-outreach.service.ts';
import { exportAlerts, exportMonth, exportTasks } from '../outreach/export.service.ts';
import { generateAlerts, generateMonth } from '../outreach/messages.service.ts';
import { setProgram } from '../outreach/program.service.ts';
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
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

/** With --keep: a database kept between runs (loaded once), by name or folder. */
const KEPT_POSTGRES = 'pilot_bench_outreach_kept';
const KEPT_PGLITE = join(tmpdir(), 'pilot-bench-outreach-kept');

/** Whether a kept database already holds the randomized bench study; if so, its outreach is cleared. */
async function reuseKept(db: Db): Promise<boolean> {
  const r = await sql<{ status: string }>`SELECT status FROM study WHERE slug = 'bench'`.execute(db.kysely);
  if (r.rows[0]?.status !== 'randomized') return false;
  // All five at once: migration 014 refuses truncating a table still referenced by another's rows.
  await sql`TRUNCATE message_receipt, message, staff_task, alert, message_batch; ANALYZE message`.execute(
    db.kysely,
  );
  return true;
}

async function openBenchDb(kind: BenchDbKind, keep: boolean): Promise<Db> {
  return keep ? openKeptBenchDb(kind, KEPT_POSTGRES, KEPT_PGLITE) : openFreshBenchDb(kind);
}

async function timed<T>(label: string, fn: () => Promise<T>, times: Record<string, number>): Promise<T> {
  peakRss = process.memoryUsage().rss;
  const t = performance.now();
  const r = await fn();
  times[label] = (performance.now() - t) / 1000;
  times[`${label} peak MB`] = Math.round(peakRss / 1e6);
  return r;
}

async function runOn(
  kind: 'postgres' | 'pglite',
  dir: string,
  districts: { leaid: string; name: string; state: string; locale: number }[],
  month: string,
  keep: boolean,
  loadOnly = false,
) {
  const db = await openBenchDb(kind, keep);
  const times: Record<string, number> = {};
  const quiet = () => {};
  try {
    await migrateToLatest(db);
    if (!(keep && (await reuseKept(db)))) await load(db, kind, dir, districts, times);
    // What autovacuum does soon after an import (it vacuums tables that took many inserts): marks the
    // new pages all-visible, so the absence-day index (migration 011) is read without the table.
    await timed('vacuum analyze (as autovacuum would)', () => sql`VACUUM ANALYZE`.execute(db.kysely), times);
    if (loadOnly) return { kind, times, messages: 0, alerts: 0, tasks: 0, setAside: 0 };
    await setProgram(db, { study: 'bench', arm: 'summary', program: 'monthly_summary' }, 'bench');
    await setProgram(db, { study: 'bench', arm: 'alerts', program: 'threshold_alerts' }, 'bench');
    const m = await timed(
      `generate month ${month}`,
      () =>
        generateSettingAside(
          db,
          'bench',
          () => generateMonth(db, { study: 'bench', month }, 'bench'),
          'bench',
          quiet,
        ),
      times,
    );
    await timed(
      'export month (all districts)',
      async () => {
        for (const d of districts)
          await exportMonth(db, { study: 'bench', district: d.leaid, month }, 'bench');
      },
      times,
    );
    const through = '2026-06-30';
    const a = await timed(
      `generate alerts through ${through}`,
      () =>
        generateSettingAside(
          db,
          'bench',
          () => generateAlerts(db, { study: 'bench', through }, 'bench'),
          'bench',
          quiet,
        ),
      times,
    );
    await timed(
      'export alerts and tasks (all districts)',
      async () => {
        for (const d of districts) {
          await exportAlerts(db, { study: 'bench', district: d.leaid, through }, 'bench');
          await exportTasks(db, { study: 'bench', district: d.leaid, through });
        }
      },
      times,
    );
    const messages = m.run.districts.reduce((n, d) => n + d.messages, 0);
    const alerts = a.run.districts.reduce((n, d) => n + d.alerts, 0);
    const tasks = a.run.districts.reduce((n, d) => n + d.tasks, 0);
    return { kind, times, messages, alerts, tasks, setAside: m.setAside + a.setAside };
  } finally {
    await db.close();
  }
}

/** Creates the bench study, loads every district's files and randomizes. */
async function load(
  db: Db,
  kind: 'postgres' | 'pglite',
  dir: string,
  districts: { leaid: string; name: string; state: string; locale: number }[],
  times: Record<string, number>,
): Promise<void> {
  {
    await createStudy(
      db,
      {
        slug: 'bench',
        name: 'Bench',
        unit: 'household',
        arms: 'control:0.333334,summary:0.333333,alerts:0.333333',
        blockBy: 'district',
      },
      'bench',
    );
    await timed(
      'load (roster … attendance)',
      () => enrollAndImportDistricts(db, kind, dir, districts),
      times,
    );
    await timed('randomize', () => randomizeStudy(db, { study: 'bench', actor: 'bench' }), times);
  }
}

export async function run(args: string[]): Promise<void> {
  const students = Number(option(args, 'students', '108000'));
  const districtCount = Number(option(args, 'districts', '50'));
  const which = option(args, 'db', 'both');
  const month = option(args, 'month', '2025-10');
  const dir = await benchDataset(students, districtCount);
  const districts = readDistrictsCsv(await readFile(join(dir, 'districts.csv'), 'utf8'));
  const keep = args.includes('--keep');
  const kinds = (which === 'both' ? ['postgres', 'pglite'] : [which]) as ('postgres' | 'pglite')[];
  for (const k of kinds) {
    const r = await runOn(k, dir, districts, month, keep, args.includes('--load-only'));
    console.log(
      `\n${r.kind}: ${districts.length} districts, ${students.toLocaleString('en-US')} students (node ${process.version}); ${r.messages.toLocaleString('en-US')} summaries, ${r.alerts.toLocaleString('en-US')} alerts, ${r.tasks.toLocaleString('en-US')} staff tasks; ${r.setAside} contacts set aside (shared with control families)`,
    );
    for (const [label, v] of Object.entries(r.times))
      if (!label.endsWith('peak MB'))
        console.log(
          `  ${label.padEnd(40)} ${`${v.toFixed(1)} s`.padStart(9)}   peak RSS ${mb(r.times[`${label} peak MB`] * 1e6)}`,
        );
  }
}
