/**
 * The pre-registered analysis plan of a study (issue 13): what is estimated, on which window, with
 * which estimator and which corrections for multiplicity. Validated once here (zod); the stored body
 * is the parsed plan with every default filled in, so its SHA-256 names exactly what will be run.
 * Pure.
 */
import { z } from 'zod';

/** Version of the plan schema; stored in every plan body. */
export const PLAN_SCHEMA_VERSION = 'pilot-plan-v1';

export const OUTCOMES = [
  'absence_days',
  'attendance_rate',
  'chronically_absent',
  'chronically_absent_crdc',
] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

export const SUBGROUPS = ['grade_band', 'english_learner', 'district', 'prior_absence_tercile'] as const;
export type SubgroupName = (typeof SUBGROUPS)[number];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'is not a calendar date',
  );

const window = z
  .object({ start: isoDate, end: isoDate })
  .strict()
  .refine((w) => w.start <= w.end, { message: 'start must not be after end', path: ['end'] });

const contrast = z
  .object({ treatment: z.string().min(1), control: z.string().min(1) })
  .strict()
  .refine((c) => c.treatment !== c.control, { message: 'compares an arm with itself', path: ['control'] });

const adjust = z.enum(['holm', 'BH', 'bonferroni', 'none']);

export const planSchema = z
  .object({
    schema: z.literal(PLAN_SCHEMA_VERSION).default(PLAN_SCHEMA_VERSION),
    title: z.string().min(1).optional(),
    /** the outcome window (inclusive dates) */
    window,
    /** optional baseline window: each student's absence rate there becomes a covariate */
    baseline_window: window.optional(),
    outcomes: z
      .object({
        primary: z.array(z.enum(OUTCOMES)).min(1).default(['absence_days']),
        secondary: z
          .array(z.enum(OUTCOMES))
          .default(['attendance_rate', 'chronically_absent', 'chronically_absent_crdc']),
      })
      .strict()
      .default({
        primary: ['absence_days'],
        secondary: ['attendance_rate', 'chronically_absent', 'chronically_absent_crdc'],
      })
      .refine((o) => o.primary.every((p) => !o.secondary.includes(p)), {
        message: 'an outcome is either primary or secondary, not both',
        path: ['secondary'],
      }),
    chronic_absence: z
      .object({
        threshold: z.number().gt(0).lt(1).default(0.1),
        min_enrolled_days: z.number().int().min(1).default(10),
        crdc_days: z.number().int().min(1).default(15),
      })
      .strict()
      .default({ threshold: 0.1, min_enrolled_days: 10, crdc_days: 15 }),
    estimator: z
      .object({
        method: z.enum(['lin', 'dim']).default('lin'),
        covariates: z
          .array(z.enum(['prior_year_absence_rate', 'baseline_absence_rate']))
          .default(['prior_year_absence_rate']),
        block_indicators: z.boolean().default(true),
        cluster: z.enum(['unit', 'household', 'none']).default('household'),
        se_type: z.enum(['CR2', 'stata', 'HC2']).default('CR2'),
      })
      .strict()
      .default({
        method: 'lin',
        covariates: ['prior_year_absence_rate'],
        block_indicators: true,
        cluster: 'household',
        se_type: 'CR2',
      }),
    /** extra named arm-against-arm contrasts; each program arm against control is always estimated */
    contrasts: z.array(contrast).default([]),
    /** the control arm; default the study's first arm */
    control_arm: z.string().min(1).optional(),
    subgroups: z.array(z.enum(SUBGROUPS)).default([...SUBGROUPS]),
    multiple_testing: z
      .object({ subgroups: adjust.default('BH'), arm_contrasts: adjust.default('holm') })
      .strict()
      .default({ subgroups: 'BH', arm_contrasts: 'holm' }),
    cace: z
      .object({
        received: z.literal('at_least_one_delivered_message').default('at_least_one_delivered_message'),
      })
      .strict()
      .default({ received: 'at_least_one_delivered_message' }),
    /** program cost per student, in dollars, per arm (for cost-effectiveness) */
    cost_per_student: z.record(z.string(), z.number().nonnegative()).default({}),
    alpha: z.number().gt(0).lt(1).default(0.05),
    power: z.number().gt(0).lt(1).default(0.8),
  })
  .strict();

export type AnalysisPlan = z.output<typeof planSchema>;

export type PlanParse = { ok: true; plan: AnalysisPlan } | { ok: false; problems: string[] };

/**
 * Validates a plan (already parsed from JSON) and fills in its defaults; problems name the field
 * (`estimator.cluster: …`), never a command-line flag.
 */
export function parsePlan(value: unknown): PlanParse {
  const r = planSchema.safeParse(value);
  if (r.success) return { ok: true, plan: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(plan)'}: ${i.message}`),
  };
}

/** Problems of a plan against the study it is for (arms named in the plan must exist). */
export function planStudyProblems(plan: AnalysisPlan, arms: readonly string[]): string[] {
  const problems: string[] = [];
  const known = (a: string) => arms.includes(a);
  if (plan.control_arm !== undefined && !known(plan.control_arm))
    problems.push(`control_arm: "${plan.control_arm}" is not an arm of the study (${arms.join(', ')})`);
  plan.contrasts.forEach((c, k) => {
    for (const side of ['treatment', 'control'] as const)
      if (!known(c[side]))
        problems.push(`contrasts.${k}.${side}: "${c[side]}" is not an arm of the study (${arms.join(', ')})`);
  });
  for (const arm of Object.keys(plan.cost_per_student))
    if (!known(arm)) problems.push(`cost_per_student.${arm}: not an arm of the study (${arms.join(', ')})`);
  if (plan.estimator.covariates.includes('baseline_absence_rate') && !plan.baseline_window)
    problems.push('estimator.covariates: baseline_absence_rate needs a baseline_window');
  return problems;
}

export interface ArmContrast {
  treatment: string;
  control: string;
  /** 'program_vs_control' (pre-specified by the K-arm rule) or 'named' (listed in the plan) */
  kind: 'program_vs_control' | 'named';
}

/** Every contrast the plan pre-specifies: each program arm against control, then the named ones. */
export function planContrasts(plan: AnalysisPlan, arms: readonly string[]): ArmContrast[] {
  const control = plan.control_arm ?? arms[0];
  const out: ArmContrast[] = arms
    .filter((a) => a !== control)
    .map((a) => ({ treatment: a, control, kind: 'program_vs_control' as const }));
  for (const c of plan.contrasts)
    if (!out.some((o) => o.treatment === c.treatment && o.control === c.control))
      out.push({ ...c, kind: 'named' });
  return out;
}
