/**
 * The Panel of a panel CSV's kept observations, built straight from typed arrays (no object per
 * row), with panel.ts's `panelFromRows` conventions (tested equal to it).
 */
import type { Panel } from './panel.ts';

export interface PanelParts {
  ids: string[];
  /** per kept observation: index into ids, time value, outcome, row in the file */
  unit: number[];
  time: number[];
  y: number[];
  row: number[];
  cohortOf: (id: string) => number;
  cluster: ((row: number) => string) | undefined;
  covariates: ((row: number) => number)[];
  covariateNames: string[];
}

/**
 * The Panel of the kept observations, with panel.ts's `panelFromRows` conventions: units in order
 * of first appearance, periods sorted, cluster and covariates from each unit's earliest period
 * (cluster codes in unit order).
 */
export function buildPanel(parts: PanelParts): Panel {
  const n = parts.y.length;
  const remap = new Int32Array(parts.ids.length).fill(-1);
  const ids: string[] = [];
  const unit = new Int32Array(n);
  for (let o = 0; o < n; o++) {
    const u = parts.unit[o];
    if (remap[u] === -1) remap[u] = ids.push(parts.ids[u]) - 1;
    unit[o] = remap[u];
  }
  const times = Int32Array.from(new Set(parts.time)).sort();
  const periodOf = new Map<number, number>();
  times.forEach((t, k) => periodOf.set(t, k));
  const period = Int32Array.from(parts.time, (t) => periodOf.get(t)!);
  const baseline = new Int32Array(ids.length).fill(-1);
  for (let o = 0; o < n; o++) {
    const u = unit[o];
    if (baseline[u] === -1 || period[o] < period[baseline[u]]) baseline[u] = o;
  }
  const panel: Panel = {
    ids,
    times,
    unit,
    period,
    y: Float64Array.from(parts.y),
    cohort: Int32Array.from(ids, (id) => parts.cohortOf(id)),
  };
  if (parts.cluster) {
    const codes = new Map<string, number>();
    panel.cluster = Int32Array.from(ids, (_, u) => {
      const label = parts.cluster!(parts.row[baseline[u]]);
      if (!codes.has(label)) codes.set(label, codes.size);
      return codes.get(label)!;
    });
  }
  if (parts.covariateNames.length > 0)
    panel.covariates = {
      names: parts.covariateNames,
      values: parts.covariates.map((read) => Float64Array.from(ids, (_, u) => read(parts.row[baseline[u]]))),
    };
  return panel;
}
