import { estimateFile } from '../analysis/estimate-file.service.ts';
import { estimateJson } from '../analysis/estimate-json.ts';
import { planSchema } from '../analysis/analysis-plan.ts';
import { lockPlan, setPlan, showPlan, type PlanView } from '../analysis/plan.service.ts';
import { fidelityReport } from '../outreach/fidelity.service.ts';
import { route } from './route.ts';
import { StudyParams } from './schemas.ts';
import { column, list, onUploadedFile } from './uploaded-file.ts';
import { z } from './zod.ts';

/** Upload limit of a CSV for /estimate (the CLI reads any size; over HTTP 256 MB). */
export const ESTIMATE_MAX_BYTES = 256 * 1024 * 1024;

const ANALYST = ['analyst'] as const;
const READERS = ['staff', 'analyst'] as const;

const SE_TYPES = ['classical', 'HC0', 'HC1', 'HC2', 'HC3', 'CR0', 'CR2', 'stata'] as const;

/** `pilot estimate`'s options as multipart form fields (snake_case), validated as the CLI does. */
export const EstimateFields = z
  .strictObject({
    outcome: column,
    treatment: column,
    blocks: column.optional(),
    clusters: column.optional(),
    covariates: list.optional(),
    method: z.enum(['dim', 'ols', 'lin', 'iv']).optional(),
    received: column.optional(),
    se_type: z.enum(SE_TYPES).optional(),
    fixed_effects: list.optional(),
    weights: column.optional(),
    missing_covariates: z.enum(['drop', 'impute']).default('drop'),
    condition1: z.string().min(1, 'must name an arm').optional(),
    condition2: z.string().min(1, 'must name an arm').optional(),
    p_adjust: z.enum(['holm', 'BH', 'none']).optional(),
    test: z.string().min(1, 'must name terms').optional(),
    alpha: z.coerce.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.05),
    ri: z.coerce.number().int().min(1).max(1_000_000).optional(),
    seed: z.string().min(1).max(200).optional(),
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

const Term = z.object({
  term: z.string(),
  estimate: z.number().nullable(),
  std_error: z.number().nullable(),
  p_value: z.number().nullable(),
  conf_low: z.number().nullable(),
  conf_high: z.number().nullable(),
});

/** `pilot estimate --json`: the same object (the fields listed here, and the rest as the CLI prints). */
export const Estimate = z
  .object({
    file: z.string(),
    design: z.string(),
    se_type: z.string(),
    n: z.number(),
    terms: z.array(Term.passthrough()),
  })
  .passthrough()
  .openapi('Estimate');

/** The plan as `pilot plan set` reads it (analysis/analysis-plan.ts; made before zod gains `.openapi`). */
export const PlanBody = planSchema;

export const PlanInfo = z
  .object({
    study: z.string(),
    version: z.number().int(),
    sha256: z.string(),
    locked: z.boolean(),
    locked_at: z.string().nullable(),
    changed: z.boolean().optional(),
    plan: z.record(z.string(), z.unknown()),
  })
  .openapi('PlanInfo');

function planJson(v: PlanView) {
  return {
    study: v.study,
    version: v.version,
    sha256: v.sha256,
    locked: v.locked,
    locked_at: v.lockedAt?.toISOString() ?? null,
    ...(v.changed === undefined ? {} : { changed: v.changed }),
    plan: v.plan as Record<string, unknown>,
  };
}

const FidelityRow = z
  .object({
    month: z.string(),
    leaid: z.string(),
    arm: z.string(),
    messages: z.number(),
    delivered: z.number(),
  })
  .passthrough();

/** `pilot outreach fidelity --json`: the same object. */
export const Fidelity = z
  .object({
    study: z.string(),
    rows: z.array(FidelityRow),
    alerts: z.array(z.record(z.string(), z.unknown())),
    visits: z.array(z.record(z.string(), z.unknown())),
    contamination: z.array(
      z.object({ leaid: z.string(), arm: z.string(), students: z.number(), messages: z.number() }),
    ),
  })
  .openapi('Fidelity');

/**
 * Analysis operations of the CLI over HTTP: `pilot estimate` on an uploaded CSV, `pilot plan`, and the
 * outreach fidelity tables.
 */
export const ANALYSIS_ROUTES = [
  route({
    id: 'estimate',
    method: 'post',
    path: '/estimate',
    summary:
      '`pilot estimate` on an uploaded CSV (multipart field `file`, the options as form fields in snake_case)',
    roles: ANALYST,
    body: EstimateFields,
    upload: { maxBytes: ESTIMATE_MAX_BYTES },
    status: 200,
    response: { json: Estimate },
    handler: async ({ body, upload }) =>
      onUploadedFile(upload, async (file) =>
        estimateJson(
          await estimateFile({
            file,
            outcome: body.outcome,
            treatment: body.treatment,
            blocks: body.blocks,
            clusters: body.clusters,
            covariates: body.covariates ?? [],
            method: body.method,
            received: body.received,
            seType: body.se_type,
            fixedEffects: body.fixed_effects ?? [],
            weights: body.weights,
            missingCovariates: body.missing_covariates,
            condition1: body.condition1,
            condition2: body.condition2,
            pAdjust: body.p_adjust,
            test: body.test,
            alpha: body.alpha,
            ri: body.ri === undefined ? undefined : { sims: body.ri, seed: body.seed! },
          }),
        ),
      ),
  }),
  route({
    id: 'plan.set',
    method: 'post',
    path: '/studies/:study/plan',
    summary: 'Store a new version of the analysis plan (`pilot plan set`; refused once a version is locked)',
    roles: ANALYST,
    params: StudyParams,
    body: PlanBody,
    status: 201,
    response: { json: PlanInfo },
    handler: async ({ db, params, body, actor }) => planJson(await setPlan(db, params.study, body, actor)),
  }),
  route({
    id: 'plan.lock',
    method: 'post',
    path: '/studies/:study/plan/lock',
    summary: 'Lock the latest plan version (`pilot plan lock`): it can never change',
    roles: ANALYST,
    params: StudyParams,
    status: 200,
    response: { json: PlanInfo },
    handler: async ({ db, params, actor }) => planJson(await lockPlan(db, params.study, actor)),
  }),
  route({
    id: 'plan.show',
    method: 'get',
    path: '/studies/:study/plan',
    summary: 'The latest plan version with every default filled in (`pilot plan show`)',
    roles: READERS,
    params: StudyParams,
    status: 200,
    response: { json: PlanInfo },
    handler: async ({ db, params }) => planJson(await showPlan(db, params.study)),
  }),
  route({
    id: 'fidelity',
    method: 'get',
    path: '/studies/:study/fidelity',
    summary:
      'What was delivered (`pilot outreach fidelity`): by month, district and arm; alerts; visits; the contamination alarm',
    roles: READERS,
    params: StudyParams,
    status: 200,
    response: { json: Fidelity },
    handler: async ({ db, params }) => fidelityReport(db, params.study),
  }),
];
