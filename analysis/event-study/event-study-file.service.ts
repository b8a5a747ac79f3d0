/**
 * `pilot event-study FILE.csv`: validate the request (zod; messages name fields), read the panel
 * CSV with Pilot's one CSV reader (csv/csv-reader.ts), run the estimator. A file with any problem gives a BAD_INPUT error listing each
 * problem as file:line:column and nothing is estimated. No database: the panel comes from the file.
 */
import { readFile } from 'node:fs/promises';
import seedrandom from 'seedrandom';
import { z } from 'zod';
import { parseCsvText } from '../../csv/csv-reader.ts';
import { AppError } from '../../errors.ts';
import { panelFromCsv } from './panel-csv.ts';
import {
  runEventStudy,
  runEventStudyBySubgroup,
  subgroupHeterogeneity,
  type EventStudyRequest,
} from './run-event-study.ts';

const columnName = z.string().trim().min(1, 'must name a column');

/** `--window LO,HI` (shared with the study mode, event-study-study.service.ts). */
export const windowSchema = z
  .string()
  .regex(/^\s*-?\d+\s*,\s*-?\d+\s*$/, 'must be two integers LO,HI, e.g. -4,4')
  .transform((s) => s.split(',').map((x) => Number(x.trim())) as [number, number])
  .refine(
    ([lo, hi]) => lo <= -1 && hi >= 0,
    'must satisfy LO ≤ −1 and HI ≥ 0 (the reference period −1 and event time 0 inside)',
  );

/** The fields of an event-study request on a CSV file; defaults are did's and fixest's. */
export const eventStudyFileSchema = z
  .object({
    file: z.string().min(1, 'must name a file'),
    id: columnName,
    time: columnName,
    cohort: columnName,
    outcome: columnName,
    method: z.enum(['twfe', 'cs', 'sunab', 'bacon']).default('cs'),
    control: z.enum(['never', 'notyet']).default('never'),
    basePeriod: z.enum(['varying', 'universal']).default('varying'),
    allowUnbalancedPanel: z.boolean().default(false),
    cluster: columnName.optional(),
    by: columnName.optional(),
    window: windowSchema.optional(),
    covariates: z.array(columnName).default([]),
    estMethod: z.enum(['dr', 'ipw', 'reg']).default('dr'),
    aggregate: z.enum(['simple', 'dynamic', 'group', 'calendar']).default('dynamic'),
    bootstrap: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1_000_000)
      .optional(),
    seed: z.string().min(1, 'must not be empty').optional(),
    seType: z.enum(['CR1', 'CR2']).default('CR1'),
    lateCohortsNeverTreated: z.boolean().default(false),
    alpha: z.coerce.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.05),
  })
  .refine((o) => o.bootstrap === undefined || o.seed !== undefined, {
    message: 'is required with `bootstrap` (the draws are reproducible from it)',
    path: ['seed'],
  })
  .refine((o) => o.covariates.length === 0 || o.method === 'cs', {
    message: "are used by the Callaway–Sant'Anna estimator only (`method` cs)",
    path: ['covariates'],
  })
  .refine((o) => o.seType === 'CR1' || o.method === 'twfe', {
    message: 'CR2 is available for `method` twfe',
    path: ['seType'],
  });

export type EventStudyFileInput = z.input<typeof eventStudyFileSchema>;

/**
 * @throws {AppError} BAD_INPUT for invalid fields, an unreadable or invalid file, or a panel the
 *   method cannot use; NOT_FOUND when the file does not exist
 */
export async function eventStudyFromFile(
  input: EventStudyFileInput,
  onStage: (message: string) => void = () => {},
): Promise<Record<string, unknown>> {
  const parsed = eventStudyFileSchema.safeParse(input);
  if (!parsed.success) {
    const why = parsed.error.issues
      .map((i) => (i.path.length > 0 ? `\`${i.path.join('.')}\`: ${i.message}` : i.message))
      .join('; ');
    throw new AppError('BAD_INPUT', `invalid event-study request: ${why}`, { issues: parsed.error.issues });
  }
  const o = parsed.data;
  onStage(`reading ${o.file}`);
  const { records, problem } = parseCsvText(await readText(o.file));
  if (problem)
    throw new AppError('BAD_INPUT', `${o.file} is not valid CSV`, {
      problems: [
        {
          file: o.file,
          line: problem.line,
          column: records[0]?.fields[problem.field] ?? null,
          reason: problem.reason,
        },
      ],
    });
  const read = panelFromCsv(
    records.map((r) => r.fields),
    { ...o, covariates: o.covariates },
    o.file,
    records.map((r) => r.line),
  );
  if (!read.ok)
    throw new AppError('BAD_INPUT', `${o.file} cannot be used as a panel`, { problems: read.problems });
  const request = eventStudyRequest(o, o.cluster !== undefined);
  onStage(
    `estimating (${o.method}) on ${read.summary.units} units × ${read.summary.periods} periods, ${read.panel.y.length} rows`,
  );
  const run = runEventStudy(read.panel, read.summary, request);
  if (!run.ok) throw new AppError('BAD_INPUT', `${o.file}: ${run.message}`);
  if (o.by === undefined || read.groups === undefined) return { file: o.file, ...run.json };
  onStage(`estimating each subgroup of ${o.by}`);
  const subgroups = runEventStudyBySubgroup(read.panel, read.groups, o.by, request);
  return { file: o.file, ...run.json, subgroups, subgroup_heterogeneity: subgroupHeterogeneity(subgroups) };
}

/** The estimator request of validated options (the seeded generators made here, in the service). */
export function eventStudyRequest(
  o: {
    method: EventStudyRequest['method'];
    control: EventStudyRequest['control'];
    basePeriod: EventStudyRequest['basePeriod'];
    allowUnbalancedPanel: boolean;
    window?: [number, number];
    estMethod: EventStudyRequest['estMethod'];
    aggregate: EventStudyRequest['aggregate'];
    seType: EventStudyRequest['seType'];
    alpha: number;
    bootstrap?: number;
    seed?: string;
  },
  clustered: boolean,
): EventStudyRequest {
  return {
    method: o.method,
    control: o.control,
    basePeriod: o.basePeriod,
    allowUnbalancedPanel: o.allowUnbalancedPanel,
    window: o.window,
    estMethod: o.estMethod,
    aggregate: o.aggregate,
    seType: o.seType,
    alpha: o.alpha,
    clustered,
    ...(o.bootstrap !== undefined ? { bootstrap: { draws: o.bootstrap, seed: o.seed! } } : {}),
    ...(o.bootstrap !== undefined
      ? { uniform: { draws: o.bootstrap, rng: seedrandom(`${o.seed}|uniform`) } }
      : {}),
  };
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
