import { Option, type Command } from 'commander';
import type { Db } from '../../db/connection.ts';
import { exportAlerts, exportMonth, exportTasks, type ExportResult } from '../../outreach/export.service.ts';
import { fidelityReport, type FidelityReport } from '../../outreach/fidelity.service.ts';
import {
  generateAlerts,
  generateMonth,
  type GenerateProgress,
  type GenerateResult,
} from '../../outreach/messages.service.ts';
import {
  importReceipts,
  importVisits,
  type OutreachImportSummary,
} from '../../outreach/outreach-import.service.ts';
import { PROGRAM_KINDS } from '../../outreach/program-config.ts';
import { addTemplate, setProgram } from '../../outreach/program.service.ts';
import { TEMPLATE_PURPOSES } from '../../outreach/templates.ts';
import { visitWorklist } from '../../outreach/worklist.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';
import { progressBar } from '../progress.ts';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const out = z.string().min(1).optional();

const programSchema = z.object({
  study: option.slug,
  arm: option.text,
  program: z.enum(PROGRAM_KINDS),
  config: z.string().min(1).optional(),
  json: option.flag,
});
const templateSchema = z.object({
  study: option.slug,
  purpose: z.enum(TEMPLATE_PURPOSES),
  language: option.text,
  maxSegments: option.wholeNumber(1, 10),
  json: option.flag,
});
const monthGenerateSchema = z.object({
  study: option.slug,
  month,
  district: option.leaid.optional(),
  json: option.flag,
});
const monthExportSchema = z.object({
  study: option.slug,
  month,
  district: option.leaid,
  out,
  json: option.flag,
});
const alertsGenerateSchema = z.object({
  study: option.slug,
  through: day,
  district: option.leaid.optional(),
  json: option.flag,
});
const alertRunExportSchema = z.object({
  study: option.slug,
  through: day,
  from: day.optional(),
  district: option.leaid,
  out,
  json: option.flag,
});
const worklistSchema = z.object({
  study: option.slug,
  district: option.leaid,
  through: day.optional(),
  out,
  json: option.flag,
});
const fidelitySchema = z.object({ study: option.slug, json: option.flag });
const importSchema = z.object({
  study: option.slug,
  district: option.leaid,
  encoding: z.enum(['utf-8', 'windows-1252']),
  json: option.flag,
});

/** A progress bar on stderr (a terminal only) for a generation run: reads, then district by district. */
function generationProgress(ctx: CliContext, label: string): { update: GenerateProgress; stop: () => void } {
  const bar = progressBar(ctx, label, 'items', 'steps');
  return { update: (done, total, detail) => bar.update(done, total, detail), stop: bar.stop };
}

function printRun(ctx: CliContext, what: string, r: GenerateResult): void {
  for (const d of r.districts) {
    if (d.status === 'already_generated') {
      print(ctx, `${d.leaid}: ${what} ${r.period} already generated (batch ${d.batchId}); nothing changed`);
      if (d.revised > 0)
        ctx.stderr.write(
          `warning: ${d.leaid}: attendance changed after ${r.period} was settled: ${d.revised} ${what === 'alerts' ? 'absence day(s) not alerted' : 'student(s) whose absences differ from the messages sent'}; not re-messaged\n`,
        );
      continue;
    }
    if (d.status === 'no_attendance') {
      print(ctx, `${d.leaid}: no attendance in ${r.period}; nothing generated`);
      continue;
    }
    print(
      ctx,
      `${d.leaid}: batch ${d.batchId}: ${d.messages} messages${what === 'alerts' ? `, ${d.alerts} alerts, ${d.tasks} staff tasks` : ''}`,
    );
    for (const [arm, s] of Object.entries(d.byArm))
      print(
        ctx,
        `  ${arm}: ${s.studentsEligible} students; contacts skipped: ${s.contactsOptedOut} opted out, ${s.contactsNoConsent} without consent, ${s.contactsNoValidChannel} without a valid channel; ${s.contactsInvalidPhone} invalid phone numbers; ${s.languageFallbacks} English fallbacks`,
      );
    if (d.revised > 0)
      ctx.stderr.write(
        `warning: ${d.leaid}: ${d.revised} absence day(s) arrived for days already settled; not alerted\n`,
      );
  }
}

