import { join } from 'node:path';
import type { Command } from 'commander';
import { runDemo, type DemoResult } from '../../cohorts/demo.service.ts';
import { openDatabase } from '../../db/connection.ts';
import { AppError } from '../../errors.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { describeDatabase } from '../database.ts';
import { progressBar } from '../progress.ts';

function whole(name: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min)
    throw new AppError('BAD_INPUT', `--${name} must be a whole number of at least ${min}, not "${raw}"`);
  return Number(raw);
}

function demoJson(r: DemoResult) {
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
    analysis: {
      report_dir: r.analysis.reportDir,
      headline: r.analysis.headline,
      itt: r.analysis.itt,
      cace: r.analysis.cace,
      true_itt: r.analysis.trueItt,
      true_cace: r.analysis.trueCace,
      reached_share: r.analysis.reachedShare,
      district_reports: r.analysis.districtReports,
    },
  };
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'run a complete synthetic study on the configured database: generate districts, enroll, import baseline attendance, randomize, send seven months of messages (known effect, imperfect delivery), import follow-up attendance, analyze and report',
    )
    .option('--districts <n>', 'rural districts to generate', '8')
    .option('--students <m>', 'students in all', '4000')
    .option('--seed <s>', 'seed of the synthetic data (and of the study, derived from it)', 'pilot-demo')
    .option('--slug <slug>', 'study slug (suffixed -2, -3, … when taken)', 'demo')
    .option('--oneroster <k>', 'districts that deliver a OneRoster zip instead of plain CSVs', '2')
    .option('--out <dir>', 'where the synthetic district files are written (default: <data dir>/demo-data)')
    .option('--json', 'machine-readable summary')
    .action(
      async (o: {
        districts: string;
        students: string;
        seed: string;
        slug: string;
        oneroster: string;
        out?: string;
        json?: boolean;
      }) => {
        const districts = whole('districts', o.districts, 1);
        const options = {
          dataDir: o.out ?? join(ctx.config.dataDir, 'demo-data'),
          districts,
          students: whole('students', o.students, 20 * districts),
          seed: o.seed,
          slug: o.slug,
          oneroster: Math.min(whole('oneroster', o.oneroster, 0), districts),
        };
        const step = (m: string) => (o.json ? undefined : print(ctx, m));
        step(`database: ${describeDatabase(ctx)}`);
        const db = await openDatabase(ctx.config);
        const bar = progressBar(ctx, 'importing attendance');
        let r: DemoResult;
        try {
          r = await runDemo(
            db,
            options,
            ctx.config.actor,
            (m) => {
              bar.stop();
              step(m);
            },
            bar.update,
          );
        } finally {
          bar.stop();
          await db.close();
        }
        if (o.json) return printJson(ctx, demoJson(r));
        const c = r.counts;
        print(ctx, '');
        print(
          ctx,
          `study ${r.slug}: ${c.districts} districts, ${c.schools} schools, ${c.students} students, ${c.households} households, ${c.caregivers} caregivers`,
        );
        print(
          ctx,
          `  ${c.calendarDays} calendar days, ${c.enrollments} enrollment windows, ${c.attendanceDays} daily attendance rows from ${c.imports} files`,
        );
        const rz = r.randomization;
        print(
          ctx,
          `randomized ${rz.units} households (${rz.students} students) in ${rz.blocks.length} district × grade-band blocks`,
        );
        print(ctx, `  assignment SHA-256 ${rz.assignmentSha256}`);
        print(ctx, 'balance (standardized mean differences, WWC bands):');
        for (const b of rz.balanceSummary) {
          const w = b.worst
            ? `; largest |SMD| ${Math.abs(b.worst.smd).toFixed(3)} (${b.worst.covariate}${b.worst.level ? ` = ${b.worst.level}` : ''})`
            : '';
          print(
            ctx,
            `  ${b.arm} vs ${b.control}: ${b.bands.satisfies} satisfy (≤ .05), ${b.bands.requires_adjustment} need adjustment (.05–.25), ${b.bands.fails} fail (> .25)${w}`,
          );
        }
        const a = r.analysis;
        const show = (e: { estimate: number; confLow: number; confHigh: number } | null) =>
          e
            ? `${e.estimate.toFixed(3)} (95 % CI ${e.confLow.toFixed(3)} to ${e.confHigh.toFixed(3)})`
            : 'not estimated';
        print(ctx, '');
        print(ctx, a.headline);
        print(
          ctx,
          `effect on days absent, October–April (${Math.round(a.reachedShare * 100)} % of program households reached):`,
        );
        print(ctx, `  ITT  estimated ${show(a.itt)}; true ${a.trueItt.toFixed(3)}`);
        print(ctx, `  CACE estimated ${show(a.cace)}; true ${a.trueCace.toFixed(3)}`);
        print(ctx, `report: ${join(a.reportDir, 'report.html')}`);
        print(
          ctx,
          `district partner reports: ${a.districtReports.length} under ${join(a.reportDir, 'districts')}`,
        );
        print(
          ctx,
          `next: node bin/pilot.js study show --study ${r.slug}  (also: randomize verify, assignments export; --help lists all)`,
        );
      },
    );
}
