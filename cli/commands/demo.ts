import { join } from 'node:path';
import type { Command } from 'commander';
import { runDemo, type DemoResult } from '../../demo/demo.service.ts';
import { openDatabase } from '../../db/connection.ts';
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
    out: option.text.optional(),
    json: option.flag,
  })
  .refine((o) => o.students >= 20 * o.districts, {
    path: ['students'],
    message: 'must be at least 20 per district',
  });

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
  };
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'run a complete synthetic study on the configured database: generate districts, enroll, import, randomize',
    )
    .option('--districts <n>', 'rural districts to generate', '8')
    .option('--students <m>', 'students in all', '4000')
    .option('--seed <s>', 'seed of the synthetic data (and of the study, derived from it)', 'pilot-demo')
    .option('--slug <slug>', 'study slug (suffixed -2, -3, … when taken)', 'demo')
    .option('--oneroster <k>', 'districts that deliver a OneRoster zip instead of plain CSVs', '2')
    .option('--out <dir>', 'where the synthetic district files are written (default: <data dir>/demo-data)')
    .option('--json', 'machine-readable summary')
    .action(async (raw: unknown) => {
      const o = parseOptions(demoSchema, raw);
      const options = {
        dataDir: o.out ?? join(ctx.config.dataDir, 'demo-data'),
        districts: o.districts,
        students: o.students,
        seed: o.seed,
        slug: o.slug,
        oneroster: Math.min(o.oneroster, o.districts),
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
      print(
        ctx,
        `next: node bin/pilot.js study show --study ${r.slug}  (also: randomize verify, assignments export; --help lists all)`,
      );
    });
}