function printExport(ctx: CliContext, r: ExportResult, json?: boolean): void {
  if (json)
    printJson(ctx, {
      kind: r.kind,
      district: r.leaid,
      rows: r.rows,
      newly_exported: r.newlyExported,
      file: r.path,
    });
  else if (r.path)
    print(
      ctx,
      `${r.path}: ${r.rows} ${r.kind === 'tasks' ? 'tasks' : 'messages'}${r.kind === 'tasks' ? '' : ` (${r.newlyExported} newly exported)`}`,
    );
  else ctx.stdout.write(r.text);
}

function printImport(ctx: CliContext, s: OutreachImportSummary, json?: boolean): void {
  if (json) {
    printJson(ctx, {
      kind: s.kind,
      file: s.file,
      sha256: s.sha256,
      status: s.status,
      import_id: s.importId,
      rows_read: s.rowsRead,
      inserted: s.inserted,
      replaced: s.replaced,
      messages_updated: s.messagesUpdated,
      caregivers_opted_out: s.caregiversOptedOut,
      warnings: s.warnings,
    });
    return;
  }
  if (s.status === 'already_imported') {
    print(ctx, `${s.file}: already imported (import #${s.importId}); nothing changed`);
    return;
  }
  print(
    ctx,
    s.kind === 'receipts'
      ? `${s.file}: ${s.rowsRead} receipts; ${s.messagesUpdated} messages updated; ${s.caregiversOptedOut} caregivers opted out`
      : `${s.file}: ${s.rowsRead} visits; ${s.inserted} inserted, ${s.replaced} replaced (previous values kept)`,
  );
  for (const w of s.warnings)
    ctx.stderr.write(
      `warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}${w.count > 1 ? ` (${w.count} rows)` : ''}\n`,
    );
}

function printFidelity(ctx: CliContext, f: FidelityReport): void {
  if (f.contamination.length > 0)
    for (const c of f.contamination)
      ctx.stderr.write(
        `ALARM: ${c.leaid} arm ${c.arm}: ${c.students} control student(s) contacted (${c.messages} messages)\n`,
      );
  print(
    ctx,
    `fidelity of ${f.study}: contamination ${f.contamination.length === 0 ? '0 (no control student contacted)' : 'ALARM'}`,
  );
  print(
    ctx,
    'month    district arm          eligible messaged messages delivered failed opted_out | skipped: opted_out no_consent no_channel invalid_phone fallback',
  );
  for (const r of f.rows)
    print(
      ctx,
      `${r.month}  ${r.leaid}  ${r.arm.padEnd(12)} ${String(r.studentsEligible).padStart(8)} ${String(r.studentsMessaged).padStart(8)} ${String(r.messages).padStart(8)} ${String(r.delivered).padStart(9)} ${String(r.failed).padStart(6)} ${String(r.optedOut).padStart(9)} | ${r.contactsOptedOut} ${r.contactsNoConsent} ${r.contactsNoValidChannel} ${r.contactsInvalidPhone} ${r.languageFallbacks}`,
    );
  for (const a of f.alerts)
    print(
      ctx,
      `${a.month}  ${a.leaid}  ${a.arm}: ${a.alerts} ${a.kind} alert(s)${a.tier ? ` tier ${a.tier}` : ''}, ${a.tasks} staff task(s)`,
    );
  for (const v of f.visits)
    print(
      ctx,
      `${v.month}  ${v.leaid}  ${v.arm}: ${v.visits} ${v.modality} visit(s) to ${v.students} student(s)`,
    );
}

