/**
 * Issue 12 item 7's JSON for a Callaway–Sant'Anna result (snake_case; NaN and absent values as
 * null): {method, control, base_period, n_units, terms, overall, att_gt, pretrend, warnings}, plus
 * est_method, the requested aggregation and the bootstrap settings. Pure; the CLI and the report
 * write it as is.
 */
import type { CsResult, CsTerm } from './cs-types.ts';

type Json = null | number | string | boolean | Json[] | { [key: string]: Json };

const num = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

function term(t: CsTerm): { [key: string]: Json } {
  return {
    ...(t.eventTime !== null ? { event_time: t.eventTime } : {}),
    ...(t.group !== null ? { group: t.group } : {}),
    ...(t.time !== null ? { time: t.time } : {}),
    estimate: num(t.estimate),
    std_error: num(t.stdError),
    df: null,
    p_value: num(t.pValue),
    conf_low: num(t.confLow),
    conf_high: num(t.confHigh),
    uniform_low: num(t.uniformLow),
    uniform_high: num(t.uniformHigh),
    n: t.n,
  };
}

export function csResultJson(r: CsResult): { [key: string]: Json } {
  const overall = (o: CsResult['overall']) => ({
    estimate: num(o.estimate),
    std_error: num(o.stdError),
    conf_low: num(o.confLow),
    conf_high: num(o.confHigh),
    p_value: num(o.pValue),
  });
  return {
    method: r.method,
    control: r.control,
    base_period: r.basePeriod,
    est_method: r.estMethod,
    n_units: r.nUnits,
    terms: r.terms.map(term),
    overall: overall(r.overall),
    aggregation: {
      type: r.aggregation.type,
      terms: r.aggregation.terms.map(term),
      overall: overall(r.aggregation.overall),
      critical_value: num(r.aggregation.criticalValue),
    },
    att_gt: r.attGt.map((c) => ({
      group: c.group,
      time: c.time,
      event_time: c.eventTime,
      estimate: num(c.estimate),
      std_error: num(c.stdError),
      p_value: num(c.pValue),
      conf_low: num(c.confLow),
      conf_high: num(c.confHigh),
      n_treated: c.nTreated,
      n_control: c.nControl,
    })),
    pretrend: r.pretrend
      ? {
          statistic: num(r.pretrend.statistic),
          df1: r.pretrend.df1,
          df2: null,
          p_value: num(r.pretrend.pValue),
        }
      : null,
    bootstrap: r.bootstrap
      ? {
          draws: r.bootstrap.draws,
          seed: r.bootstrap.seed,
          clustered: r.bootstrap.clustered,
          critical_value: num(r.bootstrap.criticalValue),
        }
      : null,
    warnings: r.warnings.map((w) => ({ code: w.code, message: w.message })),
  };
}
