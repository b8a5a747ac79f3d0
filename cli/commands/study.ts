import type { Command } from 'commander';
import { allStudies, createStudy, showStudy } from '../../cohorts/study.service.ts';
import { programsOf } from '../../outreach/program.service.ts';
import { studyJson, studyShowJson } from '../../cohorts/study-json.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const createSchema = z.object({
  slug: option.text,
  name: option.text,
  unit: option.text,
  arms: option.text,
  blockBy: z.string(),
  seed: option.text.optional(),
  json: option.flag,
});
const showSchema = z.object({ study: option.slug, json: option.flag });
const listSchema = z.object({ json: option.flag });

export function registerStudy(program: Command, ctx: CliContext): void {
  const study = program.command('study').description('create, show and list studies');

  study
    .command('create')
    .description('create a study; only the SHA-256 commitment of its seed is shown until randomization')
    .requiredOption('--slug <slug>', 'short identifier, e.g. liftup-2026')
    .requiredOption('--name <name>', 'descriptive name')
    .requiredOption('--unit <unit>', 'unit of randomization: student | household | school')
    .requiredOption('--arms <arms>', 'arms and probabilities, e.g. control:0.5,treatment:0.5')
    .option(
      '--block-by <vars>',
      'comma-separated block variables: district, school, grade, grade_band, prior_absence_tercile, english_learner, low_income',
      '',
    )
    .option('--seed <hex>', '128-bit seed as hex (generated from crypto randomness when omitted)')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const { json, ...input } = parseOptions(createSchema, raw);
      const s = await withDatabase(ctx, (db) => createStudy(db, input, ctx.config.actor));
      if (json) printJson(ctx, studyJson(s));
      else {
        print(
          ctx,
          `created study ${s.slug} (${s.unit}-randomized; arms ${s.arms.map((a) => `${a.name} ${a.probability}`).join(', ')})`,
        );
        print(ctx, `seed commitment (SHA-256 of the seed, publish it now): ${s.seedCommitment}`);
      }
    });

  study
    .command('show')
    .description('show a study, its districts and counts of everything imported')
    .requiredOption('--study <slug>', 'study slug')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(showSchema, raw);
      const {
        study: s,
        districts,
        counts,
        programs,
      } = await withDatabase(ctx, async (db) => ({
        ...(await showStudy(db, o.study)),
        programs: (await programsOf(db, o.study)).programs,
      }));
      if (o.json) {
        printJson(ctx, {
          ...studyShowJson({ study: s, districts, counts }),
          programs: programs.map((p) => ({
            arm: p.arm,
            program: p.kind,
            version: p.version,
            config: p.config,
          })),
        });
        return;
      }
      print(ctx, `${s.slug}: ${s.name} [${s.status}]`);
      print(
        ctx,
        `  unit ${s.unit}; arms ${s.arms.map((a) => `${a.name} ${a.probability}`).join(', ')}; block by ${s.blockBy.join(', ') || '(none)'}`,
      );
      print(
        ctx,
        `  algorithm ${s.algorithm}; seed commitment ${s.seedCommitment}${s.seed ? `; seed ${s.seed}` : ' (seed sealed until randomization)'}`,
      );
      print(
        ctx,
        `  ${counts.districts} districts, ${counts.schools} schools, ${counts.students} students, ${counts.households} households, ${counts.caregivers} caregivers`,
      );
      print(
        ctx,
        `  ${counts.calendarDays} calendar days, ${counts.enrollments} enrollment windows, ${counts.attendanceDays} daily and ${counts.attendanceMonths} monthly attendance rows (${counts.imports} files imported)`,
      );
      for (const a of s.arms) {
        const p = programs.find((x) => x.arm === a.name);
        print(
          ctx,
          `  arm ${a.name}: ${p ? `${p.kind} v${p.version} ${JSON.stringify(p.config)}` : 'no program (receives nothing)'}`,
        );
      }
      for (const d of districts) print(ctx, `  - ${d.leaid} ${d.name}, ${d.state} (locale ${d.localeCode})`);
    });

  study
    .command('list')
    .description('list studies')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(listSchema, raw);
      const studies = await withDatabase(ctx, (db) => allStudies(db));
      if (o.json) printJson(ctx, studies.map(studyJson));
      else if (studies.length === 0) print(ctx, 'no studies yet (pilot study create --help)');
      else for (const s of studies) print(ctx, `${s.slug}\t${s.status}\t${s.unit}\t${s.name}`);
    });
}
