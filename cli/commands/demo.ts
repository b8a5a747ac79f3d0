import { join } from 'node:path';
import type { Command } from 'commander';
import { demoJson } from '../../demo/demo-json.ts';
import { demoStart, runDemo, type DemoResult } from '../../demo/demo.service.ts';
import { openDatabaseFromTemplate } from '../../db/connection.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { describeDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';
import { progressBar } from '../progress.ts';

const demoSchema = z
  .object({
    districts: option.wholeNumber(1),
    students: option.wholeNumber(),
    seed: option.text,
    slug: option.text,
    oneroster: option.wholeNumber(),
    attendance: z.enum(['exceptions', 'daily']),
    out: option.text.optional(),
    json: option.flag,
  })
  .refine((o) => o.students >= 20 * o.districts, {
    path: ['students'],
    message: 'must be at least 20 per district',
  });

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'run a complete synthetic study on the configured database: generate rural districts (students in households, a school year of attendance), enroll them and import every file, randomize households, send seven months of monthly messages (October to April) with simulated receipts (imperfect delivery), plant a known effect on the absences of the program students whose receipts say delivered, analyze, and write report.html and each district partner report; prints a line with the seconds of each stage, and the estimated ITT and CACE beside the true values',
    )
    .option('--districts <n>', 'rural districts to generate', '10')
    .option('--students <m>', 'students in all (at least 20 per district)', '20000')
    .option('--seed <s>', 'seed of the synthetic data (and of the study, derived from it)', 'pilot-demo')
    .option('--slug <slug>', 'study slug (suffixed -2, -3, … when taken)', 'demo')
    .option('--oneroster <k>', 'districts that deliver a OneRoster zip instead of plain CSVs', '2')
    .option(
      '--attendance <feed>',
      'attendance files: "exceptions" (only days absent, tardy or leaving early; enrolled days come from the calendar and enrollment windows) or "daily" (a row for every enrolled day, about eight times as many rows)',
      'exceptions',
    )
    .option('--out <dir>', 'where the synthetic district files are written (default: <data dir>/demo-data)')
    .option('--json', 'machine-readable summary')
    .action(async (raw: unknown) => {
      const startedAt = demoStart();
      const o = parseOptions(demoSchema, raw);
      const options = {
        dataDir: o.out ?? join(ctx.config.dataDir, 'demo-data'),
        districts: o.districts,
        students: o.students,
        seed: o.seed,
        slug: o.slug,
        oneroster: Math.min(o.oneroster, o.districts),
        attendance: o.attendance,
      };
      const step = (m: string) => (o.json ? undefined : print(ctx, m));
      step(`database: ${describeDatabase(ctx)}`);
      const db = await openDatabaseFromTemplate(ctx.config);
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
          startedAt,
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
        `  ${c.calendarDays} calendar days, ${c.enrollments} enrollment windows, ${c.attendanceDays} attendance rows from ${c.imports} files`,
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
      const m = r.outreach;
      print(
        ctx,
        `outreach: ${m.messages} monthly summaries over ${m.months.length} months (${m.delivered} delivered, ${m.failed} failed, ${m.optedOut} opted out by STOP); control students contacted: ${m.contamination}; files in ${m.dir}`,
      );
      const a = r.analysis;
      const show = (e: { estimate: number; confLow: number; confHigh: number } | null) =>
        e
          ? `${e.estimate.toFixed(3)} (95 % CI ${e.confLow.toFixed(3)} to ${e.confHigh.toFixed(3)})`
          : 'not estimated';
      print(ctx, '');
      print(ctx, a.headline);
      print(
        ctx,
        `effect on days absent, October–April (${a.reachedStudents} of ${a.treatedStudents} program students, ${Math.round(a.reachedShare * 100)} %, had a message delivered):`,
      );
      print(ctx, `  ITT  estimated ${show(a.itt)}; true ${a.trueItt.toFixed(3)}`);
      print(ctx, `  CACE estimated ${show(a.cace)}; true ${a.trueCace.toFixed(3)}`);
      print(ctx, `report: ${join(a.reportDir, 'report.html')}`);
      print(
        ctx,
        `seconds by stage, wall (CPU): ${r.stages.map((x) => `${x.stage} ${x.seconds.toFixed(1)} (${x.cpuSeconds.toFixed(1)})`).join(', ')}; total ${r.stages.reduce((n, x) => n + x.seconds, 0).toFixed(1)} (${r.stages.reduce((n, x) => n + x.cpuSeconds, 0).toFixed(1)})`,
      );
      print(
        ctx,
        `district partner reports: ${a.districtReports.length} under ${join(a.reportDir, 'districts')}`,
      );
      print(
        ctx,
        `next: node bin/pilot.js fidelity --study ${r.slug}  (also: study show, randomize verify, assignments export; --help lists all)`,
      );
    });
}
