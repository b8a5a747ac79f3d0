import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import Papa from 'papaparse';
import { z } from 'zod';
import { csvToColumns } from '../../analysis/csv-columns.ts';
import { defaultMethod, runEstimate } from '../../analysis/estimate-request.ts';
import { AppError, type InputProblem } from '../../errors.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { armsJson, armsLine, droppedRows, jointJson, jointLine, toJson, toTable } from './estimate-output.ts';

const SE_TYPES = ['classical', 'HC0', 'HC1', 'HC2', 'HC3', 'CR0', 'CR2', 'stata'] as const;
const columnName = z.string().trim().min(1, 'must name a column');

/** The options of `pilot estimate`, validated once here (STYLE.md §8). */
const optionsSchema = z
  .object({
    outcome: columnName,
    treatment: columnName,
    blocks: columnName.optional(),
    clusters: columnName.optional(),
    covariates: z
      .string()
      .optional()
      .transform((s) =>
        s
          ? s
              .split(',')
              .map((c) => c.trim())
              .filter((c) => c !== '')
          : [],
      ),
    method: z.enum(['dim', 'ols', 'lin', 'iv']).optional(),
    received: columnName.optional(),
    seType: z.enum(SE_TYPES).optional(),
    fixedEffects: z
      .string()
      .optional()
      .transform((s) =>
        s
          ? s
              .split(',')
              .map((c) => c.trim())
              .filter((c) => c !== '')
          : [],
      ),
    weights: columnName.optional(),
    alpha: z.coerce.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.05),
    ri: z.coerce
      .number()
      .int('must be a whole number')
      .positive('must be positive')
      .max(1_000_000)
      .optional(),
    seed: z.string().min(1).optional(),
    missingCovariates: z.enum(['drop', 'impute']).default('drop'),
    condition1: z.string().trim().min(1, 'must name an arm').optional(),
    condition2: z.string().trim().min(1, 'must name an arm').optional(),
    pAdjust: z.enum(['holm', 'BH', 'none']).optional(),
    test: z.string().trim().min(1, 'must name terms').optional(),
    json: z.boolean().optional(),
  })
  .refine((o) => o.ri === undefined || o.seed !== undefined, {
    message: '--ri needs --seed (the draws are seeded S|ri|j)',
    path: ['seed'],
  })
  .refine((o) => o.condition2 === undefined || o.condition1 !== undefined, {
    message: 'condition2 needs condition1 (the reference arm it is compared with)',
    path: ['condition1'],
  })
  .refine((o) => o.condition1 === undefined || o.condition1 !== o.condition2, {
    message: 'condition1 and condition2 must be different arms',
    path: ['condition2'],
  });

type EstimateOptions = z.infer<typeof optionsSchema>;

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
    .action(async (file: string, raw: Record<string, unknown>) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) {
        const why = parsed.error.issues
          .map((i) => `--${kebab(String(i.path[0] ?? ''))}: ${i.message}`)
          .join('; ');
        throw new AppError('BAD_INPUT', `invalid options: ${why}`);
      }
      await estimateFile(ctx, file, parsed.data);
    });
}

async function estimateFile(ctx: CliContext, file: string, o: EstimateOptions): Promise<void> {
  const rows = parseCsv(file, await readText(file));
  const read = csvToColumns(
    rows,
    {
      ...o,
      covariates: o.covariates,
      fixedEffects: o.fixedEffects[0],
      additionalFixedEffects: o.fixedEffects.slice(1),
    },
    file,
  );
  if (!read.ok)
    throw new AppError('BAD_INPUT', `${file} cannot be used as given`, { problems: read.problems });
  const method =
    o.method ?? defaultMethod({ covariates: o.covariates.length, received: o.received !== undefined });
  const run = runEstimate(read.columns, {
    method,
    seType: o.seType,
    alpha: o.alpha,
    names: { treatment: o.treatment, received: o.received, blocks: o.blocks },
    ri: o.ri === undefined ? undefined : { sims: o.ri, seed: o.seed! },
    missingCovariates: o.missingCovariates,
    pAdjust: o.pAdjust,
    test: o.test,
  });
  if (!run.ok) throw new AppError('BAD_INPUT', `${file}: ${run.message}`);
  const dropped = droppedRows(read.columns, run, o);
  const result = dropped.warning
    ? { ...run.result, warnings: [dropped.warning, ...run.result.warnings] }
    : run.result;
  if (o.json)
    printJson(ctx, {
      ...toJson(file, result, dropped, run.randomization, o.pAdjust),
      ...armsJson(read.columns.arms),
      ...jointJson(run.jointTest),
    });
  else
    print(
      ctx,
      [
        toTable(result, dropped, run.randomization, o.pAdjust),
        ...armsLine(read.columns.arms),
        ...jointLine(run.jointTest, result.seType),
      ].join('\n'),
    );
}

async function readText(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('NOT_FOUND', `${file}: no such file`);
    throw new AppError('BAD_INPUT', `${file}: cannot be read (${code ?? String(error)})`);
  }
}

function parseCsv(file: string, text: string): string[][] {
  const result = Papa.parse<string[]>(text, { header: false, delimiter: ',', skipEmptyLines: false });
  const problems: InputProblem[] = result.errors
    .filter((e) => e.type === 'Quotes' || e.type === 'Delimiter')
    .map((e) => ({ file, line: (e.row ?? 0) + 1, column: null, reason: e.message }));
  if (problems.length > 0) throw new AppError('BAD_INPUT', `${file} is not valid CSV`, { problems });
  return result.data;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
