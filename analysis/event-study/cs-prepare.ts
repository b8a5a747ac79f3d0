/**
 * Prepares a Panel for Callaway–Sant'Anna the way did 2.5.1's `pre_process_did` does, so that the
 * same units, periods and cohorts enter every ATT(g,t):
 *
 * 1. a cohort after the last observed period is treated as never treated (warning);
 * 2. without never-treated units, not-yet-treated controls are used (a warning when never-treated
 *    controls were asked for; did stops instead), periods from the last cohort's start on are
 *    dropped and the last cohort becomes the comparison group, as did does;
 * 3. units treated in or before the first period are dropped (warning);
 * 4. groups smaller than did's threshold (5 + number of covariates) are named in a warning;
 * 5. without `allowUnbalancedPanel`, units not observed in every remaining period are dropped
 *    (warning with the number); with it, an actually balanced panel takes the balanced path.
 */
import type { Panel } from './panel.ts';
import type { CsControl, CsWarning } from './cs-types.ts';

export interface PreparedPanel {
  /** units kept */
  n: number;
  /** index into panel.ids of each kept unit */
  units: Int32Array;
  /** kept periods (values), ascending */
  tlist: Int32Array;
  /** treated cohorts (values), ascending */
  glist: Int32Array;
  /** cohort of each kept unit after recoding (0 = never treated or used as such) */
  cohort: Int32Array;
  /** the distinct cohorts of the kept units (0 first when present), ascending */
  cohorts: Int32Array;
  /** index into `cohorts` of each kept unit */
  cohortIndex: Int32Array;
  /** outcome, n × tlist.length row-major; NaN where the unit is not observed */
  y: Float64Array;
  /** true when every kept unit is observed in every kept period */
  balanced: boolean;
  /** the control group actually used */
  control: CsControl;
  /** baseline covariates per kept unit (one array per covariate), or null */
  covariates: Float64Array[] | null;
  /** cluster code per kept unit, or null */
  cluster: Int32Array | null;
  warnings: CsWarning[];
}

export interface PrepareOptions {
  control: CsControl;
  allowUnbalancedPanel: boolean;
  anticipation: number;
}

export type PrepareOutcome =
  | { ok: true; prepared: PreparedPanel }
  | { ok: false; code: 'empty-data' | 'no-treated-units' | 'single-period'; message: string };

export function checkPanelShape(panel: Panel): void {
  const nObs = panel.y.length;
  const nUnits = panel.ids.length;
  if (panel.unit.length !== nObs || panel.period.length !== nObs) {
    throw new Error('panel: unit, period and y must have one entry per observation');
  }
  if (panel.cohort.length !== nUnits) throw new Error('panel: cohort must have one entry per unit');
  if (panel.cluster && panel.cluster.length !== nUnits)
    throw new Error('panel: cluster must have one entry per unit');
  for (let k = 1; k < panel.times.length; k++) {
    if (!(panel.times[k] > panel.times[k - 1])) throw new Error('panel: times must be sorted and distinct');
  }
  for (let o = 0; o < nObs; o++) {
    if (panel.unit[o] < 0 || panel.unit[o] >= nUnits)
      throw new Error(`panel: observation ${o} has no valid unit`);
    if (panel.period[o] < 0 || panel.period[o] >= panel.times.length)
      throw new Error(`panel: observation ${o} has no valid period`);
    if (!Number.isFinite(panel.y[o]))
      throw new Error(
        `panel: outcome of observation ${o} (unit ${panel.ids[panel.unit[o]]}) is not a finite number`,
      );
  }
  const cov = panel.covariates;
  if (cov && (cov.values.length !== cov.names.length || cov.values.some((v) => v.length !== nUnits))) {
    throw new Error('panel: covariates must have one array per name and one value per unit');
  }
}

