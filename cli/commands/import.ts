import { Option, type Command } from 'commander';
import { importFile, type ImportSummary, type RequestedKind } from '../../cohorts/import.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { progressBar } from '../progress.ts';

const KINDS: Record<RequestedKind, string> = {
  roster:
    'OneRoster 1.1/1.2 bulk CSV zip, or students.csv: student_id,school_id,grade,household_id[,sex,race_ethnicity,english_learner,disability,low_income,prior_year_absence_rate]',
  schools: 'schools.csv: school_id,nces_id,name (before a plain students.csv)',
  contacts:
    'contacts.csv: contact_id,student_id,household_id,relationship,first_name,last_name,phone,email,preferred_language,sms_consent,opt_out_at,opt_out_channel',
  calendar: 'calendar.csv: school_id,date,instructional,day_fraction',
  enrollment: 'enrollment.csv: student_id,school_id,entry_date,exit_date',
  attendance:
    'daily student_id,date,category,absent_fraction,suspension,sis_code, or monthly student_id,month,enrolled_days,absent_days',
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
    sub.action(
      async (
        file: string,
        o: { study: string; district: string; encoding: string; exceptions?: boolean; json?: boolean },
      ) => {
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
                encoding: o.encoding as 'utf-8' | 'windows-1252',
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
      },
    );
  }
}
