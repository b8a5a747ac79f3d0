import type { Command } from 'commander';
import { estimateFile, type EstimateFileResult } from '../../analysis/estimate-file.service.ts';
import { estimateJson } from '../../analysis/estimate-json.ts';
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
    fixedEffects: columnName.optional(),
    alpha: option.decimal.pipe(z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)')),
    ri: option.wholeNumber(1, 1_000_000).optional(),
    seed: option.text.optional(),
    json: option.flag,
  })
  .refine((o) => o.ri === undefined || o.seed !== undefined, {
    message: '`ri` needs `seed` (the draws are seeded S|ri|j)',
    path: ['seed'],
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
    .option('--fixed-effects <column>', 'absorbed fixed effects (--method ols)')
    .option('--alpha <number>', 'one minus the confidence level', '0.05')
    .option(
      '--ri <n>',
      'randomization inference with n draws (exact when the design has at most n assignments)',
    )
    .option('--seed <seed>', 'seed S of the randomization-inference draws')
    .option('--json', 'machine-readable output')
    .action(async (file: string, raw: unknown) => {
      const { json, ri, seed, ...o } = parseOptions(optionsSchema, raw);
      const e = await estimateFile({
        ...o,
        file,
        ri: ri === undefined ? undefined : { sims: ri, seed: seed! },
      });
      if (json) printJson(ctx, estimateJson(e));
      else print(ctx, toTable(e));
    });
}

/** The estimate as a table in the style of R's `tidy()`, with the design and the rows dropped. */
function toTable(e: EstimateFileResult): string {
  const { result: r, dropped, randomization: ri } = e;
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
