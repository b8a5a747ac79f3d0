import type { Command } from 'commander';
import { eventStudyFromFile } from '../../analysis/event-study/event-study-file.service.ts';
import { eventStudyFromStudy } from '../../analysis/event-study/event-study-study.service.ts';
import { AppError } from '../../errors.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const columnName = option.text.pipe(z.string().min(1, 'must name a column'));
const STUDY_BY = ['grade_band', 'english_learner', 'modality', 'personnel'] as const;

/** The options of `pilot event-study`, validated once here with the shared option types (cli/options.ts). */
const optionsSchema = z
  .object({
    study: option.slug.optional(),
    start: z.enum(['first_visit', 'first_delivered_message', 'randomization']).optional(),
    id: columnName.optional(),
    time: columnName.optional(),
    cohort: columnName.optional(),
    outcome: columnName.optional(),
    method: z.enum(['cs', 'twfe', 'sunab', 'bacon']).optional(),
    control: z.enum(['never', 'notyet']).optional(),
    basePeriod: z.enum(['varying', 'universal']).optional(),
    allowUnbalancedPanel: option.flag,
    cluster: columnName.optional(),
    by: columnName.optional(),
    window: option.text.optional(),
    covariates: option.list,
    estMethod: z.enum(['dr', 'ipw', 'reg']).optional(),
    aggregate: z.enum(['simple', 'dynamic', 'group', 'calendar']).optional(),
    bootstrap: option.wholeNumber(1, 1_000_000).optional(),
    seed: option.text.optional(),
    seType: z.enum(['CR1', 'CR2']).optional(),
    lateCohortsNeverTreated: option.flag,
    match: z.enum(['exact']).optional(),
    alpha: option.decimal.pipe(z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)')),
    json: option.flag,
  })
  .refine((o) => o.bootstrap === undefined || o.seed !== undefined, {
    message: 'is required with `bootstrap` (the draws are reproducible from it)',
    path: ['seed'],
  })
  .refine((o) => o.study === undefined || o.start !== undefined, {
    message: 'is required with `study`: first_visit | first_delivered_message | randomization',
    path: ['start'],
  })
  .refine((o) => o.study !== undefined || o.start === undefined, {
    message: 'is used with `study` only (a panel CSV carries its cohorts)',
    path: ['start'],
  })
  .refine((o) => o.study !== undefined || o.match === undefined, {
    message: 'is used with `study` only (matching draws comparisons from the districts of a study)',
    path: ['match'],
  })
  .refine(
    (o) =>
      o.study === undefined || o.by === undefined || STUDY_BY.includes(o.by as (typeof STUDY_BY)[number]),
    { message: `with \`study\` is ${'grade_band | english_learner | modality | personnel'}`, path: ['by'] },
  )
  .refine(
    (o) =>
      o.study === undefined ||
      o.outcome === undefined ||
      ['attendance_rate', 'absence_days', 'enrolled_days'].includes(o.outcome),
    { message: 'with `study` is attendance_rate | absence_days | enrolled_days', path: ['outcome'] },
  );

/** Options of the CSV mode that name columns or covariates, which a study's panel does not have. */
const FILE_ONLY = ['id', 'time', 'cohort', 'cluster', 'covariates', 'estMethod'] as const;
const FLAG: Record<(typeof FILE_ONLY)[number], string> = {
  id: '--id',
  time: '--time',
  cohort: '--cohort',
  cluster: '--cluster',
  covariates: '--covariates',
  estMethod: '--est-method',
};

