/**
 * Subsets of a Panel: the observations a predicate keeps, and the balanced panel of units observed
 * in every period (did's default, allow_unbalanced_panel = FALSE). Units and periods left without
 * observations are removed and the codes renumbered, so the result is again a valid Panel.
 */
import type { Panel } from './panel.ts';

/**
 * @example subsetPanel(panel, (o) => panel.y[o] > 0) // only observations with a positive outcome
 */
export function subsetPanel(panel: Panel, keep: (observation: number) => boolean): Panel {
  const rows: number[] = [];
  for (let o = 0; o < panel.y.length; o++) if (keep(o)) rows.push(o);
  const unitMap = new Int32Array(panel.ids.length).fill(-1);
  const periodMap = new Int32Array(panel.times.length).fill(-1);
  for (const o of rows) {
    unitMap[panel.unit[o]] = 0;
    periodMap[panel.period[o]] = 0;
  }
  const units: number[] = [];
  unitMap.forEach((v, u) => {
    if (v === 0) unitMap[u] = units.push(u) - 1;
  });
  const periods: number[] = [];
  periodMap.forEach((v, p) => {
    if (v === 0) periodMap[p] = periods.push(p) - 1;
  });
  const out: Panel = {
    ids: units.map((u) => panel.ids[u]),
    times: Int32Array.from(periods, (p) => panel.times[p]),
    unit: Int32Array.from(rows, (o) => unitMap[panel.unit[o]]),
    period: Int32Array.from(rows, (o) => periodMap[panel.period[o]]),
    y: Float64Array.from(rows, (o) => panel.y[o]),
    cohort: Int32Array.from(units, (u) => panel.cohort[u]),
  };
  if (panel.cluster) {
    const cluster = panel.cluster;
    const codes = new Map<number, number>();
    out.cluster = Int32Array.from(units, (u) => {
      if (!codes.has(cluster[u])) codes.set(cluster[u], codes.size);
      return codes.get(cluster[u])!;
    });
  }
  if (panel.covariates)
    out.covariates = {
      names: panel.covariates.names,
      values: panel.covariates.values.map((column) => Float64Array.from(units, (u) => column[u])),
    };
  return out;
}

/**
 * The units observed in every period of the panel, and how many units were dropped.
 *
 * @example balancedPanel(panel).dropped // units with a missing period
 */
export function balancedPanel(panel: Panel): { panel: Panel; dropped: number } {
  const observed = new Int32Array(panel.ids.length);
  for (let o = 0; o < panel.unit.length; o++) observed[panel.unit[o]]++;
  const complete = (u: number) => observed[u] === panel.times.length;
  let dropped = 0;
  for (let u = 0; u < observed.length; u++) if (!complete(u)) dropped++;
  if (dropped === 0) return { panel, dropped: 0 };
  return { panel: subsetPanel(panel, (o) => complete(panel.unit[o])), dropped };
}
