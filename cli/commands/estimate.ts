import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import Papa from 'papaparse';
import { z } from 'zod';
import { csvToColumns, type ColumnSpec, type EstimationColumnsOutcome } from '../../analysis/csv-columns.ts';
import { csvColumnsFromBytes } from '../../analysis/csv-columns-bytes.ts';
import { defaultMethod, runEstimate, type RandomizationSummary } from '../../analysis/estimate-request.ts';
import type { EstimateResult } from '../../analysis/types.ts';
import { AppError, type InputProblem } from '../../errors.ts';
import { print, printJson, type CliContext } from '../context.ts';

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
    fixedEffects: columnName.optional(),
    alpha: z.coerce.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.05),
    ri: z.coerce
      .number()
      .int('must be a whole number')
      .positive('must be positive')
      .max(1_000_000)
      .optional(),
    seed: z.string().min(1).optional(),
    json: z.boolean().optional(),
  })
  .refine((o) => o.ri === undefined || o.seed !== undefined, {
    message: '--ri needs --seed (the draws are seeded S|ri|j)',
    path: ['seed'],
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
    .option('--fixed-effects <column>', 'absorbed fixed effects (--method ols)')
    .option('--alpha <number>', 'one minus the confidence level', '0.05')
    .option(
      '--ri <n>',
      'randomization inference with n draws (exact when the design has at most n assignments)',
    )
    .option('--seed <seed>', 'seed S of the randomization-inference draws')
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
  const read = await readColumns(file, { ...o, covariates: o.covariates });
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
  });
  if (!run.ok) throw new AppError('BAD_INPUT', run.message);
  const dropped = { outcome: read.columns.droppedMissingOutcome, covariates: run.droppedMissingCovariates };
  if (o.json) printJson(ctx, toJson(file, run.result, dropped, run.randomization));
  else print(ctx, toTable(run.result, dropped, run.randomization));
}

/** The byte reader decides plain files; anything else goes to the general reader (same result). */
async function readColumns(file: string, spec: ColumnSpec): Promise<EstimationColumnsOutcome> {
  let bytes = await readBytes(file);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const fast = csvColumnsFromBytes(bytes, spec);
  if (fast) return { ok: true, columns: fast };
  const text = new TextDecoder('utf-8').decode(bytes);
  return csvToColumns(parseCsv(file, text), spec, file);
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
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

function toJson(
  file: string,
  r: EstimateResult,
  dropped: { outcome: number; covariates: number },
  ri: RandomizationSummary | null,
) {
  return {
    file,
    design: r.design,
    se_type: r.seType,
    n: r.n,
    n_treatment: r.nTreatment,
    n_control: r.nControl,
    n_blocks: r.nBlocks,
    n_clusters: r.nClusters,
    dropped_missing_outcome: dropped.outcome,
    dropped_missing_covariates: dropped.covariates,
    terms: r.terms.map((t) => ({
      term: t.term,
      estimate: t.estimate,
      std_error: t.stdError,
      statistic: t.statistic,
      df: t.df,
      p_value: t.pValue,
      conf_low: t.confLow,
      conf_high: t.confHigh,
    })),
    warnings: r.warnings.map((w) => ({ code: w.code, message: w.message })),
    ...(r.firstStage
      ? {
          first_stage: {
            f_statistic: r.firstStage.value,
            num_df: r.firstStage.numDf,
            den_df: r.firstStage.denDf,
            p_value: r.firstStage.pValue,
          },
        }
      : {}),
    ...(ri
      ? {
          randomization_inference: {
            term: ri.term,
            exact: ri.exact,
            assignments: ri.assignments,
            seed: ri.seed,
            p_value: ri.pValue,
            conf_low: ri.confLow,
            conf_high: ri.confHigh,
          },
        }
      : {}),
  };
}

function toTable(
  r: EstimateResult,
  dropped: { outcome: number; covariates: number },
  ri: RandomizationSummary | null,
): string {
  const fmt = (x: number) =>
    Number.isFinite(x)
      ? Math.abs(x) < 1e-4 && x !== 0
        ? x.toExponential(3)
        : String(Number(x.toPrecision(7)))
      : String(x);
  const header = ['term', 'estimate', 'std.error', 'statistic', 'df', 'p.value', 'conf.low', 'conf.high'];
  const body = r.terms.map((t) => [
    t.term,
    ...[t.estimate, t.stdError, t.statistic, t.df, t.pValue, t.confLow, t.confHigh].map(fmt),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((row) => row[k].length)));
  const line = (cells: string[]) =>
    cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  const arms = r.nTreatment === null ? '' : ` (${r.nTreatment} treated, ${r.nControl} control)`;
  const groups = [
    r.nBlocks === null ? '' : `, ${r.nBlocks} blocks`,
    r.nClusters === null ? '' : `, ${r.nClusters} clusters`,
  ].join('');
  const out = [
    `${r.design}; standard errors ${r.seType}; n = ${r.n}${arms}${groups}`,
    `rows dropped: ${dropped.outcome} with a missing outcome${dropped.covariates ? `, ${dropped.covariates} with a missing covariate` : ''}`,
    '',
    line(header),
    ...body.map(line),
  ];
  if (r.firstStage)
    out.push(
      '',
      `first-stage F = ${fmt(r.firstStage.value)} on ${r.firstStage.numDf} and ${fmt(r.firstStage.denDf)} df (p = ${fmt(r.firstStage.pValue)})`,
    );
  if (ri) {
    const how = ri.exact
      ? `exact, all ${ri.assignments} assignments`
      : `${ri.assignments} draws, seed ${ri.seed}|ri|j`;
    out.push(
      '',
      `randomization inference on ${ri.term} (${how}): p = ${fmt(ri.pValue)}, interval [${fmt(ri.confLow)}, ${fmt(ri.confHigh)}]`,
    );
  }
  for (const w of r.warnings) out.push(`warning (${w.code}): ${w.message}`);
  return out.join('\n');
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
