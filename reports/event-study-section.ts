/**
 * The report's event study (DESIGN.md §7 `event_study`): the monthly dynamic ITT always; when home
 * visits exist, the visit-based event study (start = first visit, attendance rate by month) by
 * Callaway–Sant'Anna with not-yet-treated controls and by TWFE side by side; and every stored
 * `pilot event-study --study` run (event_study_run). Rows are flat, one per curve and event time;
 * `event_study_models` holds one summary per curve (overall effect, pre-trend test, warnings). Pure:
 * the estimators are those of analysis/event-study, run on the panel the service built.
 */
import { runEventStudy, type EventStudyRequest } from '../analysis/event-study/run-event-study.ts';
import { monthlyItt } from './descriptive-sections.ts';
import type { ReportInputs } from './report-inputs.ts';

type Json = null | number | string | boolean | Json[] | { [key: string]: Json };

export interface EventStudyRow {
  source: 'monthly_itt' | 'first_visit' | 'stored_run';
  run_id: number | null;
  estimator: string;
  start: string | null;
  contrast: string | null;
  outcome: string;
  month: string | null;
  event_time: number;
  estimate: number | null;
  std_error: number | null;
  conf_low: number | null;
  conf_high: number | null;
  uniform_low: number | null;
  uniform_high: number | null;
  n: number | null;
  note: string | null;
}

export interface EventStudyModel {
  source: 'first_visit' | 'stored_run';
  run_id: number | null;
  estimator: string;
  start: string;
  outcome: string;
  control: string | null;
  base_period: string | null;
  n_units: number | null;
  overall: {
    estimate: number | null;
    conf_low: number | null;
    conf_high: number | null;
    p_value: number | null;
  } | null;
  pretrend_p_value: number | null;
  panel: Json;
  warnings: string[];
  note: string | null;
}

/** did's name for the methods (as DESIGN §7 spells the estimator field). */
const ESTIMATOR: Record<string, string> = {
  cs: 'callaway_santanna',
  twfe: 'twfe',
  sunab: 'sun_abraham',
  bacon: 'goodman_bacon',
};

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The visit-based event study's two estimators, as `pilot event-study --study S --start first_visit` runs them. */
export function visitRequests(alpha: number, clustered: boolean): EventStudyRequest[] {
  return (['cs', 'twfe'] as const).map((method) => ({
    method,
    control: 'notyet',
    basePeriod: 'varying',
    allowUnbalancedPanel: false,
    estMethod: 'dr',
    aggregate: 'dynamic',
    seType: 'CR1',
    alpha,
    clustered,
  }));
}

/** Rows and model summary of one result JSON (issue 12 item 7's shape). */
function fromResult(
  json: Record<string, unknown>,
  meta: {
    source: 'first_visit' | 'stored_run';
    runId: number | null;
    method: string;
    start: string;
    outcome: string;
  },
  panel: Json,
): { rows: EventStudyRow[]; model: EventStudyModel } {
  const estimator = ESTIMATOR[meta.method] ?? meta.method;
  const terms = Array.isArray(json.terms) ? (json.terms as Record<string, unknown>[]) : [];
  const rows = terms
    .filter((t) => typeof t.event_time === 'number')
    .map((t): EventStudyRow => ({
      source: meta.source,
      run_id: meta.runId,
      estimator,
      start: meta.start,
      contrast: null,
      outcome: meta.outcome,
      month: null,
      event_time: t.event_time as number,
      estimate: num(t.estimate),
      std_error: num(t.std_error),
      conf_low: num(t.conf_low),
      conf_high: num(t.conf_high),
      uniform_low: num(t.uniform_low),
      uniform_high: num(t.uniform_high),
      n: num(t.n),
      note: null,
    }))
    .sort((a, b) => a.event_time - b.event_time);
  const overall = json.overall as Record<string, unknown> | null | undefined;
  const pretrend = json.pretrend as Record<string, unknown> | null | undefined;
  const warnings = Array.isArray(json.warnings)
    ? (json.warnings as { message?: unknown }[]).map((w) => String(w.message ?? w))
    : [];
  return {
    rows,
    model: {
      source: meta.source,
      run_id: meta.runId,
      estimator,
      start: meta.start,
      outcome: meta.outcome,
      control: typeof json.control === 'string' ? json.control : null,
      base_period: typeof json.base_period === 'string' ? json.base_period : null,
      n_units: num(json.n_units),
      overall: overall
        ? {
            estimate: num(overall.estimate),
            conf_low: num(overall.conf_low),
            conf_high: num(overall.conf_high),
            p_value: num(overall.p_value),
          }
        : null,
      pretrend_p_value: pretrend ? num(pretrend.p_value) : null,
      panel,
      warnings,
      note: null,
    },
  };
}

export function eventStudySection(inputs: ReportInputs): {
  rows: EventStudyRow[];
  models: EventStudyModel[];
} {
  const rows: EventStudyRow[] = monthlyItt(inputs).map((r) => ({
    source: 'monthly_itt',
    run_id: null,
    estimator: r.estimator,
    start: null,
    contrast: r.contrast,
    outcome: r.outcome,
    month: r.month,
    event_time: r.event_time,
    estimate: r.estimate,
    std_error: r.std_error,
    conf_low: r.conf_low,
    conf_high: r.conf_high,
    uniform_low: r.uniform_low,
    uniform_high: r.uniform_high,
    n: r.n,
    note: r.note,
  }));
  const models: EventStudyModel[] = [];
  const v = inputs.visitEventStudy;
  if (v && !v.ok)
    models.push({
      source: 'first_visit',
      run_id: null,
      estimator: 'callaway_santanna',
      start: 'first_visit',
      outcome: 'attendance_rate',
      control: 'notyettreated',
      base_period: null,
      n_units: null,
      overall: null,
      pretrend_p_value: null,
      panel: null,
      warnings: [],
      note: `not estimated: ${v.message}`,
    });
  if (v && v.ok) {
    const panel: Json = { ...v.counts, treated_arms: v.treatedArms, months: Object.keys(v.months).length };
    for (const request of visitRequests(inputs.plan.alpha, v.clustered)) {
      const run = runEventStudy(v.panel, v.summary, request);
      const meta = {
        source: 'first_visit' as const,
        runId: null,
        method: request.method,
        start: 'first_visit',
        outcome: 'attendance_rate',
      };
      if (!run.ok) {
        models.push({
          ...fromResult({}, meta, panel).model,
          note: `not estimated: ${run.message}`,
        });
        continue;
      }
      const r = fromResult(run.json as Record<string, unknown>, meta, panel);
      rows.push(...r.rows);
      models.push(r.model);
    }
  }
  for (const s of inputs.eventStudyRuns) {
    const outcome = typeof s.result.outcome === 'string' ? s.result.outcome : 'attendance_rate';
    const panel = (s.result.panel ?? null) as Json;
    const r = fromResult(
      s.result,
      { source: 'stored_run', runId: s.id, method: s.method, start: s.start, outcome },
      panel,
    );
    rows.push(...r.rows);
    models.push(r.model);
  }
  return { rows, models };
}
