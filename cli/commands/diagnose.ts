import type { Command } from 'commander';
import { diagnosePlanFile } from '../../analysis/diagnose.service.ts';
import { AppError } from '../../errors.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { option, parseOptions, z } from '../options.ts';

const schema = z.object({
  plan: option.text,
  districts: option.positiveInteger,
  students: option.positiveInteger,
  effect: option.decimal,
  sims: option.wholeNumber(2, 100_000),
  seed: option.text,
  json: option.flag,
});

export function registerDiagnose(program: Command, ctx: CliContext): void {
  program
    .command('diagnose')
    .description(
      "design diagnosis by simulation: power, bias, RMSE and CI coverage of the plan's primary estimator, for choosing how many districts to enroll",
    )
    .requiredOption('--plan <file>', 'analysis plan (JSON)')
    .requiredOption('--districts <n>', 'districts to enroll')
    .requiredOption('--students <m>', 'students in all')
    .requiredOption('--effect <e>', 'true effect on days absent over the window (negative = fewer absences)')
    .option('--sims <k>', 'simulated studies', '500')
    .option('--seed <s>', 'seed of the simulation', 'pilot-diagnose')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(schema, raw);
      if (o.students < 20 * o.districts) {
        throw new AppError(
          'BAD_INPUT',
          'invalid options: --students: need at least 20 students per district',
        );
      }
      let last = 0;
      const d = await diagnosePlanFile(
        o.plan,
        { districts: o.districts, students: o.students, effect: o.effect, sims: o.sims },
        o.seed,
        (done) => {
          if (o.json || done - last < Math.max(1, Math.floor(o.sims / 10))) return;
          last = done;
          ctx.stderr.write(`simulated ${done} of ${o.sims} studies\n`);
        },
      );
      if (o.json) return printJson(ctx, d);
      const f = (x: { value: number; se: number }, digits = 3) =>
        `${x.value.toFixed(digits)} (simulation SE ${x.se.toFixed(digits)})`;
      print(
        ctx,
        `${o.districts} districts, ${o.students} students, true effect ${o.effect} days; ${d.estimated} of ${d.sims} simulated studies estimated`,
      );
      print(ctx, `  power     ${f(d.power)}`);
      print(ctx, `  bias      ${f(d.bias)}`);
      print(ctx, `  RMSE      ${f(d.rmse)}`);
      print(ctx, `  coverage  ${f(d.coverage)}`);
      print(
        ctx,
        `  mean estimate ${d.meanEstimate.toFixed(3)}, mean standard error ${d.meanStdError.toFixed(3)}`,
      );
    });
}
