/**
 * Sun & Abraham (2021) interaction-weighted event study, as fixest's `sunab(cohort, period)`:
 *
 *   y_it = α_i + λ_t + Σ_{g ∉ C} Σ_{e ≠ −1} δ_{g,e} 1{G_i = g}·1{t − g = e} + ε_it,
 *   θ_e = Σ_g w_{g,e} δ_{g,e},  w_{g,e} = N_{g,e} / Σ_{g′} N_{g′,e},
 *
 * one coefficient per treated cohort × relative period (reference −1 in every cohort), the control
 * cohort C being the never-treated units, or, when every unit is eventually treated, the
 * last-treated cohort with the periods from its treatment on dropped (Sun & Abraham §4.2). The
 * weights N_{g,e} are the observations of each cell (cohort shares on a balanced panel) and are
 * treated as known, as fixest's `aggregate()`: V(θ) = W V(δ) Wᵀ. Units treated in or before the
 * first period have no pre-period and are dropped. Inference: t(G − 1) with fixest's small-sample
 * factor.
 *
 * Identities (METHODS.md §5, tested): on a balanced panel with never-treated controls δ_{g,e} is
 * the 2×2 DiD of cohort g against the never-treated between g − 1 and g + e, so θ_e equals
 * Callaway–Sant'Anna's dynamic aggregation with never-treated controls and a universal base period;
 * with a single cohort θ_e equals the TWFE β_e.
 */
import type { Panel } from './panel.ts';
import type {
  EventStudyWarning,
  RegressionEventStudyOptions,
  RegressionEventStudyOutcome,
} from './event-study-types.ts';
import { addUniformBand, averagePostEffect, pointwiseTerms, pretrendTest } from './event-study-inference.ts';
import { fitTwoWayIndicators } from './two-way-regression.ts';
import { clusterFactor, periodFactor, unitFactor } from './panel-factors.ts';
import { subsetPanel } from './panel-subset.ts';

interface Cell {
  cohort: number;
  eventTime: number;
}

/**
 * @example see tests/unit/analysis/event-study/sun-abraham.test.ts (identities and brute force)
 */
export function sunAbraham(
  input: Panel,
  options: RegressionEventStudyOptions = {},
): RegressionEventStudyOutcome {
  const alpha = options.alpha ?? 0.05;
  if ((options.seType ?? 'CR1') !== 'CR1')
    return refuse(
      'unsupported-se-type',
      'Sun–Abraham uses the fixest CR1 variance; CR2 is available for --method twfe',
    );
  const warnings: EventStudyWarning[] = [];
  const prepared = prepareSample(input, warnings);
  if ('refusal' in prepared) return prepared;
  const { panel, control } = prepared;
  const cells: Cell[] = [];
  const cellOf = new Map<number, number>();
  const code = new Int32Array(panel.y.length).fill(-1);
  const cohortRows: number[] = [];
  const eventTimeOf = (o: number, g: number) => {
    const e = panel.times[panel.period[o]] - g;
    return options.window ? Math.min(Math.max(e, options.window[0]), options.window[1]) : e;
  };
  // a numeric cell key: cohort index · span + (e − lowest), exact (cohorts ≤ periods, span < 2^33)
  const cohortIndex = new Map<number, number>();
  const unitCohort = Int32Array.from(panel.cohort, (g) => {
    if (!cohortIndex.has(g)) cohortIndex.set(g, cohortIndex.size);
    return cohortIndex.get(g)!;
  });
  let lowest = 0;
  let highest = 0;
  for (let o = 0; o < code.length; o++) {
    const g = panel.cohort[panel.unit[o]];
    if (g === 0) continue;
    const e = eventTimeOf(o, g);
    lowest = Math.min(lowest, e);
    highest = Math.max(highest, e);
  }
  const span = highest - lowest + 1;
  for (let o = 0; o < code.length; o++) {
    const g = panel.cohort[panel.unit[o]];
    if (g === 0) continue;
    const e = eventTimeOf(o, g);
    if (e === -1) continue;
    const key = unitCohort[panel.unit[o]] * span + (e - lowest);
    let c = cellOf.get(key);
    if (c === undefined) {
      c = cells.length;
      cellOf.set(key, c);
      cells.push({ cohort: g, eventTime: e });
      cohortRows.push(0);
    }
    code[o] = c;
    cohortRows[c]++;
  }
  if (cells.length === 0)
    return refuse('no-treated-units', 'no treated cohort has an observation outside its reference period');
  const order = cells
    .map((_, c) => c)
    .sort((a, b) => cells[a].cohort - cells[b].cohort || cells[a].eventTime - cells[b].eventTime);
  const rank = new Int32Array(cells.length);
  order.forEach((c, r) => (rank[c] = r));
  const design = { code: code.map((c) => (c < 0 ? -1 : rank[c])), columns: cells.length };
  const sortedCells = order.map((c) => cells[c]);
  const rowsPerCell = order.map((c) => cohortRows[c]);
  const outcome = fitTwoWayIndicators({
    y: panel.y,
    design,
    unit: unitFactor(panel),
    period: periodFactor(panel),
    cluster: clusterFactor(panel),
    seType: 'CR1',
  });
  if (!outcome.ok) return refuse(outcome.reason, outcome.message);
  const fit = outcome.fit;
  if (!fit.demeaningConverged)
    warnings.push({
      code: 'not-converged',
      message: `Absorbing the unit and period effects did not converge in ${fit.demeaningIterations} sweeps; the estimates may be inexact.`,
    });
  if (fit.collinear.length > 0)
    warnings.push({
      code: 'collinear-terms-dropped',
      message: `Cohort × event-time cells ${fit.collinear.map((j) => `(${sortedCells[j].cohort}, ${sortedCells[j].eventTime})`).join(', ')} are collinear with the fixed effects and were dropped.`,
    });
  const aggregated = aggregateCells(
    fit.kept.map((j) => sortedCells[j]),
    fit.kept.map((j) => rowsPerCell[j]),
    fit.beta,
    fit.vcov,
  );
  const m = aggregated.eventTimes.length;
  const df = new Float64Array(m).fill(fit.nClusters - 1);
  const n = aggregated.eventTimes.map((e) => unitsAtEventTime(panel, e, options.window));
  const terms = pointwiseTerms(aggregated.eventTimes, aggregated.theta, aggregated.vcov, df, n, alpha);
  const df2 = fit.nClusters - 1;
  return {
    ok: true,
    result: {
      method: 'sunab',
      control,
      seType: 'CR1',
      nUnits: countUnits(panel),
      nObs: fit.nObs,
      nClusters: fit.nClusters,
      smallSampleK: fit.smallSampleK,
      referenceEventTimes: [-1],
      terms,
      overall: averagePostEffect(aggregated.eventTimes, aggregated.theta, aggregated.vcov, df2, alpha),
      pretrend: pretrendTest(aggregated.eventTimes, aggregated.theta, aggregated.vcov, df2),
      vcov: aggregated.vcov,
      uniformCriticalValue: options.uniform
        ? addUniformBand(terms, aggregated.vcov, alpha, options.uniform)
        : null,
      warnings,
    },
  };
}