export function preparePanel(panel: Panel, options: PrepareOptions): PrepareOutcome {
  checkPanelShape(panel);
  const warnings: CsWarning[] = [];
  const nUnits = panel.ids.length;
  const times = panel.times;
  if (panel.y.length === 0 || nUnits === 0)
    return { ok: false, code: 'empty-data', message: 'The panel has no observations.' };
  const lastTime = times[times.length - 1];
  const cohort = Int32Array.from(panel.cohort);
  const late = cohort.filter((g) => g > lastTime).length;
  if (late > 0) {
    for (let u = 0; u < nUnits; u++) if (cohort[u] > lastTime) cohort[u] = 0;
    warnings.push({
      code: 'cohort-after-last-period',
      message: `${late} unit(s) first treated after the last observed period (${lastTime}) are used as never treated.`,
      details: { units: late },
    });
  }
  let control = options.control;
  let keepPeriod: (t: number) => boolean = () => true;
  const observedCohorts = [...new Set(cohort)].sort((a, b) => a - b);
  if (!observedCohorts.includes(0)) {
    const gMax = observedCohorts[observedCohorts.length - 1];
    if (control === 'never') {
      warnings.push({
        code: 'no-never-treated-fallback',
        message: 'The panel has no never-treated units: not-yet-treated units are used as controls instead.',
      });
      control = 'notyet';
    }
    warnings.push({
      code: 'no-never-treated-fallback',
      message: `Without never-treated units, the last cohort (first treated in ${gMax}) serves as the comparison group and periods from ${gMax - options.anticipation} on are dropped, as did does.`,
      details: { lastCohort: gMax },
    });
    for (let u = 0; u < nUnits; u++) if (cohort[u] === gMax) cohort[u] = 0;
    keepPeriod = (t: number) => t < gMax - options.anticipation;
  }
  const periodKept = Array.from(times, (t) => keepPeriod(t));
  const tlist = times.filter((t) => keepPeriod(t));
  if (tlist.length < 2)
    return {
      ok: false,
      code: 'single-period',
      message: 'Fewer than two periods remain: no difference in differences can be formed.',
    };
  const firstPeriod = tlist[0];
  const alwaysTreated = cohort.filter((g) => g !== 0 && g <= firstPeriod + options.anticipation).length;
  if (alwaysTreated > 0) {
    warnings.push({
      code: 'always-treated-dropped',
      message: `Dropped ${alwaysTreated} unit(s) already treated in the first period (${firstPeriod}).`,
      details: { units: alwaysTreated },
    });
  }
  // observation counts per unit over the kept periods
  const unitKeep = new Uint8Array(nUnits);
  const seen = new Int32Array(nUnits);
  for (let o = 0; o < panel.y.length; o++) if (periodKept[panel.period[o]]) seen[panel.unit[o]]++;
  for (let u = 0; u < nUnits; u++) {
    const g = cohort[u];
    unitKeep[u] = seen[u] > 0 && (g === 0 || g > firstPeriod + options.anticipation) ? 1 : 0;
  }
  smallGroupWarning(
    cohort,
    unitKeep,
    seen,
    tlist.length,
    5 + (panel.covariates?.names.length ?? 0),
    warnings,
  );
  const complete = (u: number) => seen[u] === tlist.length;
  let balanced = true;
  for (let u = 0; u < nUnits; u++) if (unitKeep[u] && !complete(u)) balanced = false;
  if (!balanced && !options.allowUnbalancedPanel) {
    let dropped = 0;
    for (let u = 0; u < nUnits; u++) {
      if (unitKeep[u] && !complete(u)) {
        unitKeep[u] = 0;
        dropped++;
      }
    }
    warnings.push({
      code: 'unbalanced-units-dropped',
      message: `${dropped} unit(s) are missing in some periods: dropped to make a balanced panel (allow an unbalanced panel to keep them).`,
      details: { units: dropped },
    });
    balanced = true;
  }
  return {
    ok: true,
    prepared: assemble(panel, cohort, unitKeep, periodKept, tlist, control, balanced, warnings),
  };
}

function smallGroupWarning(
  cohort: Int32Array,
  unitKeep: Uint8Array,
  seen: Int32Array,
  nPeriods: number,
  required: number,
  warnings: CsWarning[],
): void {
  // did: group size = observations of the group / number of periods
  const rows = new Map<number, number>();
  for (let u = 0; u < cohort.length; u++)
    if (unitKeep[u]) rows.set(cohort[u], (rows.get(cohort[u]) ?? 0) + seen[u]);
  const small = [...rows]
    .filter(([, r]) => r / nPeriods < required)
    .map(([g]) => g)
    .sort((a, b) => a - b);
  if (small.length > 0) {
    warnings.push({
      code: 'small-group',
      message: `Some groups have fewer than ${required} units, too few for reliable estimates: cohort(s) ${small.join(', ')} (0 = never treated).`,
      details: { cohorts: small, required },
    });
  }
}

function assemble(
  panel: Panel,
  cohortAll: Int32Array,
  unitKeep: Uint8Array,
  periodKept: boolean[],
  tlistIn: Int32Array,
  control: CsControl,
  balanced: boolean,
  warnings: CsWarning[],
): PreparedPanel {
  const newIndex = new Int32Array(panel.ids.length).fill(-1);
  let n = 0;
  for (let u = 0; u < panel.ids.length; u++) if (unitKeep[u]) newIndex[u] = n++;
  const units = new Int32Array(n);
  for (let u = 0; u < panel.ids.length; u++) if (newIndex[u] >= 0) units[newIndex[u]] = u;
  // periods actually observed among kept units
  const periodUsed = new Uint8Array(panel.times.length);
  for (let o = 0; o < panel.y.length; o++) {
    if (periodKept[panel.period[o]] && newIndex[panel.unit[o]] >= 0) periodUsed[panel.period[o]] = 1;
  }
  const periodIndex = new Int32Array(panel.times.length).fill(-1);
  const tl: number[] = [];
  panel.times.forEach((t, p) => {
    if (periodKept[p] && periodUsed[p]) {
      periodIndex[p] = tl.length;
      tl.push(t);
    }
  });
  const tlist = tl.length > 0 ? Int32Array.from(tl) : tlistIn;
  const nT = tlist.length;
  const y = new Float64Array(n * nT).fill(Number.NaN);
  for (let o = 0; o < panel.y.length; o++) {
    const i = newIndex[panel.unit[o]];
    const p = periodIndex[panel.period[o]];
    if (i >= 0 && p >= 0) y[i * nT + p] = panel.y[o];
  }
  const cohort = new Int32Array(n);
  for (let i = 0; i < n; i++) cohort[i] = cohortAll[units[i]];
  const glist = Int32Array.from(new Set(cohort.filter((g) => g > 0 && g > tlist[0]))).sort();
  const cohorts = Int32Array.from(new Set(cohort)).sort();
  const indexOf = new Map(Array.from(cohorts, (g, k) => [g, k]));
  const cohortIndex = Int32Array.from(cohort, (g) => indexOf.get(g)!);
  const covariates = panel.covariates
    ? panel.covariates.values.map((v) => Float64Array.from(units, (u) => v[u]))
    : null;
  const cluster = panel.cluster ? Int32Array.from(units, (u) => panel.cluster![u]) : null;
  return {
    n,
    units,
    tlist,
    glist,
    cohort,
    cohorts,
    cohortIndex,
    y,
    balanced,
    control,
    covariates,
    cluster,
    warnings,
  };
}
