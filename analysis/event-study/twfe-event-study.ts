/**
 * Two-way fixed-effects event study (METHODS.md §5 E6), as fixest 0.14.2's
 *
 *   d$rel <- ifelse(d$cohort == 0, -1000, d$time - d$cohort)
 *   feols(y ~ i(rel, ref = c(-1, -1000)) | id + time, vcov = ~cluster,
 *         ssc = ssc(K.adj = TRUE, K.fixef = "nonnested", G.adj = TRUE, t.df = "min"))
 *
 *   y_it = α_i + λ_t + Σ_{k ≠ −1} β_k 1{t − G_i = k} + ε_it,
 *
 * never-treated units (cohort 0) having every indicator 0. Without never-treated units the
 * indicators of a unit sum to one and, with the period effects, are collinear with a linear trend in
 * event time: the most negative event time is then a second reference (as the fixest goldens).
 * With `window: [LO, HI]` event times below LO are binned into LO and above HI into HI. Inference
 * is t(G − 1) with fixest's small-sample factor (CR1), or CR2 with Satterthwaite df; the pre-trend
 * test is F = β̂_pre′V̂⁻¹β̂_pre / q on (q, G − 1) df.
 *
 * Under staggered timing with heterogeneous dynamic effects the β_k are contaminated by other
 * event times and cohorts (Sun & Abraham 2021): show TWFE only next to Callaway–Sant'Anna.
 */
import type { Panel } from './panel.ts';
import type {
  EventStudyWarning,
  RegressionEventStudyOptions,
  RegressionEventStudyOutcome,
} from './event-study-types.ts';
import { addUniformBand, averagePostEffect, pointwiseTerms, pretrendTest } from './event-study-inference.ts';
import { fitTwoWayIndicators, type IndicatorDesign } from './two-way-regression.ts';
import { clusterFactor, periodFactor, unitFactor, unitsPerColumn } from './panel-factors.ts';

/**
 * @example see tests/unit/analysis/event-study/twfe-event-study.test.ts: dev01_dynamic, event time −7:
 *   estimate −0.550800283144056, SE 0.19236124872287, df 599 (fixest 0.14.2)
 */
export function twfeEventStudy(
  panel: Panel,
  options: RegressionEventStudyOptions = {},
): RegressionEventStudyOutcome {
  const alpha = options.alpha ?? 0.05;
  const seType = options.seType ?? 'CR1';
  const n = panel.y.length;
  if (n === 0) return refuse('empty-data', 'the panel has no observations');
  const rel = relativeTimes(panel, options.window);
  const hasNever = panel.cohort.some((g) => g === 0);
  // the distinct event times of treated observations, by presence over their range (no per-row Set)
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (let o = 0; o < n; o++) {
    const r = rel[o];
    if (r === NEVER) continue;
    if (r < lowest) lowest = r;
    if (r > highest) highest = r;
  }
  if (lowest === Number.POSITIVE_INFINITY)
    return refuse('no-treated-units', 'no unit is ever treated: there is no event time to estimate');
  const present = new Uint8Array(highest - lowest + 1);
  for (let o = 0; o < n; o++) if (rel[o] !== NEVER) present[rel[o] - lowest] = 1;
  const references = [-1];
  const warnings: EventStudyWarning[] = [];
  if (!hasNever) {
    if (lowest !== -1) references.push(lowest);
    warnings.push({
      code: 'no-never-treated',
      message: `No unit is never treated: event time ${lowest} is a second reference (its indicator is left out with −1), and the coefficients compare units treated at different times.`,
    });
  }
  const eventTimes: number[] = [];
  const columnAt = new Int32Array(present.length).fill(-1);
  present.forEach((seen, k) => {
    if (seen === 1 && !references.includes(lowest + k)) columnAt[k] = eventTimes.push(lowest + k) - 1;
  });
  const code = new Int32Array(n);
  for (let o = 0; o < n; o++) code[o] = rel[o] === NEVER ? -1 : columnAt[rel[o] - lowest];
  const design: IndicatorDesign = { code, columns: eventTimes.length };
  const outcome = fitTwoWayIndicators({
    y: panel.y,
    design,
    unit: unitFactor(panel),
    period: periodFactor(panel),
    cluster: clusterFactor(panel),
    seType,
  });
  if (!outcome.ok) return refuse(outcome.reason, outcome.message);
  const fit = outcome.fit;
  if (!fit.demeaningConverged)
    warnings.push({
      code: 'not-converged',
      message: `Absorbing the unit and period effects did not converge in ${fit.demeaningIterations} sweeps; the estimates may be inexact.`,
    });
  if (fit.collinear.length > 0) {
    const dropped = fit.collinear.map((j) => eventTimes[j]);
    warnings.push({
      code: 'collinear-terms-dropped',
      message: `Event times ${dropped.join(', ')} are collinear with the fixed effects and the other event times and were dropped (as fixest does).`,
      details: { event_times: dropped },
    });
  }
  const kept = fit.kept.map((j) => eventTimes[j]);
  const counts = unitsPerColumn(panel, design);
  const terms = pointwiseTerms(
    kept,
    fit.beta,
    fit.vcov,
    fit.df,
    fit.kept.map((j) => counts[j]),
    alpha,
  );
  const df2 = fit.nClusters - 1;
  const pretrend = pretrendTest(kept, fit.beta, fit.vcov, df2);
  const uniformCriticalValue = options.uniform
    ? addUniformBand(terms, fit.vcov, alpha, options.uniform)
    : null;
  return {
    ok: true,
    result: {
      method: 'twfe',
      control: hasNever ? 'never' : null,
      seType,
      nUnits: panel.ids.length,
      nObs: fit.nObs,
      nClusters: fit.nClusters,
      smallSampleK: fit.smallSampleK,
      referenceEventTimes: references,
      terms,
      overall: averagePostEffect(kept, fit.beta, fit.vcov, df2, alpha),
      pretrend,
      vcov: fit.vcov,
      uniformCriticalValue,
      warnings,
    },
  };
}

/** Marks never-treated observations in `relativeTimes`. */
export const NEVER = -2147483648;

/** t − G_i per observation (binned into the window), NEVER for never-treated units. */
export function relativeTimes(panel: Panel, window?: [number, number]): Int32Array {
  const out = new Int32Array(panel.y.length);
  for (let o = 0; o < out.length; o++) {
    const g = panel.cohort[panel.unit[o]];
    if (g === 0) {
      out[o] = NEVER;
      continue;
    }
    let r = panel.times[panel.period[o]] - g;
    if (window) r = Math.min(Math.max(r, window[0]), window[1]);
    out[o] = r;
  }
  return out;
}

function refuse(code: string, message: string): RegressionEventStudyOutcome {
  return { ok: false, refusal: { code, message } };
}
