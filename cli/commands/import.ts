import { Option, type Command } from 'commander';
import { FORMATS, optionalColumns, type CsvFormat } from '../../cohorts/imports/import-formats.ts';
import { importFile, type ImportSummary, type RequestedKind } from '../../cohorts/imports/import.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';
import { progressBar } from '../progress.ts';

const importSchema = z.object({
  study: option.slug,
  // the service explains a LEAID that lost its leading zero, so the text goes through as given
  district: option.text,
  encoding: z.enum(['utf-8', 'windows-1252']),
  exceptions: option.flag,
  json: option.flag,
});

/** A format's columns for --help: required ones first, optional ones in brackets. */
function columns(f: CsvFormat): string {
  const optional = optionalColumns(f);
  return `${f.required.join(',')}${optional.length ? `[,${optional.join(',')}]` : ''}`;
}

const KINDS: Record<RequestedKind, string> = {
  roster: `OneRoster 1.1/1.2 bulk CSV zip, or students.csv: ${columns(FORMATS.students)}`,
  schools: `schools.csv: ${columns(FORMATS.schools)} (before a plain students.csv)`,
  contacts: `contacts.csv: ${columns(FORMATS.contacts)}`,
  calendar: `calendar.csv: ${columns(FORMATS.calendar)}`,
  enrollment: `enrollment.csv: ${columns(FORMATS.enrollment)}`,
  attendance: `daily ${columns(FORMATS.attendanceDaily)}, or monthly ${columns(FORMATS.attendanceMonthly)} (told apart by the header)`,
};

function summaryJson(s: ImportSummary) {
  return {
    kind: s.kind,
    file: s.file,
    sha256: s.sha256,
    status: s.status,
    import_id: s.importId,
    rows_read: s.rowsRead,
    inserted: s.inserted,
    replaced: s.replaced,
    unchanged: s.unchanged,
    warnings: s.warnings.map((w) => ({ message: w.message, count: w.count, file: w.file, line: w.line })),
  };
}

export function printImportSummary(ctx: CliContext, s: ImportSummary): void {
  if (s.status === 'already_imported') {
    print(
      ctx,
      `${s.file}: already imported (same SHA-256 ${s.sha256.slice(0, 12)}…, import #${s.importId}); nothing changed`,
    );
    return;
  }
  print(
    ctx,
    `${s.file}: ${s.kind} — ${s.rowsRead} rows read; ${s.inserted} inserted, ${s.replaced} replaced (previous values kept), ${s.unchanged} unchanged`,
  );
  for (const w of s.warnings)
    ctx.stderr.write(
      `warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}${w.count > 1 ? ` (${w.count} rows)` : ''}\n`,
    );
}

export function registerImport(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('import')
    .description(
      'import a district file (one transaction; a bad file changes nothing; the same file twice changes nothing)',
    );
  for (const [kind, help] of Object.entries(KINDS) as [RequestedKind, string][]) {
    const sub = cmd
      .command(`${kind} <file>`)
      .description(help)
      .requiredOption('--study <slug>', 'study slug')
      .requiredOption('--district <leaid>', "the district's 7-digit NCES LEAID")
      .addOption(
        new Option('--encoding <name>', 'text encoding of the file (windows-1252 for legacy exports)')
          .choices(['utf-8', 'windows-1252'])
          .default('utf-8'),
      )
      .option('--json', 'machine-readable output');
    if (kind === 'attendance')
      sub.option('--exceptions', 'the daily file lists only absences (present days implied by the calendar)');
    sub.action(async (file: string, raw: unknown) => {
      const o = parseOptions(importSchema, raw);
      const bar = progressBar(ctx, `importing ${kind}`);
      try {
        const summary = await withDatabase(ctx, (db) =>
          importFile(
            db,
            {
              study: o.study,
              leaid: o.district,
              kind,
              path: file,
              exceptions: o.exceptions,
              encoding: o.encoding,
            },
            ctx.config.actor,
            bar.update,
          ),
        );
        bar.stop();
        if (o.json) printJson(ctx, summaryJson(summary));
        else printImportSummary(ctx, summary);
      } finally {
        bar.stop();
      }
    });
  }
}