export function registerEventStudy(program: Command, ctx: CliContext): void {
  program
    .command('event-study')
    .description(
      "event study on a panel CSV (one row per unit × period) or on a study's own data (--study): Callaway–Sant'Anna (did), TWFE and Sun–Abraham (fixest), Goodman-Bacon decomposition",
    )
    .argument('[file]', 'panel CSV with a header row (omit with --study)')
    .option('--study <slug>', "use the study's own student × month attendance panel instead of a file")
    .option(
      '--start <event>',
      'with --study: treatment start of a student: first_visit | first_delivered_message | randomization',
    )
    .option('--id <column>', 'unit id column (e.g. student_id)')
    .option('--time <column>', 'integer period column (e.g. month)')
    .option('--cohort <column>', 'first treated period; 0 or empty = never treated')
    .option(
      '--outcome <column>',
      'outcome column; rows where it is missing are dropped and counted. With --study: attendance_rate (default) | absence_days | enrolled_days',
    )
    .option('--method <method>', 'cs | twfe | sunab | bacon (default cs)')
    .option('--control <group>', 'cs: never | notyet (default never; notyet when no unit is never treated)')
    .option('--base-period <base>', 'cs: varying | universal (default varying)')
    .option(
      '--allow-unbalanced-panel',
      'cs: keep units not observed in every period (default: drop them, as did); twfe and sunab always use every row; bacon needs a balanced panel and drops them',
    )
    .option('--cluster <column>', 'cluster column, constant within a unit (default: the unit)')
    .option(
      '--by <column>',
      'also estimate each subgroup of units separately: a unit-level column of the CSV (e.g. grade_band); with --study grade_band | english_learner | modality | personnel (of the first visit; never-treated students are the comparisons of every visit subgroup)',
    )
    .option('--window <LO,HI>', 'event times: twfe/sunab bin below LO and above HI; cs aggregates LO..HI')
    .option(
      '--covariates <columns>',
      "cs: comma-separated baseline covariates (values of each unit's first period)",
    )
    .option('--est-method <method>', 'cs with covariates: dr | ipw | reg (default dr)')
    .option('--aggregate <type>', 'cs: simple | dynamic | group | calendar (default dynamic)')
    .option(
      '--bootstrap <B>',
      'B draws for uniform bands (cs: multiplier bootstrap; twfe/sunab: sup-t simulation)',
    )
    .option('--seed <seed>', 'seed of the bootstrap draws (required with --bootstrap)')
    .option('--se-type <type>', 'twfe: CR1 (fixest small-sample factor, t(G−1); default) | CR2')
    .option(
      '--late-cohorts-never-treated',
      'count units whose cohort is after the last period as never treated',
    )
    .option(
      '--match <how>',
      'with --study: exact — compare served students with the not-served chronically absent students of the same districts, exactly matched on district × grade band × baseline attendance decile × English learner (match rates reported)',
    )
    .option('--alpha <number>', 'one minus the confidence level', '0.05')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  pilot event-study panel.csv --id student_id --time month --cohort cohort --outcome absent_days --method twfe --json\n  pilot event-study --study leap --start first_visit --method cs --allow-unbalanced-panel\n  pilot event-study --study leap --start first_visit --match exact --by modality\n',
    )
    .action(async (file: string | undefined, raw: unknown) => {
      const { json, study, start, ...o } = parseOptions(optionsSchema, raw);
      const started = Date.now();
      const stage = (message: string) => {
        if (ctx.stderr.isTTY)
          ctx.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}…\n`);
      };
      if (study !== undefined) {
        if (file !== undefined)
          throw new AppError('BAD_INPUT', 'invalid options: give a panel CSV or --study, not both');
        const given = FILE_ONLY.filter((k) =>
          k === 'covariates' ? o.covariates.length > 0 : o[k] !== undefined,
        );
        if (given.length > 0)
          throw new AppError(
            'BAD_INPUT',
            `invalid options: ${given.map((k) => FLAG[k]).join(', ')} name columns of a panel CSV; with --study the panel is built from the study`,
          );
        const r = await withDatabase(ctx, (db) =>
          eventStudyFromStudy(
            db,
            {
              study,
              start: start!,
              outcome: o.outcome as 'attendance_rate' | 'absence_days' | 'enrolled_days' | undefined,
              method: o.method,
              control: o.control,
              basePeriod: o.basePeriod,
              allowUnbalancedPanel: o.allowUnbalancedPanel,
              window: o.window,
              aggregate: o.aggregate,
              bootstrap: o.bootstrap,
              seed: o.seed,
              seType: o.seType,
              lateCohortsNeverTreated: o.lateCohortsNeverTreated,
              match: o.match,
              by: o.by as (typeof STUDY_BY)[number] | undefined,
              alpha: o.alpha,
            },
            ctx.config.actor,
            stage,
          ),
        );
        if (json) printJson(ctx, r.result);
        else print(ctx, renderText({ ...r.result, file: `study ${study}` }));
        return;
      }
      const missing = (['id', 'time', 'cohort', 'outcome'] as const).filter((k) => o[k] === undefined);
      if (file === undefined || missing.length > 0)
        throw new AppError(
          'BAD_INPUT',
          `invalid options: ${file === undefined ? 'give a panel CSV (or --study)' : `${missing.map((k) => `--${k}`).join(', ')} required with a panel CSV`}`,
        );
      const result = await eventStudyFromFile(
        { ...o, id: o.id!, time: o.time!, cohort: o.cohort!, outcome: o.outcome!, file },
        stage,
      );
      if (json) printJson(ctx, result);
      else print(ctx, renderText(result));
    });
}

type Row = Record<string, unknown>;

function fmt(x: unknown): string {
  if (x === null || x === undefined) return 'NA';
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) < 1e-4 && x !== 0 ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}

function table(header: string[], rows: unknown[][]): string[] {
  const cells = rows.map((r) => r.map(fmt));
  const widths = header.map((h, k) => Math.max(h.length, ...cells.map((r) => r[k].length)));
  const line = (r: string[]) =>
    r.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  return [line(header), ...cells.map(line)];
}

/** Human-readable rendering of the JSON result. */
export function renderText(r: Row): string {
  const input = r.input as Row;
  const out = [
    `${r.file}: ${fmt(input.units)} units × ${fmt(input.periods)} periods (${fmt(input.rows)} rows; ${fmt(input.dropped_missing_outcome)} with a missing outcome dropped; ${fmt(input.unbalanced_units)} units not observed in every period)`,
    `method ${r.method}${r.control ? `, control ${r.control}` : ''}${r.base_period ? `, base period ${r.base_period}` : ''}${r.se_type ? `, ${r.se_type} clustered standard errors` : ''}; ${fmt(r.n_units)} units used`,
    '',
  ];
  const m = r.matching as Row | undefined;
  if (m) out.push(...renderMatching(m));
  const terms = (r.terms as Row[]) ?? [];
  if (terms.length > 0) {
    out.push(
      ...table(
        [
          'event_time',
          'estimate',
          'std.error',
          'p.value',
          'conf.low',
          'conf.high',
          'uniform.low',
          'uniform.high',
          'n',
        ],
        terms.map((t) => [
          t.event_time,
          t.estimate,
          t.std_error,
          t.p_value,
          t.conf_low,
          t.conf_high,
          t.uniform_low,
          t.uniform_high,
          t.n,
        ]),
      ),
    );
  }
  const comparisons = r.comparisons as Row[] | undefined;
  if (comparisons) {
    out.push(
      ...table(
        ['type', 'weight', 'estimate'],
        (r.by_type as Row[]).map((t) => [t.type, t.weight, t.estimate]),
      ),
      '',
    );
    out.push(
      ...table(
        ['type', 'treated', 'control', 'weight', 'estimate'],
        comparisons.map((c) => [c.type, c.treated, c.control, c.weight, c.estimate]),
      ),
    );
  }
  const overall = r.overall as Row | null;
  if (overall)
    out.push(
      '',
      `${r.method === 'bacon' ? 'static TWFE estimate' : 'overall (average of event times ≥ 0)'}: ${fmt(overall.estimate)} (SE ${fmt(overall.std_error)}, 95% interval ${fmt(overall.conf_low)} to ${fmt(overall.conf_high)})`,
    );
  const pretrend = r.pretrend as Row | null;
  if (pretrend)
    out.push(
      `pre-trend test: statistic ${fmt(pretrend.statistic)} on ${fmt(pretrend.df1)}${pretrend.df2 === null ? '' : ` and ${fmt(pretrend.df2)}`} df, p = ${fmt(pretrend.p_value)}`,
    );
  for (const w of (r.warnings as Row[]) ?? []) out.push(`warning (${w.code}): ${w.message}`);
  const q = r.subgroup_heterogeneity as Row | null | undefined;
  if (q)
    out.push(
      '',
      `do the subgroups' overall effects differ? Cochran's Q = ${fmt(q.statistic)} on ${fmt(q.df)} df, p = ${fmt(q.p_value)}`,
    );
  if (r.subgroup_comparisons === 'shared never-treated students')
    out.push(
      '',
      `subgroups by ${r.by}: the never-treated students are the comparisons of every subgroup (no test of a difference between subgroups)`,
    );
  for (const g of (r.subgroups as Row[] | undefined) ?? []) {
    out.push('', `── subgroup ${g.variable} = ${g.value} ──`);
    if (g.error) out.push(`not estimated (${fmt(g.n_units)} units): ${g.error}`);
    else out.push(renderText({ ...g, file: r.file }));
  }
  return out.join('\n');
}

/** The match report of `--match exact`: rates, then the comparisons per stratum. */
function renderMatching(m: Row): string[] {
  const w = m.baseline_window as Row;
  return [
    `exact matching on ${(m.variables as string[]).join(' × ')} (baseline ${fmt(w.start)} to ${fmt(w.end)})`,
    `served students: ${fmt(m.served)}; matched ${fmt(m.served_matched)} (${fmt(Math.round(Number(m.match_rate) * 1000) / 10)} %), unmatched ${fmt(m.served_unmatched)} (${fmt(m.served_unmatched_no_baseline)} without a baseline month, ${fmt(m.served_unmatched_no_comparison)} without a comparison in their stratum); ${fmt(m.served_before_panel)} served before the first month left out`,
    `comparison candidates (not served): ${fmt(m.comparison_candidates)}; chronically absent at baseline ${fmt(m.chronically_absent_candidates)}; kept in matched strata ${fmt(m.comparisons_matched)}`,
    '',
    ...table(
      ['district', 'grade_band', 'decile', 'english_learner', 'treated', 'comparisons'],
      (m.strata as Row[]).map((x) => [
        x.district,
        x.grade_band,
        x.decile,
        x.english_learner,
        x.treated,
        x.comparisons,
      ]),
    ),
    '',
  ];
}
