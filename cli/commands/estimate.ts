import type { Command } from 'commander';
import { estimateFile, type EstimateFileResult } from '../../analysis/estimate-file.service.ts';
import { estimateJson } from '../../analysis/estimate-json.ts';
import { armsLine, jointLine, toTable } from '../../analysis/estimate-output.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { option, parseOptions, z } from '../options.ts';

const SE_TYPES = ['classical', 'HC0', 'HC1', 'HC2', 'HC3', 'CR0', 'CR2', 'stata'] as const;
const columnName = option.text.pipe(z.string().min(1, 'must name a column'));

/** The options of `pilot estimate`, validated once here (STYLE.md §8). */
const optionsSchema = z
  .object({
    outcome: columnName,
    treatment: columnName,
    blocks: columnName.optional(),
    clusters: columnName.optional(),
    covariates: option.list,
    method: z.enum(['dim', 'ols', 'lin', 'iv']).optional(),
    received: columnName.optional(),
    seType: z.enum(SE_TYPES).optional(),
    fixedEffects: option.list,
    weights: columnName.optional(),
    missingCovariates: z.enum(['drop', 'impute']).default('drop'),
    condition1: option.text.pipe(z.string().min(1, 'must name an arm')).optional(),
    condition2: option.text.pipe(z.string().min(1, 'must name an arm')).optional(),
    pAdjust: z.enum(['holm', 'BH', 'none']).optional(),
    test: option.text.pipe(z.string().min(1, 'must name terms')).optional(),
    alpha: option.decimal.pipe(z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)')),
    ri: option.wholeNumber(1, 1_000_000).optional(),
    seed: option.text.optional(),
    json: option.flag,
  })
  .refine((o) => o.ri === undefined || o.seed !== undefined, {
    message: '`ri` needs `seed` (the draws are seeded S|ri|j)',
    path: ['seed'],
  })
  .refine((o) => o.condition2 === undefined || o.condition1 !== undefined, {
    message: '`condition2` needs `condition1` (the reference arm it is compared with)',
    path: ['condition1'],
  })
  .refine((o) => o.condition1 === undefined || o.condition1 !== o.condition2, {
    message: '`condition1` and `condition2` must be different arms',
    path: ['condition2'],
  });

export function registerEstimate(program: Command, ctx: CliContext): void {
  program
    .command('estimate')
    .description(
      'estimate a treatment effect from any CSV file (estimatr conventions: HC2, CR2 with clusters)',
    )
    .argument('<file>', 'CSV file with a header row')
    .requiredOption('--outcome <column>', 'outcome column; rows where it is missing are dropped and counted')
    .requiredOption('--treatment <column>', 'assignment column, 0/1')
    .option('--blocks <column>', 'block column (difference in means, Lin)')
    .option('--clusters <column>', 'cluster column, e.g. household')
    .option('--covariates <columns>', 'comma-separated covariate columns (non-numeric ones are categorical)')
    .option(
      '--method <method>',
      'dim | ols | lin | iv (default: iv with --received, lin with covariates, else dim)',
    )
    .option('--received <column>', 'treatment received, 0/1, instrumented by assignment (--method iv)')
    .option('--se-type <type>', `${SE_TYPES.join(' | ')} (default HC2, or CR2 with clusters)`)
    .option(
      '--fixed-effects <columns>',
      'absorbed fixed effects, one column or several comma-separated (--method ols; estimatr fixed_effects = ~a + b)',
    )
    .option(
      '--weights <column>',
      'observation weights (non-negative), normalised by their mean as estimatr; every method',
    )
    .option(
      '--condition1 <arm>',
      'reference (control) arm of a treatment column of arm names (default: the first in sorted order)',
    )
    .option('--condition2 <arm>', 'the arm compared with --condition1; rows of other arms are left out')
    .option(
      '--p-adjust <method>',
      "with more than two arms: holm | BH | none, adjusting the arms' p-values (R's p.adjust)",
    )
    .option(
      '--test <terms>',
      'joint Wald F test that these terms are all zero (comma-separated names or prefixes, e.g. "z:grade_band")',
    )
    .option('--alpha <number>', 'one minus the confidence level', '0.05')
    .option(
      '--ri <n>',
      'randomization inference with n draws (exact when the design has at most n assignments)',
    )
    .option('--seed <seed>', 'seed S of the randomization-inference draws')
    .option(
      '--missing-covariates <how>',
      'drop (default, as estimatr) | impute: numeric covariates of lin/ols mean-imputed with a missingness indicator',
    )
    .option('--json', 'machine-readable output')
    .action(async (file: string, raw: unknown) => {
      const { json, ri, seed, ...o } = parseOptions(optionsSchema, raw);
      const e = await estimateFile({
        ...o,
        file,
        ri: ri === undefined ? undefined : { sims: ri, seed: seed! },
      });
      if (json) printJson(ctx, estimateJson(e));
      else print(ctx, table(e));
    });
}

/** The estimate as a table in the style of R's `tidy()`, with the design, the rows dropped, arms and joint test. */
function table(e: EstimateFileResult): string {
  return [
    toTable(e.result, e.dropped, e.randomization, e.pAdjust),
    ...armsLine(e.arms),
    ...jointLine(e.jointTest, e.result.seType),
  ].join('\n');
}
