/**
 * Issue 12 item 7's JSON for the regression event studies (TWFE, Sun–Abraham) and the
 * Goodman-Bacon decomposition, in the same shape as cs-json.ts: {method, control, base_period,
 * n_units, terms, overall, att_gt, pretrend, warnings} (att_gt is empty: these methods estimate no
 * group-time cells), plus the regression's n_obs, n_clusters, se_type, small-sample K, reference
 * event times and the covariance of the terms (`vcov`, for HonestDiD); bacon adds `comparisons` and `by_type`. NaN becomes null. Pure.
 */
import type { BaconResult } from './goodman-bacon.ts';
import type {
  EventStudyOverall,
  EventStudyWarning,
  RegressionEventStudyResult,
} from './event-study-types.ts';

type Json = null | number | string | boolean | Json[] | { [key: string]: Json };

const num = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

export function overallJson(o: EventStudyOverall | null): Json {
  if (o === null) return null;
  return {
    estimate: num(o.estimate),
    std_error: num(o.stdError),
    df: num(o.df),
    p_value: num(o.pValue),
    conf_low: num(o.confLow),
    conf_high: num(o.confHigh),
  };
}

export function warningsJson(warnings: readonly EventStudyWarning[]): Json {
  return warnings.map((w) => ({ code: w.code, message: w.message }));
}

export function regressionResultJson(r: RegressionEventStudyResult): { [key: string]: Json } {
  return {
    method: r.method,
    control: r.control,
    base_period: 'universal',
    se_type: r.seType,
    n_units: r.nUnits,
    n_obs: r.nObs,
    n_clusters: r.nClusters,
    k_small_sample: r.smallSampleK,
    reference_event_times: r.referenceEventTimes,
    terms: r.terms.map((t) => ({
      event_time: t.eventTime,
      estimate: num(t.estimate),
      std_error: num(t.stdError),
      df: num(t.df),
      p_value: num(t.pValue),
      conf_low: num(t.confLow),
      conf_high: num(t.confHigh),
      uniform_low: num(t.uniformLow),
      uniform_high: num(t.uniformHigh),
      n: t.n,
    })),
    overall: overallJson(r.overall),
    att_gt: [],
    pretrend: r.pretrend
      ? {
          statistic: num(r.pretrend.statistic),
          df1: r.pretrend.df1,
          df2: r.pretrend.df2,
          p_value: num(r.pretrend.pValue),
        }
      : null,
    uniform_critical_value: num(r.uniformCriticalValue),
    // β̂'s covariance in the order of `terms`, for sensitivity analysis (HonestDiD)
    vcov: r.terms.map((_, a) => r.terms.map((__, b) => num(r.vcov[a * r.terms.length + b]))),
    warnings: warningsJson(r.warnings),
  };
}

export function baconResultJson(
  r: BaconResult,
  twfe: EventStudyOverall | null,
  nUnits: number,
  warnings: readonly EventStudyWarning[],
): { [key: string]: Json } {
  return {
    method: 'bacon',
    control: null,
    base_period: null,
    n_units: nUnits,
    terms: [],
    overall: overallJson(twfe),
    att_gt: [],
    pretrend: null,
    comparisons: r.comparisons.map((c) => ({
      type: c.type,
      treated: c.treated,
      control: c.control,
      estimate: num(c.estimate),
      weight: num(c.weight),
    })),
    by_type: r.byType.map((t) => ({ type: t.type, weight: num(t.weight), estimate: num(t.estimate) })),
    decomposition_total: num(r.estimate),
    warnings: warningsJson(warnings),
  };
}
