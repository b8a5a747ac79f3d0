/**
 * `npm run bench -- report [--districts N] [--students M] [--postgres]`: from imported data to a
 * finished report. Generates a synthetic study (default the national-pilot scale of issue 13: 50
 * districts, 100,000 students, ~18 million daily attendance rows), imports it, randomizes, sets a
 * plan, then times `pilot analyze`: outcome building (SQL), estimation and rendering, with peak memory.
 * PGlite by default (in a temporary directory); --postgres uses a scratch database on DATABASE_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlan } from '../analysis/analysis-plan.ts';
import { setPlan } from '../analysis/plan.service.ts';
import { randomizeStudy } from '../assignment/assignment.service.ts';
import { createStudy, enrollDistrict } from '../cohorts/study.service.ts';
import { importFile, type RequestedKind } from '../cohorts/imports/import.service.ts';
import { readDistrictsCsv } from '../synth/district-files.ts';
import { writeSyntheticStudy } from '../synth/synth.service.ts';
import { openMemoryDatabase, type Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openScratchPostgres } from '../db/scratch-database.ts';
import { analyzeStudy } from '../reports/report.service.ts';
import { readFile } from 'node:fs/promises';

function option(args: string[], name: string, fallback: number): number {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? Number(args[k + 1]) : fallback;
}

export async function run(args: string[]): Promise<void> {
  const districts = option(args, 'districts', 50);
  const students = option(args, 'students', 100_000);
  const postgres = args.includes('--postgres');
  const dir = mkdtempSync(join(tmpdir(), 'pilot-bench-report-'));
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  let db: Db | null = null;
  try {
    console.log(`generating ${students} students in ${districts} districts …`);
    await writeSyntheticStudy(dir, {
      districts,
      students,
      seed: 'bench-report',
      year: 2025,
      oneroster: 0,
      exceptions: false,
    });
    db = postgres
      ? await openScratchPostgres(process.env.DATABASE_URL!, 'pilot_bench')
      : await openMemoryDatabase();
    await migrateToLatest(db);
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
    for (const d of readDistrictsCsv(await readFile(join(dir, 'districts.csv'), 'utf8'))) {
      await enrollDistrict(
        db,
        {
          study: 'bench',
          leaid: d.leaid,
          name: d.name,
          state: d.state,
          locale: d.locale,
          allowNonrural: false,
        },
        'bench',
      );
      const files: [RequestedKind, string][] = [
        ['schools', 'schools.csv'],
        ['roster', 'students.csv'],
        ['contacts', 'contacts.csv'],
        ['calendar', 'calendar.csv'],
        ['enrollment', 'enrollment.csv'],
        ['attendance', 'attendance_daily.csv'],
      ];
      for (const [kind, name] of files)
        await importFile(
          db,
          { study: 'bench', leaid: d.leaid, kind, path: join(dir, d.leaid, name) },
          'bench',
        );
    }
    await randomizeStudy(db, { study: 'bench', actor: 'bench' });
    console.log(
      `imported and randomized in ${((performance.now() - t0) / 1000).toFixed(1)} s (not part of the goal)`,
    );
    const plan = parsePlan({ window: { start: '2025-10-01', end: '2026-04-30' } });
    if (!plan.ok) throw new Error(plan.problems.join('; '));
    await setPlan(db, 'bench', plan.plan, 'bench');
    const t1 = performance.now();
    const r = await analyzeStudy(db, { study: 'bench', out: join(dir, 'report') }, 'bench');
    const total = performance.now() - t1;
    console.log(`database                 ${db.dialect}`);
    console.log(`outcome building (SQL)   ${(r.timings.outcomesMs / 1000).toFixed(2)} s`);
    console.log(`estimation               ${(r.timings.estimationMs / 1000).toFixed(2)} s`);
    console.log(`rendering                ${(r.timings.renderingMs / 1000).toFixed(2)} s`);
    console.log(
      `analyze in all           ${(total / 1000).toFixed(2)} s (goal: 10 s PostgreSQL, 30 s PGlite)`,
    );
    console.log(`peak memory (RSS)        ${(peak / 2 ** 20).toFixed(0)} MB (goal: < 2048 MB)`);
  } finally {
    clearInterval(sample);
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
