import type { Command } from 'commander';
import { analyzeStudy, districtReport } from '../../reports/report.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const analyzeSchema = z.object({
  study: option.slug,
  out: option.text,
  exportAnalysisTable: option.flag,
  json: option.flag,
});

const reportSchema = z.object({
  study: option.slug,
  district: option.leaid,
  out: option.text,
  json: option.flag,
});

export function registerAnalyze(program: Command, ctx: CliContext): void {
  program
    .command('analyze')
    .description(
      "estimate the study's effects as its analysis plan says and write report.json, report.html and tables/*.csv",
    )
    .requiredOption('--study <slug>', 'study')
    .requiredOption('--out <dir>', 'output directory (created; files in it are replaced)')
    .option(
      '--export-analysis-table',
      'also write the student-level analysis table of each arm contrast (no identifiers), to re-run with pilot estimate',
    )
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(analyzeSchema, raw);
      const step = (m: string) => (o.json ? undefined : ctx.stderr.write(`${m}\n`));
      const r = await withDatabase(ctx, (db) =>
        analyzeStudy(
          db,
          { study: o.study, out: o.out, exportAnalysisTable: o.exportAnalysisTable },
          ctx.config.actor,
          step,
        ),
      );
      if (o.json)
        return printJson(ctx, {
          out: r.out,
          files: r.files,
          report_sha256: r.reportSha256,
          audit_head: r.auditHead,
          headline: r.report.headline,
        });
      print(ctx, r.report.headline);
      print(ctx, `wrote ${r.files.length} files to ${r.out} (report.json SHA-256 ${r.reportSha256})`);
      print(ctx, `open ${r.out}/report.html`);
    });
  program
    .command('report')
    .description(
      "write a district partner's report: that district's results and the pooled study estimate, suppressed",
    )
    .requiredOption('--study <slug>', 'study')
    .requiredOption('--district <leaid>', 'the district (7-digit NCES LEAID)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(reportSchema, raw);
      const step = (m: string) => (o.json ? undefined : ctx.stderr.write(`${m}\n`));
      const r = await withDatabase(ctx, (db) =>
        districtReport(db, { study: o.study, leaid: o.district, out: o.out }, ctx.config.actor, step),
      );
      if (o.json) return printJson(ctx, { out: r.out, files: r.files, report_sha256: r.reportSha256 });
      print(ctx, `wrote ${r.files.length} files to ${r.out}; open ${r.out}/report.html`);
    });
}
