import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnosePlan } from '../analysis/diagnose.service.ts';
import { eventStudyFromFile } from '../analysis/event-study/event-study-file.service.ts';
import { eventStudyFromStudy } from '../analysis/event-study/event-study-study.service.ts';
import { openWave } from '../assignment/open-wave.service.ts';
import { exportAlerts, exportMonth, exportTasks, type ExportResult } from '../outreach/export.service.ts';
import { generateAlerts, generateMonth } from '../outreach/messages.service.ts';
import { PROGRAM_KINDS } from '../outreach/program-config.ts';
import { addTemplate, setProgram } from '../outreach/program.service.ts';
import { TEMPLATE_PURPOSES } from '../outreach/templates.ts';
import { visitWorklist } from '../outreach/worklist.service.ts';
import { analyzeStudy, districtReport } from '../reports/report.service.ts';
import { writeSyntheticStudy } from '../synth/synth.service.ts';
import { route, type FileBody } from './route.ts';
import { DistrictParams, Leaid, Slug, StudyParams } from './schemas.ts';
import { column, list, onUploadedFile } from './uploaded-file.ts';
import { zipFolder } from './zip-folder.ts';
import { z } from './zod.ts';

const STAFF = ['staff'] as const;
const ANALYST = ['analyst'] as const;
const READERS = ['staff', 'analyst'] as const;

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * The output folder a CLI command writes to, over HTTP: a private temporary folder removed once the
 * service returns (what a caller needs is in the answer and in the stored report run).
 */
async function inScratchDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-http-out-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CSV = 'text/csv; charset=utf-8';

function csvFile(study: string, r: ExportResult | { leaid: string; text: string }, name: string): FileBody {
  return { fileName: `${study}-${r.leaid}-${name}.csv`, contentType: CSV, body: r.text };
}

const OpenedWave = z
  .object({ study: z.string(), wave: z.number().int(), seed_commitment: z.string(), opened_at: z.string() })
  .openapi('OpenedWave');

const ProgramParams = z.strictObject({ study: Slug, arm: z.string().min(1).max(100) });
const ProgramBody = z.strictObject({
  program: z.enum(PROGRAM_KINDS),
  /** The program's configuration (`--config`'s JSON); defaults apply to what it leaves out. */
  config: z.record(z.string(), z.unknown()).optional(),
});
const ProgramInfo = z
  .object({
    arm: z.string(),
    program: z.string(),
    version: z.number().int(),
    config: z.record(z.string(), z.unknown()),
  })
  .openapi('ProgramInfo');

const TemplateBody = z.strictObject({
  purpose: z.enum(TEMPLATE_PURPOSES),
  language: z.string().min(1).max(20),
  /** The template's text (`pilot template add <file>`'s file). */
  text: z.string().min(1).max(5000),
  max_segments: z.number().int().min(1).max(10).optional(),
});
const TemplateInfo = z
  .object({ purpose: z.string(), language: z.string(), version: z.number().int(), encoding: z.string() })
  .openapi('TemplateInfo');

const ArmStats = z.record(z.string(), z.unknown());
const GenerationRun = z
  .object({
    study: z.string(),
    period: z.string(),
    districts: z.array(
      z
        .object({
          leaid: z.string(),
          status: z.enum(['generated', 'already_generated', 'no_attendance']),
          batchId: z.number().int().nullable(),
          messages: z.number().int(),
          alerts: z.number().int(),
          tasks: z.number().int(),
          byArm: z.record(z.string(), ArmStats),
          revised: z.number().int(),
        })
        .passthrough(),
    ),
  })
  .openapi('GenerationRun');

const AnalyzeBody = z.strictObject({ export_analysis_table: z.boolean().optional() });
const Analysis = z
  .object({
    files: z.array(z.string()),
    report_sha256: z.string(),
    audit_head: z.string(),
    headline: z.unknown(),
    report: z.record(z.string(), z.unknown()),
  })
  .openapi('Analysis');
const DistrictReportInfo = z
  .object({ files: z.array(z.string()), report_sha256: z.string() })
  .openapi('DistrictReportInfo');

