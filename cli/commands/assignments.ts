import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { exportAssignments } from '../../assignment/assignment.service.ts';
import { csvField } from '../../assignment/csv-field.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const exportSchema = z.object({
  study: option.slug,
  district: option.leaid.optional(),
  out: option.text.optional(),
  json: option.flag,
});

export const EXPORT_COLUMNS = [
  'unit_key',
  'student_id',
  'district_leaid',
  'block_key',
  'arm',
  'wave',
] as const;

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
      const study = o.study;
      const rows = await withDatabase(ctx, (db) => exportAssignments(db, study, o.district ?? null));
      if (o.json && !o.out) return printJson(ctx, rows);
      const text =
        [
          EXPORT_COLUMNS.join(','),
          ...rows.map((r) => EXPORT_COLUMNS.map((c) => csvField(String(r[c]))).join(',')),
        ].join('\n') + '\n';
      if (!o.out) return void ctx.stdout.write(text);
      writeFileSync(o.out, text, 'utf8');
      if (o.json) printJson(ctx, { study, district: o.district ?? null, rows: rows.length, out: o.out });
      else print(ctx, `wrote ${rows.length} rows to ${o.out}`);
    });
}
