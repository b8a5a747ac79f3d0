/**
 * One event-study request on a Panel, whichever the method: TWFE, Callaway–Sant'Anna, Sun–Abraham
 * or the Goodman-Bacon decomposition, returning issue 12 item 7's JSON. Pure: the service reads the
 * file and creates the seeded generator.
 *
 * Unbalanced panels: Callaway–Sant'Anna follows did (without `allowUnbalancedPanel` only units
 * observed in every period are kept, and the number dropped is reported); TWFE and Sun–Abraham are
 * regressions and use every row, as fixest does (the fixest goldens are computed that way); the
 * Goodman-Bacon decomposition needs a balanced panel, so incomplete units are dropped and reported,
 * and with `allowUnbalancedPanel` it is refused.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { callawaySantAnna } from './callaway-santanna.ts';
import { csResultJson } from './cs-json.ts';
import type { CsAggregationType, CsControl, CsBasePeriod, CsEstMethod } from './cs-types.ts';
import type { EventStudyWarning, UniformBandOptions } from './event-study-types.ts';
import { goodmanBacon } from './goodman-bacon.ts';
import type { Panel } from './panel.ts';
import { countUnbalancedUnits, type PanelCsvSummary } from './panel-csv.ts';
import { balancedPanel, subsetPanel } from './panel-subset.ts';
import { baconResultJson, regressionResultJson } from './regression-json.ts';
import { staticTwfe } from './static-twfe.ts';
import { sunAbraham } from './sun-abraham.ts';
import { twfeEventStudy } from './twfe-event-study.ts';
import type { ClusterSeType } from './two-way-regression.ts';

export type EventStudyMethod = 'twfe' | 'cs' | 'sunab' | 'bacon';

export interface EventStudyRequest {
  method: EventStudyMethod;
  control: CsControl;
  basePeriod: CsBasePeriod;
  allowUnbalancedPanel: boolean;
  window?: [number, number];
  estMethod: CsEstMethod;
  aggregate: CsAggregationType;
  seType: ClusterSeType;
  alpha: number;
  clustered: boolean;
  /** Callaway–Sant'Anna's multiplier bootstrap */
  bootstrap?: { draws: number; seed: string };
  /** TWFE and Sun–Abraham sup-t band (drawn from the caller's seeded generator) */
  uniform?: UniformBandOptions;
}

type Json = ReturnType<typeof regressionResultJson>;

export type EventStudyRun = { ok: true; json: Json } | { ok: false; message: string };

export function runEventStudy(
  panel: Panel,
  summary: PanelCsvSummary,
  request: EventStudyRequest,
): EventStudyRun {
  const notes = inputWarnings(summary, request);
  const input = inputJson(summary);
  if (request.method === 'cs') return runCs(panel, request, input, notes);
  if (request.method === 'bacon') return runBacon(panel, request, input, notes);
  const estimate = request.method === 'twfe' ? twfeEventStudy : sunAbraham;
  const out = estimate(panel, {
    seType: request.seType,
    alpha: request.alpha,
    window: request.window,
    uniform: request.uniform,
  });
  if (!out.ok) return { ok: false, message: out.refusal.message };
  out.result.warnings.unshift(...notes);
  return { ok: true, json: { ...regressionResultJson(out.result), input } };
}

/**
 * The same request on each subgroup of units (issue 12 item 5: grade band, English-learner status,
 * visit modality, personnel type…), each with its own event-study curve. A subgroup the method
 * cannot estimate carries its reason instead of a result; the others are unaffected. A unit whose
 * group is null belongs to every subgroup (the shared never-treated comparisons of a subgroup
 * defined only for treated units, such as the modality of the first visit).
 */
