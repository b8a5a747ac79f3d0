/**
 * The unit, period and cluster factors of a Panel as dense codes for absorption and clustering.
 */
import type { DemeanFactor } from '../alternating-projections.ts';
import type { Panel } from './panel.ts';
import type { IndicatorDesign } from './two-way-regression.ts';

export function unitFactor(panel: Panel): DemeanFactor {
  return { codes: panel.unit, levels: panel.ids.length };
}

export function periodFactor(panel: Panel): DemeanFactor {
  return { codes: panel.period, levels: panel.times.length };
}

/** Cluster code per observation: the panel's cluster of its unit, or the unit itself. */
export function clusterFactor(panel: Panel): DemeanFactor {
  if (!panel.cluster) return unitFactor(panel);
  const cluster = panel.cluster;
  let levels = 0;
  for (let u = 0; u < cluster.length; u++) levels = Math.max(levels, cluster[u] + 1);
  return { codes: Int32Array.from(panel.unit, (u) => cluster[u]), levels };
}

/** Distinct units with an observation in each indicator column. */
export function unitsPerColumn(panel: Panel, design: IndicatorDesign): number[] {
  const counts = new Array<number>(design.columns).fill(0);
  const seen = new Uint8Array(panel.ids.length * design.columns);
  for (let o = 0; o < design.code.length; o++) {
    const j = design.code[o];
    if (j < 0) continue;
    const key = panel.unit[o] * design.columns + j;
    if (seen[key] === 1) continue;
    seen[key] = 1;
    counts[j]++;
  }
  return counts;
}