const EventStudyResult = z.record(z.string(), z.unknown()).openapi('EventStudyResult');
const EVENT_STUDY_COMMON = {
  method: z.enum(['cs', 'twfe', 'sunab', 'bacon']).optional(),
  control: z.enum(['never', 'notyet']).optional(),
  base_period: z.enum(['varying', 'universal']).optional(),
  window: z.string().max(40).optional(),
  aggregate: z.enum(['simple', 'dynamic', 'group', 'calendar']).optional(),
  seed: z.string().min(1).max(200).optional(),
  se_type: z.enum(['CR1', 'CR2']).optional(),
};
/** `pilot event-study <file>`'s options as multipart form fields (snake_case). */
const EventStudyFields = z.strictObject({
  ...EVENT_STUDY_COMMON,
  id: column,
  time: column,
  cohort: column,
  outcome: column,
  allow_unbalanced_panel: flag.optional(),
  cluster: column.optional(),
  by: column.optional(),
  covariates: list.optional(),
  est_method: z.enum(['dr', 'ipw', 'reg']).optional(),
  bootstrap: z.coerce.number().int().min(1).max(100_000).optional(),
  late_cohorts_never_treated: flag.optional(),
  alpha: z.coerce.number().gt(0).lt(1).optional(),
});
/** `pilot event-study --study`'s options as JSON. */
const EventStudyStudyBody = z.strictObject({
  ...EVENT_STUDY_COMMON,
  start: z.enum(['first_visit', 'first_delivered_message', 'randomization']),
  outcome: z.enum(['attendance_rate', 'absence_days', 'enrolled_days']).optional(),
  allow_unbalanced_panel: z.boolean().optional(),
  bootstrap: z.number().int().min(1).max(100_000).optional(),
  late_cohorts_never_treated: z.boolean().optional(),
  match: z.enum(['exact']).optional(),
  by: z.enum(['grade_band', 'english_learner', 'modality', 'personnel']).optional(),
  alpha: z.number().gt(0).lt(1).optional(),
});

/** `pilot diagnose`: the plan itself instead of its file. */
const DiagnoseBody = z
  .strictObject({
    /** The analysis plan, as `pilot plan set` takes it (checked by the service). */
    plan: z.record(z.string(), z.unknown()),
    districts: z.number().int().min(1).max(1000),
    students: z.number().int().min(1).max(1_000_000),
    effect: z.number(),
    sims: z.number().int().min(2).max(10_000).default(500),
    seed: z.string().min(1).max(200).default('pilot-diagnose'),
  })
  .refine((o) => o.students >= 20 * o.districts, {
    message: 'need at least 20 students per district',
    path: ['students'],
  });
const Diagnosand = z.object({ value: z.number(), se: z.number() });
const Diagnosis = z
  .object({
    sims: z.number().int(),
    estimated: z.number().int(),
    power: Diagnosand,
    bias: Diagnosand,
    rmse: Diagnosand,
    coverage: Diagnosand,
    meanEstimate: z.number(),
    meanStdError: z.number(),
  })
  .openapi('Diagnosis');

/** Most students `POST /synth` makes (about 28 MB of files, 5 MB zipped); the CLI makes any size. */
export const SYNTH_MAX_STUDENTS = 5_000;

/** `pilot synth`'s options (the output folder is the answer's zip). */
const SynthBody = z.strictObject({
  districts: z.number().int().min(1).max(100),
  students: z.number().int().min(1).max(SYNTH_MAX_STUDENTS),
  seed: z.string().min(1).max(200),
  year: z.number().int().min(2000).max(2100).default(2025),
  oneroster: z.number().int().min(0).max(100).default(0),
  exceptions: z.boolean().default(false),
});

/** Upload limit of a panel CSV for /event-study. */
export const EVENT_STUDY_MAX_BYTES = 256 * 1024 * 1024;

/**
 * The rest of the CLI over HTTP, each calling the service its command calls: late waves, outreach
 * (programs, templates, message and alert runs, exports, worklists), reports, event studies, design
 * diagnosis and synthetic data (its folder as a zip). `pilot serve`, `pilot init` and `pilot demo`
 * are not operations of the API (docs/decisions/0006-cli-commands-over-http.md).
 */