export function runEventStudyBySubgroup(
  panel: Panel,
  groups: readonly (string | null)[],
  variable: string,
  request: EventStudyRequest,
): Json[] {
  const values = [...new Set(groups.filter((g): g is string => g !== null))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  return values.map((value) => {
    const sub = subsetPanel(panel, (o) => {
      const g = groups[panel.unit[o]];
      return g === null || g === value;
    });
    const summary: PanelCsvSummary = {
      rows: sub.y.length,
      droppedMissingOutcome: 0,
      units: sub.ids.length,
      periods: sub.times.length,
      unbalancedUnits: countUnbalancedUnits(sub),
      lateCohortUnits: 0,
    };
    const run = runEventStudy(sub, summary, request);
    const out: Json = run.ok
      ? { variable, value, ...run.json }
      : { variable, value, n_units: sub.ids.length, error: run.message };
    return out;
  });
}

function runCs(
  panel: Panel,
  request: EventStudyRequest,
  input: Json,
  notes: EventStudyWarning[],
): EventStudyRun {
  const out = callawaySantAnna(panel, {
    control: request.control,
    basePeriod: request.basePeriod,
    allowUnbalancedPanel: request.allowUnbalancedPanel,
    estMethod: request.estMethod,
    aggregate: request.aggregate,
    alpha: request.alpha,
    clustered: request.clustered,
    ...(request.window ? { minE: request.window[0], maxE: request.window[1] } : {}),
    ...(request.bootstrap ? { bootstrap: request.bootstrap } : {}),
  });
  if (!out.ok) return { ok: false, message: out.refusal.message };
  const json = csResultJson(out.result);
  const warnings = [
    ...notes.map((w) => ({ code: w.code, message: w.message })),
    ...(json.warnings as Json[]),
  ];
  return { ok: true, json: { ...json, warnings, input } };
}

function runBacon(
  panel: Panel,
  request: EventStudyRequest,
  input: Json,
  notes: EventStudyWarning[],
): EventStudyRun {
  const balanced = balancedPanel(panel);
  if (balanced.dropped > 0 && request.allowUnbalancedPanel)
    return {
      ok: false,
      message: `the Goodman-Bacon decomposition needs a balanced panel: ${balanced.dropped} units are not observed in every period (leave out --allow-unbalanced-panel to drop them)`,
    };
  if (balanced.dropped > 0)
    notes.push({
      code: 'unbalanced-units-dropped',
      message: `${balanced.dropped} units not observed in every period were dropped: the decomposition needs a balanced panel.`,
    });
  const out = goodmanBacon(balanced.panel);
  if (!out.ok) return { ok: false, message: out.refusal.message };
  const twfe = staticTwfe(balanced.panel, request.alpha);
  return {
    ok: true,
    json: { ...baconResultJson(out.result, twfe, balanced.panel.ids.length, notes), input },
  };
}

function inputWarnings(summary: PanelCsvSummary, request: EventStudyRequest): EventStudyWarning[] {
  const notes: EventStudyWarning[] = [];
  if (summary.droppedMissingOutcome > 0)
    notes.push({
      code: 'missing-outcome-dropped',
      message: `${summary.droppedMissingOutcome} rows with a missing outcome were dropped.`,
    });
  if (summary.lateCohortUnits > 0)
    notes.push({
      code: 'late-cohorts-never-treated',
      message: `${summary.lateCohortUnits} units whose cohort is after the last observed period are counted as never treated.`,
    });
  if (summary.unbalancedUnits > 0 && (request.method === 'twfe' || request.method === 'sunab'))
    notes.push({
      code: 'unbalanced-panel',
      message: `${summary.unbalancedUnits} units are not observed in every period; the regression uses every observed row, as fixest does.`,
    });
  return notes;
}

function inputJson(summary: PanelCsvSummary): Json {
  return {
    rows: summary.rows,
    dropped_missing_outcome: summary.droppedMissingOutcome,
    units: summary.units,
    periods: summary.periods,
    unbalanced_units: summary.unbalancedUnits,
    late_cohort_units: summary.lateCohortUnits,
  };
}

/**
 * Whether the subgroups' overall effects differ: Cochran's Q = Σ_k w_k (θ̂_k − θ̄)², w_k = 1/SE_k²,
 * θ̄ the precision-weighted mean, chi-square on K − 1 df. The subgroups hold disjoint units, so the
 * estimates are independent when no cluster spans two subgroups. Null with fewer than two
 * estimated subgroups. One such test per `--by` variable; with several variables, mind multiplicity.
 *
 * @example subgroupHeterogeneity([{ overall: { estimate: 1, std_error: 1 } }, { overall: { estimate: 3, std_error: 1 } }]) // Q = 2, df 1
 */
export function subgroupHeterogeneity(
  subgroups: readonly Json[],
): { statistic: number; df: number; p_value: number } | null {
  const pairs = subgroups.flatMap((g) => {
    const o = g.overall as { estimate: number | null; std_error: number | null } | null | undefined;
    return o && o.estimate !== null && o.std_error !== null && o.std_error > 0
      ? [[o.estimate, o.std_error]]
      : [];
  });
  if (pairs.length < 2) return null;
  let sw = 0;
  let swx = 0;
  for (const [x, se] of pairs) {
    sw += 1 / se ** 2;
    swx += x / se ** 2;
  }
  const mean = swx / sw;
  const statistic = pairs.reduce((q, [x, se]) => q + (x - mean) ** 2 / se ** 2, 0);
  const df = pairs.length - 1;
  return { statistic, df, p_value: 1 - chisquareCdf(statistic, df) };
}