/** `pilot alerts export` and `pilot tasks export`: the same flags, over the alert runs through a day. */
function alertRunExport(
  ctx: CliContext,
  command: Command,
  description: string,
  run: (
    db: Db,
    input: { study: string; district: string; through: string; from?: string; out?: string },
  ) => Promise<ExportResult>,
): void {
  command
    .description(description)
    .requiredOption('--study <slug>', 'study slug')
    .requiredOption('--through <YYYY-MM-DD>', 'day of the alert run')
    .option('--from <YYYY-MM-DD>', 'include runs from this day')
    .requiredOption('--district <leaid>', 'district LEAID')
    .option('--out <file>', 'write here (default: standard output)')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(alertRunExportSchema, raw);
      const r = await withDatabase(ctx, (db) =>
        run(db, { study: o.study, district: o.district, through: o.through, from: o.from, out: o.out }),
      );
      printExport(ctx, r, o.json);
    });
}

export function registerOutreach(program: Command, ctx: CliContext): void {
  program
    .command('program')
    .description('the program each arm receives')
    .command('set')
    .description('set what an arm receives (refused once a batch of its program was generated; audited)')
    .requiredOption('--study <slug>', 'study slug')
    .requiredOption('--arm <arm>', 'arm name')
    .addOption(new Option('--program <kind>', 'program').choices([...PROGRAM_KINDS]).makeOptionMandatory())
    .option('--config <file>', 'JSON configuration (defaults apply to what it leaves out)')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(programSchema, raw);
      const p = await withDatabase(ctx, (db) =>
        setProgram(
          db,
          { study: o.study, arm: o.arm, program: o.program, configPath: o.config },
          ctx.config.actor,
        ),
      );
      if (o.json) printJson(ctx, { arm: p.arm, program: p.kind, version: p.version, config: p.config });
      else
        print(
          ctx,
          `${o.study}: arm ${p.arm} receives ${p.kind} (version ${p.version}) ${JSON.stringify(p.config)}`,
        );
    });

  program
    .command('template')
    .description('message templates per study and language')
    .command('add <file>')
    .description('save a new version of a template from a text file (placeholders and SMS length checked)')
    .requiredOption('--study <slug>', 'study slug')
    .addOption(
      new Option('--purpose <purpose>', 'what it is for')
        .choices([...TEMPLATE_PURPOSES])
        .makeOptionMandatory(),
    )
    .requiredOption('--language <code>', 'ISO 639 language code, e.g. vi')
    .option('--max-segments <n>', 'SMS segments allowed with the longest expected values', '4')
    .option('--json', 'machine-readable output')
    .action(async (file: string, raw: unknown) => {
      const o = parseOptions(templateSchema, raw);
      const t = await withDatabase(ctx, (db) =>
        addTemplate(
          db,
          {
            study: o.study,
            purpose: o.purpose,
            language: o.language,
            path: file,
            maxSegments: o.maxSegments,
          },
          ctx.config.actor,
        ),
      );
      if (o.json)
        printJson(ctx, {
          purpose: t.purpose,
          language: t.language,
          version: t.version,
          encoding: t.encoding,
        });
      else
        print(
          ctx,
          `saved ${t.purpose} template in ${t.language}, version ${t.version} (${t.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'})`,
        );
    });

  const messages = program.command('messages').description('monthly summaries: generate and export');
  messages
    .command('generate')
    .description(
      "generate a month's summaries for every district (once per district and month); progress on stderr",
    )
    .requiredOption('--study <slug>', 'study slug')
    .requiredOption('--month <YYYY-MM>', 'the month whose absences are reported')
    .option('--district <leaid>', 'only this district')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(monthGenerateSchema, raw);
      const bar = generationProgress(ctx, `generating ${o.month}`);
      const r = await withDatabase(ctx, (db) =>
        generateMonth(
          db,
          { study: o.study, month: o.month, district: o.district },
          ctx.config.actor,
          bar.update,
        ),
      ).finally(bar.stop);
      if (o.json) printJson(ctx, r);
      else printRun(ctx, 'month', r);
    });
  messages
    .command('export')
    .description("a district's summaries of a month as the SIS message-center CSV (never the arm)")
    .requiredOption('--study <slug>', 'study slug')
    .requiredOption('--month <YYYY-MM>', 'month')
    .requiredOption('--district <leaid>', 'district LEAID')
    .option('--out <file>', 'write here (default: standard output)')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(monthExportSchema, raw);
      const r = await withDatabase(ctx, (db) =>
        exportMonth(
          db,
          { study: o.study, month: o.month, district: o.district, out: o.out },
          ctx.config.actor,
        ),
      );
      printExport(ctx, r, o.json);
    });

  const alerts = program.command('alerts').description('absence alerts and threshold escalations');
  alerts
    .command('generate')
    .description(
      'generate alerts, escalation messages and staff tasks through a day (once per district and day); progress on stderr',
    )
    .requiredOption('--study <slug>', 'study slug')
    .requiredOption('--through <YYYY-MM-DD>', 'last attendance day covered')
    .option('--district <leaid>', 'only this district')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(alertsGenerateSchema, raw);
      const bar = generationProgress(ctx, `generating alerts through ${o.through}`);
      const r = await withDatabase(ctx, (db) =>
        generateAlerts(
          db,
          { study: o.study, through: o.through, district: o.district },
          ctx.config.actor,
          bar.update,
        ),
      ).finally(bar.stop);
      if (o.json) printJson(ctx, r);
      else printRun(ctx, 'alerts', r);
    });
  alertRunExport(
    ctx,
    alerts.command('export'),
    'alert messages of the runs through a day (or --from … --through) as the message-center CSV',
    (db, input) => exportAlerts(db, input, ctx.config.actor),
  );
  alertRunExport(
    ctx,
    program.command('tasks').description('staff tasks of threshold escalations').command('export'),
    'staff tasks (advisor, counselor, attendance team; MTSS tier) of the alert runs through a day',
    (db, input) => exportTasks(db, input),
  );

  program
    .command('visits')
    .description('home visits')
    .command('worklist')
    .description('chronically absent students of the home-visit arms, by school (CSV)')
    .requiredOption('--study <slug>', 'study slug')
    .requiredOption('--district <leaid>', 'district LEAID')
    .option('--through <YYYY-MM-DD>', 'school year to this day (default: last attendance day)')
    .option('--out <file>', 'write here (default: standard output)')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(worklistSchema, raw);
      const r = await withDatabase(ctx, (db) =>
        visitWorklist(db, { study: o.study, district: o.district, through: o.through, out: o.out }),
      );
      if (o.json) printJson(ctx, { district: r.leaid, from: r.from, through: r.through, students: r.rows });
      else if (o.out)
        print(ctx, `${o.out}: ${r.rows.length} students (school year ${r.from} to ${r.through})`);
      else ctx.stdout.write(r.text);
    });

  program
    .command('fidelity')
    .description(
      'what was delivered: by month, district and arm; alerts by tier; visits; contamination alarm',
    )
    .requiredOption('--study <slug>', 'study slug')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(fidelitySchema, raw);
      const f = await withDatabase(ctx, (db) => fidelityReport(db, o.study));
      if (o.json) printJson(ctx, f);
      else printFidelity(ctx, f);
    });

  const imp = program.commands.find((c) => c.name() === 'import');
  if (!imp) throw new Error('registerOutreach must follow registerImport');
  const kinds = {
    receipts: {
      help: 'receipts.csv: message_id,status,status_at[,provider_ref] (delivered | failed | opted_out; STOP-style replies opt out the number)',
      run: importReceipts,
    },
    visits: {
      help: 'visits.csv: student_id,visit_date,modality,personnel[,barriers] (in_person|virtual|phone; school|community; barriers ;-separated)',
      run: importVisits,
    },
  };
  for (const [kind, k] of Object.entries(kinds))
    imp
      .command(`${kind} <file>`)
      .description(k.help)
      .requiredOption('--study <slug>', 'study slug')
      .requiredOption('--district <leaid>', "the district's 7-digit NCES LEAID")
      .addOption(
        new Option('--encoding <name>', 'text encoding of the file')
          .choices(['utf-8', 'windows-1252'])
          .default('utf-8'),
      )
      .option('--json', 'machine-readable output')
      .action(async (file: string, raw: unknown) => {
        const o = parseOptions(importSchema, raw);
        const s = await withDatabase(ctx, (db) =>
          k.run(
            db,
            { study: o.study, leaid: o.district, path: file, encoding: o.encoding },
            ctx.config.actor,
          ),
        );
        printImport(ctx, s, o.json);
      });
}