/** Drops always-treated units and, without never-treated units, the periods from the last cohort's start. */
function prepareSample(
  input: Panel,
  warnings: EventStudyWarning[],
): { panel: Panel; control: 'never' | 'last' } | { ok: false; refusal: { code: string; message: string } } {
  const first = input.times[0];
  const always = new Set<number>();
  for (let u = 0; u < input.ids.length; u++)
    if (input.cohort[u] !== 0 && input.cohort[u] <= first) always.add(u);
  if (always.size > 0)
    warnings.push({
      code: 'always-treated',
      message: `${always.size} units treated in or before the first period (${first}) have no pre-treatment period and were dropped (as fixest's sunab).`,
    });
  const cohorts = [...new Set(Array.from(input.cohort).filter((g, u) => g !== 0 && !always.has(u)))].sort(
    (a, b) => a - b,
  );
  if (cohorts.length === 0) return refuse('no-treated-units', 'no unit is treated after the first period');
  const hasNever = input.cohort.some((g) => g === 0);
  if (hasNever) return { panel: subsetPanel(input, (o) => !always.has(input.unit[o])), control: 'never' };
  if (cohorts.length < 2)
    return refuse(
      'no-control-units',
      'every unit is treated at the same time and none is never treated: there is no control cohort',
    );
  const last = cohorts[cohorts.length - 1];
  warnings.push({
    code: 'no-never-treated',
    message: `No unit is never treated: the last-treated cohort (${last}) is the control, and periods from ${last} on were dropped.`,
  });
  const panel = subsetPanel(input, (o) => !always.has(input.unit[o]) && input.times[input.period[o]] < last);
  for (let u = 0; u < panel.cohort.length; u++) if (panel.cohort[u] === last) panel.cohort[u] = 0;
  return { panel, control: 'last' };
}

/** θ_e = Σ_g w_{g,e} δ_{g,e} with observation-count weights, and W V Wᵀ. */
function aggregateCells(
  cells: Cell[],
  rows: number[],
  beta: Float64Array,
  vcov: Float64Array,
): { eventTimes: number[]; theta: Float64Array; vcov: Float64Array } {
  const eventTimes = [...new Set(cells.map((c) => c.eventTime))].sort((a, b) => a - b);
  const m = eventTimes.length;
  const k = cells.length;
  const weights = new Float64Array(m * k);
  eventTimes.forEach((e, a) => {
    let total = 0;
    cells.forEach((c, j) => (total += c.eventTime === e ? rows[j] : 0));
    cells.forEach((c, j) => {
      if (c.eventTime === e) weights[a * k + j] = rows[j] / total;
    });
  });
  const theta = new Float64Array(m);
  for (let a = 0; a < m; a++) for (let j = 0; j < k; j++) theta[a] += weights[a * k + j] * beta[j];
  const wv = new Float64Array(m * k);
  for (let a = 0; a < m; a++)
    for (let j = 0; j < k; j++) {
      const w = weights[a * k + j];
      if (w === 0) continue;
      for (let l = 0; l < k; l++) wv[a * k + l] += w * vcov[j * k + l];
    }
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += wv[a * k + l] * weights[b * k + l];
      out[a * m + b] = s;
    }
  return { eventTimes, theta, vcov: out };
}

function unitsAtEventTime(panel: Panel, eventTime: number, window?: [number, number]): number {
  const units = new Set<number>();
  for (let o = 0; o < panel.y.length; o++) {
    const g = panel.cohort[panel.unit[o]];
    if (g === 0) continue;
    let e = panel.times[panel.period[o]] - g;
    if (window) e = Math.min(Math.max(e, window[0]), window[1]);
    if (e === eventTime) units.add(panel.unit[o]);
  }
  return units.size;
}

function countUnits(panel: Panel): number {
  return new Set(panel.unit).size;
}

function refuse(code: string, message: string): { ok: false; refusal: { code: string; message: string } } {
  return { ok: false, refusal: { code, message } };
}