export const OPERATION_ROUTES = [
  route({
    id: 'waves.open',
    method: 'post',
    path: '/studies/:study/waves',
    summary:
      'Open the next late wave (`pilot randomize open-wave`): its own seed is committed (publish the SHA-256)',
    roles: STAFF,
    params: StudyParams,
    body: z.strictObject({
      seed: z
        .string()
        .regex(/^[0-9a-fA-F]{32,128}$/, 'must be 32 to 128 hex digits')
        .optional(),
    }),
    status: 201,
    response: { json: OpenedWave },
    handler: async ({ db, params, body, actor }) => {
      const r = await openWave(db, { study: params.study, seed: body.seed, actor });
      return {
        study: r.study,
        wave: r.wave,
        seed_commitment: r.seedCommitment,
        opened_at: r.openedAt.toISOString(),
      };
    },
  }),
  route({
    id: 'programs.set',
    method: 'post',
    path: '/studies/:study/programs/:arm',
    summary: 'Set what an arm receives (`pilot program set`; refused once a batch of its program exists)',
    roles: STAFF,
    params: ProgramParams,
    body: ProgramBody,
    status: 200,
    response: { json: ProgramInfo },
    handler: async ({ db, params, body, actor }) => {
      const p = await setProgram(
        db,
        { study: params.study, arm: params.arm, program: body.program, config: body.config },
        actor,
      );
      return { arm: p.arm, program: p.kind, version: p.version, config: p.config as Record<string, unknown> };
    },
  }),
  route({
    id: 'templates.add',
    method: 'post',
    path: '/studies/:study/templates',
    summary:
      'Save a new version of a message template (`pilot template add`; placeholders and SMS length checked)',
    roles: STAFF,
    params: StudyParams,
    body: TemplateBody,
    status: 201,
    response: { json: TemplateInfo },
    handler: async ({ db, params, body, actor }) => {
      const t = await addTemplate(
        db,
        {
          study: params.study,
          purpose: body.purpose,
          language: body.language,
          text: body.text,
          maxSegments: body.max_segments,
        },
        actor,
      );
      return { purpose: t.purpose, language: t.language, version: t.version, encoding: t.encoding };
    },
  }),
  route({
    id: 'messages.generate',
    method: 'post',
    path: '/studies/:study/messages',
    summary: "Generate a month's summaries (`pilot messages generate`; once per district and month)",
    roles: STAFF,
    params: StudyParams,
    body: z.strictObject({ month, district: Leaid.optional() }),
    status: 200,
    response: { json: GenerationRun },
    handler: async ({ db, params, body, actor }) =>
      generateMonth(db, { study: params.study, month: body.month, district: body.district }, actor),
  }),
  route({
    id: 'messages.export',
    method: 'post',
    path: '/studies/:study/districts/:leaid/messages/export',
    summary:
      "A district's summaries of a month as the SIS message-center CSV (`pilot messages export`; marks them exported)",
    roles: STAFF,
    districtParam: 'leaid',
    params: DistrictParams,
    body: z.strictObject({ month }),
    status: 200,
    response: { file: 'text/csv' },
    handler: async ({ db, params, body, actor }) =>
      csvFile(
        params.study,
        await exportMonth(db, { study: params.study, district: params.leaid, month: body.month }, actor),
        `messages-${body.month}`,
      ),
  }),
  route({
    id: 'alerts.generate',
    method: 'post',
    path: '/studies/:study/alerts',
    summary: 'Generate alerts, escalations and staff tasks through a day (`pilot alerts generate`)',
    roles: STAFF,
    params: StudyParams,
    body: z.strictObject({ through: day, district: Leaid.optional() }),
    status: 200,
    response: { json: GenerationRun },
    handler: async ({ db, params, body, actor }) =>
      generateAlerts(db, { study: params.study, through: body.through, district: body.district }, actor),
  }),
  route({
    id: 'alerts.export',
    method: 'post',
    path: '/studies/:study/districts/:leaid/alerts/export',
    summary: 'Alert messages of the runs through a day as the message-center CSV (`pilot alerts export`)',
    roles: STAFF,
    districtParam: 'leaid',
    params: DistrictParams,
    body: z.strictObject({ through: day, from: day.optional() }),
    status: 200,
    response: { file: 'text/csv' },
    handler: async ({ db, params, body, actor }) =>
      csvFile(
        params.study,
        await exportAlerts(
          db,
          { study: params.study, district: params.leaid, through: body.through, from: body.from },
          actor,
        ),
        `alerts-${body.through}`,
      ),
  }),
  route({
    id: 'tasks.export',
    method: 'get',
    path: '/studies/:study/districts/:leaid/tasks',
    summary: 'Staff tasks of the alert runs through a day (`pilot tasks export`)',
    roles: READERS,
    districtParam: 'leaid',
    params: DistrictParams,
    query: z.strictObject({ through: day, from: day.optional() }),
    status: 200,
    response: { file: 'text/csv' },
    handler: async ({ db, params, query }) =>
      csvFile(
        params.study,
        await exportTasks(db, {
          study: params.study,
          district: params.leaid,
          through: query.through,
          from: query.from,
        }),
        `tasks-${query.through}`,
      ),
  }),
  route({
    id: 'visits.worklist',
    method: 'get',
    path: '/studies/:study/districts/:leaid/visits/worklist',
    summary: 'Chronically absent students of the home-visit arms, by school (`pilot visits worklist`)',
    roles: READERS,
    districtParam: 'leaid',
    params: DistrictParams,
    query: z.strictObject({ through: day.optional() }),
    status: 200,
    response: { file: 'text/csv' },
    handler: async ({ db, params, query }) =>
      csvFile(
        params.study,
        await visitWorklist(db, { study: params.study, district: params.leaid, through: query.through }),
        'visit-worklist',
      ),
  }),
  route({
    id: 'analyze',
    method: 'post',
    path: '/studies/:study/analyses',
    summary:
      "Estimate the study's effects as its plan says (`pilot analyze`): the report, its files' names and hashes",
    roles: ANALYST,
    params: StudyParams,
    body: AnalyzeBody,
    status: 201,
    response: { json: Analysis },
    handler: async ({ db, params, body, actor }) => {
      const r = await inScratchDir((out) =>
        analyzeStudy(
          db,
          { study: params.study, out, exportAnalysisTable: body.export_analysis_table },
          actor,
        ),
      );
      return {
        files: r.files,
        report_sha256: r.reportSha256,
        audit_head: r.auditHead,
        headline: r.report.headline,
        report: r.report as unknown as Record<string, unknown>,
      };
    },
  }),
  route({
    id: 'reports.district',
    method: 'post',
    path: '/studies/:study/districts/:leaid/reports',
    summary:
      "Make and store a district partner's report (`pilot report --district`); the partner downloads it as report.html / report.json",
    roles: ANALYST,
    districtParam: 'leaid',
    params: DistrictParams,
    status: 201,
    response: { json: DistrictReportInfo },
    handler: async ({ db, params, actor }) => {
      const r = await inScratchDir((out) =>
        districtReport(db, { study: params.study, leaid: params.leaid, out }, actor),
      );
      return { files: r.files, report_sha256: r.reportSha256 };
    },
  }),
  route({
    id: 'event-study.file',
    method: 'post',
    path: '/event-study',
    summary:
      '`pilot event-study` on an uploaded panel CSV (multipart field `file`, the options as form fields in snake_case)',
    roles: ANALYST,
    body: EventStudyFields,
    upload: { maxBytes: EVENT_STUDY_MAX_BYTES },
    status: 200,
    response: { json: EventStudyResult },
    handler: async ({ body, upload }) =>
      onUploadedFile(upload, (file) =>
        eventStudyFromFile({
          file,
          id: body.id,
          time: body.time,
          cohort: body.cohort,
          outcome: body.outcome,
          method: body.method,
          control: body.control,
          basePeriod: body.base_period,
          allowUnbalancedPanel: body.allow_unbalanced_panel,
          cluster: body.cluster,
          by: body.by,
          window: body.window,
          covariates: body.covariates,
          estMethod: body.est_method,
          aggregate: body.aggregate,
          bootstrap: body.bootstrap,
          seed: body.seed,
          seType: body.se_type,
          lateCohortsNeverTreated: body.late_cohorts_never_treated,
          alpha: body.alpha,
        }),
      ),
  }),
  route({
    id: 'event-study.study',
    method: 'post',
    path: '/studies/:study/event-study',
    summary: "`pilot event-study --study`: the study's own student × month panel (the run is stored)",
    roles: ANALYST,
    params: StudyParams,
    body: EventStudyStudyBody,
    status: 200,
    response: { json: EventStudyResult },
    handler: async ({ db, params, body, actor }) =>
      (
        await eventStudyFromStudy(
          db,
          {
            study: params.study,
            start: body.start,
            outcome: body.outcome,
            method: body.method,
            control: body.control,
            basePeriod: body.base_period,
            allowUnbalancedPanel: body.allow_unbalanced_panel,
            window: body.window,
            aggregate: body.aggregate,
            bootstrap: body.bootstrap,
            seed: body.seed,
            seType: body.se_type,
            lateCohortsNeverTreated: body.late_cohorts_never_treated,
            match: body.match,
            by: body.by,
            alpha: body.alpha,
          },
          actor,
        )
      ).result,
  }),
  route({
    id: 'diagnose',
    method: 'post',
    path: '/diagnose',
    summary:
      "Design diagnosis by simulation (`pilot diagnose`): power, bias, RMSE and coverage of the plan's primary estimator",
    roles: ANALYST,
    body: DiagnoseBody,
    status: 200,
    response: { json: Diagnosis },
    handler: async ({ body }) =>
      diagnosePlan(
        body.plan,
        { districts: body.districts, students: body.students, effect: body.effect, sims: body.sims },
        body.seed,
      ),
  }),
  route({
    id: 'synth',
    method: 'post',
    path: '/synth',
    summary: `\`pilot synth\`: a synthetic multi-district study in the import formats, its folder as one zip (deterministic by seed; at most ${SYNTH_MAX_STUDENTS.toLocaleString('en-US')} students)`,
    roles: READERS,
    body: SynthBody,
    status: 200,
    response: { file: 'application/zip' },
    handler: async ({ body }) =>
      inScratchDir(async (dir) => {
        await writeSyntheticStudy(dir, body);
        return {
          fileName: `synth-${body.districts}x${body.students}.zip`,
          contentType: 'application/zip',
          body: await zipFolder(dir),
        } satisfies FileBody;
      }),
  }),
];
