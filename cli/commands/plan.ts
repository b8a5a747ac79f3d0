import type { Command } from 'commander';
import { lockPlan, readPlanFile, setPlan, showPlan, type PlanView } from '../../analysis/plan.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const schema = z.object({ study: option.slug, json: option.flag });

function planJson(v: PlanView) {
  return {
    study: v.study,
    version: v.version,
    sha256: v.sha256,
    locked: v.locked,
    locked_at: v.lockedAt?.toISOString() ?? null,
    ...(v.changed === undefined ? {} : { changed: v.changed }),
    plan: v.plan,
  };
}

function describe(v: PlanView): string {
  const p = v.plan;
  return [
    `analysis plan version ${v.version} of ${v.study} (${v.locked ? `locked ${v.lockedAt!.toISOString()}` : 'not locked'}); SHA-256 ${v.sha256}`,
    `  window ${p.window.start} … ${p.window.end}; primary ${p.outcomes.primary.join(', ')}; secondary ${p.outcomes.secondary.join(', ') || 'none'}`,
    `  estimator ${p.estimator.method}${p.estimator.method === 'lin' ? ` (${p.estimator.covariates.join(', ')}${p.estimator.block_indicators ? ', block indicators' : ''})` : ''}, ${p.estimator.se_type} by ${p.estimator.cluster}; alpha ${p.alpha}`,
    `  subgroups ${p.subgroups.join(', ') || 'none'} (${p.multiple_testing.subgroups}); arm contrasts ${p.multiple_testing.arm_contrasts}`,
  ].join('\n');
}

export function registerPlan(program: Command, ctx: CliContext): void {
  const plan = program
    .command('plan')
    .description("a study's pre-registered analysis plan (set, lock, show)");
  plan
    .command('set')
    .description(
      'store a new version of the analysis plan from a JSON file (refused once a version is locked)',
    )
    .argument('<file>', 'the plan, JSON (see reports/README.md for the fields and defaults)')
    .requiredOption('--study <slug>', 'study')
    .option('--json', 'machine-readable output')
    .action(async (file: string, raw: unknown) => {
      const o = parseOptions(schema, raw);
      const body = await readPlanFile(file);
      const v = await withDatabase(ctx, (db) => setPlan(db, o.study, body, ctx.config.actor));
      if (o.json) return printJson(ctx, planJson(v));
      print(ctx, `${v.changed ? 'stored' : 'unchanged:'} ${describe(v)}`);
    });
  plan
    .command('lock')
    .description(
      'lock the latest version: it can never change, and estimates outside it are labelled exploratory',
    )
    .requiredOption('--study <slug>', 'study')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(schema, raw);
      const v = await withDatabase(ctx, (db) => lockPlan(db, o.study, ctx.config.actor));
      if (o.json) return printJson(ctx, planJson(v));
      print(ctx, `locked ${describe(v)}`);
    });
  plan
    .command('show')
    .description('show the latest version of the plan with every default filled in')
    .requiredOption('--study <slug>', 'study')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(schema, raw);
      const v = await withDatabase(ctx, (db) => showPlan(db, o.study));
      if (o.json) return printJson(ctx, planJson(v));
      print(ctx, describe(v));
    });
}
