import type { Command } from 'commander';
import { exportAssignmentsCsv } from '../../assignment/assignment-export.service.ts';
import { exportAssignments } from '../../assignment/assignment.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const exportSchema = z.object({
  study: option.slug,
  district: option.leaid.optional(),
  out: option.text.optional(),
  json: option.flag,
});

export function registerAssignments(program: Command, ctx: CliContext): void {
  const assignments = program.command('assignments').description('the locked assignment table');
  assignments
    .command('export')
    .description(
      'CSV unit_key,student_id,district_leaid,block_key,arm,wave (one row per student; wave = when the student joined)',
    )
    .option('--study <slug>', 'study slug')
    .option('--district <leaid>', 'only this district (7-digit NCES LEAID)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--json', 'print a summary as JSON (with --out) or the rows as JSON')
    .action(async (raw: unknown) => {
      const o = parseOptions(exportSchema, raw);
      const request = { study: o.study, district: o.district ?? null, out: o.out ?? null };
      if (o.json && !o.out) {
        const rows = await withDatabase(ctx, (db) => exportAssignments(db, o.study, request.district));
        return printJson(ctx, rows);
      }
      const e = await withDatabase(ctx, (db) => exportAssignmentsCsv(db, request));
      if (e.text !== null) return void ctx.stdout.write(e.text);
      if (o.json) printJson(ctx, { study: e.study, district: e.district, rows: e.rows, out: e.out });
      else print(ctx, `wrote ${e.rows} rows to ${e.out}`);
    });
}
