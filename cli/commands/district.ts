import type { Command } from 'commander';
import { enrollDistrict } from '../../cohorts/study.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';

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
    .requiredOption('--locale <code>', 'NCES locale code (e.g. 42 = rural distant)', (v) => Number(v))
    .option('--allow-nonrural', 'enroll a city or suburban district anyway')
    .option('--json', 'machine-readable output')
    .action(
      async (o: {
        study: string;
        leaid: string;
        name: string;
        state: string;
        locale: number;
        allowNonrural?: boolean;
        json?: boolean;
      }) => {
        const { district: d, warnings } = await withDatabase(ctx, (db) =>
          enrollDistrict(db, o, ctx.config.actor),
        );
        if (o.json)
          printJson(ctx, {
            leaid: d.leaid,
            name: d.name,
            state: d.state,
            locale_code: d.localeCode,
            warnings,
          });
        else {
          print(ctx, `enrolled ${d.leaid} ${d.name} (${d.state}, locale ${d.localeCode}) in ${o.study}`);
          for (const w of warnings) ctx.stderr.write(`warning: ${w}\n`);
        }
      },
    );
}
