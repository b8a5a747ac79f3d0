import type { Command } from 'commander';
import { enrollDistrict } from '../../cohorts/study.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { flagsInMessage, option, parseOptions, z } from '../options.ts';

const enrollSchema = z.object({
  study: option.slug,
  // the service explains a LEAID that lost its leading zero, so the text goes through as given
  leaid: option.text,
  name: option.text,
  state: option.text,
  locale: option.wholeNumber(0, 99),
  allowNonrural: option.flag,
  json: option.flag,
});

export function registerDistrict(program: Command, ctx: CliContext): void {
  const district = program.command('district').description('enroll districts in a study');
  district
    .command('enroll')
    .description(
      'enroll a district: rural locales 41–43; towns 31–33 with a warning; others need --allow-nonrural',
    )
    .requiredOption('--study <slug>', 'study slug')
    .requiredOption('--leaid <7digits>', 'NCES LEAID, 7 digits, leading zeros kept')
    .requiredOption('--name <name>', 'district name')
    .requiredOption('--state <XX>', 'state postal code')
    .requiredOption('--locale <code>', 'NCES locale code (e.g. 42 = rural distant)')
    .option('--allow-nonrural', 'enroll a city or suburban district anyway')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown, command: Command) => {
      const { json, ...input } = parseOptions(enrollSchema, raw);
      const { district: d, warnings } = await withDatabase(ctx, (db) =>
        enrollDistrict(db, input, ctx.config.actor),
      );
      if (json)
        printJson(ctx, {
          leaid: d.leaid,
          name: d.name,
          state: d.state,
          locale_code: d.localeCode,
          warnings,
        });
      else {
        print(ctx, `enrolled ${d.leaid} ${d.name} (${d.state}, locale ${d.localeCode}) in ${input.study}`);
        for (const w of warnings) ctx.stderr.write(`warning: ${flagsInMessage(w, command)}\n`);
      }
    });
}
