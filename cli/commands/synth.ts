import type { Command } from 'commander';
import { AppError } from '../../errors.ts';
import { writeSyntheticStudy } from '../../synth/synth.service.ts';
import { parseSynthParams } from '../../synth/synth-params.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { option, parseOptions, z } from '../options.ts';
import { progressBar } from '../progress.ts';

const synthSchema = z.object({
  out: option.text,
  districts: option.wholeNumber(),
  students: option.wholeNumber(),
  seed: option.text,
  year: option.wholeNumber(),
  oneroster: option.wholeNumber(),
  exceptions: option.flag,
  json: option.flag,
});

const LAYOUT = `
Writes, in Pilot's import formats:
  DIR/districts.csv                 nces_leaid,name,state,locale_code
  DIR/<leaid>/schools.csv           school_id,nces_id,name
  DIR/<leaid>/students.csv          student_id,school_id,grade,household_id,sex,race_ethnicity,
                                    english_learner,disability,low_income,prior_year_absence_rate
  DIR/<leaid>/contacts.csv          contact_id,student_id,household_id,relationship,first_name,last_name,
                                    phone,email,preferred_language,sms_consent,opt_out_at,opt_out_channel
  DIR/<leaid>/oneroster.zip         instead of the three files above, for the first K districts
                                    (--oneroster K): OneRoster 1.1 bulk CSV
  DIR/<leaid>/calendar.csv          school_id,date,instructional,day_fraction
  DIR/<leaid>/enrollment.csv        student_id,school_id,entry_date,exit_date (blank exit = to year end)
  DIR/<leaid>/attendance_daily.csv  student_id,date,category,absent_fraction,suspension,sis_code
  DIR/manifest.json                 parameters, generator version, counts, chronic-absence share

Rural districts (locales 41-43, one or two towns 31-33) of very different sizes with 1-6 schools,
households of 1-4 siblings, 1-2 caregivers in several languages (with spelling drift), ~180-day
calendars and daily attendance with about 25% of students chronically absent. Everything is
invented (555-01xx phone numbers, example.org e-mail). The same options give byte-identical files.
DIR must be new, empty, or an earlier pilot synth output (which is replaced).

Example:
  pilot synth --out ./synthetic --districts 12 --students 8000 --seed demo --oneroster 3`;

export function registerSynth(program: Command, ctx: CliContext): void {
  program
    .command('synth')
    .description(
      'generate a realistic synthetic multi-district rural study in the import formats (deterministic by seed)',
    )
    .requiredOption('--out <dir>', 'output folder')
    .requiredOption('--districts <n>', 'number of districts (1-100)')
    .requiredOption('--students <m>', 'total students over all districts (at least 20 per district)')
    .requiredOption('--seed <s>', 'seed: the same seed and options give byte-identical files')
    .option('--year <yyyy>', 'calendar year the school year starts in (2025 = school year 2025-26)', '2025')
    .option(
      '--oneroster <k>',
      'the first K districts deliver a OneRoster 1.1 zip instead of schools/students/contacts',
      '0',
    )
    .option(
      '--exceptions',
      'write attendance rows only for days that are not plain present (exception-based feed)',
    )
    .option('--json', 'print the manifest counts as JSON')
    .addHelpText('after', LAYOUT)
    .action(async (raw: unknown) => {
      const { out, json, ...params } = parseOptions(synthSchema, raw);
      const parsed = parseSynthParams(params);
      if (!parsed.ok) throw new AppError('BAD_INPUT', `invalid options: ${parsed.problems.join('; ')}`);
      const progress = progressBar(ctx, 'synth', 'items', 'students');
      const started = performance.now();
      let manifest;
      try {
        manifest = await writeSyntheticStudy(out, parsed.params, (p) =>
          progress.update(
            p.studentsDone,
            p.studentsTotal,
            `${p.attendanceRows.toLocaleString('en-US')} attendance rows`,
          ),
        );
      } finally {
        progress.stop();
      }
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      if (json) {
        printJson(ctx, { out: out, generator: manifest.generator, seconds, counts: manifest.counts });
        return;
      }
      const c = manifest.counts;
      print(ctx, `wrote ${c.districts} districts to ${out} in ${seconds} s`);
      print(
        ctx,
        `  schools ${c.schools}, students ${c.students}, households ${c.households}, contacts ${c.contacts}`,
      );
      print(
        ctx,
        `  calendar rows ${c.calendarRows}, enrollment rows ${c.enrollmentRows}, attendance rows ${c.attendanceRows}`,
      );
      print(
        ctx,
        `  chronically absent ${(c.chronicAbsenceShare * 100).toFixed(1)}% of students enrolled >= 10 days`,
      );
    });
}
