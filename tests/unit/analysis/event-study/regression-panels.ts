/**
 * Small seeded panels for the event-study tests, and a brute-force dense least-squares fit with
 * every unit and period dummy (the reference for the absorbed regressions).
 */
import seedrandom from 'seedrandom';
import { thinQr } from '../../../../analysis/householder-qr.ts';
import { invertUpperTriangular } from '../../../../analysis/dense-matrix.ts';
import { panelFromRows, type Panel, type PanelRow } from '../../../../analysis/event-study/panel.ts';

export interface PanelDesign {
  seed: string;
  /** cohort of each unit group, with its number of units; 0 = never treated */
  cohorts: { cohort: number; units: number }[];
  periods: number;
  /** probability that a unit-period is missing (0 = balanced) */
  missing?: number;
  /** effect of treatment at event time e for cohort g */
  effect?: (g: number, e: number) => number;
}

/** y = unit effect + period effect + effect(g, t − g) (treated) + N(0, 1) noise. */
export function syntheticPanel(design: PanelDesign): Panel {
  const rng = seedrandom(design.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const season = Array.from({ length: design.periods }, (_, t) => Math.sin(t) * 2);
  const rows: PanelRow[] = [];
  let id = 0;
  for (const { cohort, units } of design.cohorts) {
    for (let k = 0; k < units; k++, id++) {
      const alpha = normal() * 2 + cohort * 0.1;
      for (let t = 1; t <= design.periods; t++) {
        if (design.missing && rng() < design.missing) continue;
        const treated = cohort > 0 && t >= cohort;
        const y =
          alpha +
          season[t - 1] +
          (treated && design.effect ? design.effect(cohort, t - cohort) : 0) +
          normal();
        rows.push({ id: `u${id}`, time: t, y, cohort });
      }
    }
  }
  return panelFromRows(rows);
}

export interface DenseFit {
  beta: Float64Array;
  /** CR1 with fixest's small-sample factor, on the first `p` coefficients */
  vcov: Float64Array;
  clusters: number;
}

/**
 * y on [indicator columns, every unit dummy, period dummies but the first], fitted by QR on the
 * dense matrix; clustered by unit, V = G/(G−1)·(n−1)/(n−K)·bread·meat·bread with K as given.
 */
export function denseTwoWayFit(panel: Panel, indicators: Float64Array[], k: number): DenseFit {
  const n = panel.y.length;
  const columns = [...indicators];
  for (let u = 0; u < panel.ids.length; u++)
    columns.push(Float64Array.from(panel.unit, (v) => (v === u ? 1 : 0)));
  for (let t = 1; t < panel.times.length; t++)
    columns.push(Float64Array.from(panel.period, (v) => (v === t ? 1 : 0)));
  const qr = thinQr(columns, 1e-9);
  if (!qr.ok) throw new Error(`dense design is collinear at ${qr.collinear.join(',')}`);
  const { q, r, p: total } = qr.qr;
  const rInv = invertUpperTriangular(r, total);
  const qty = q.map((col) => col.reduce((s, v, i) => s + v * panel.y[i], 0));
  const beta = new Float64Array(total);
  for (let i = 0; i < total; i++) for (let j = i; j < total; j++) beta[i] += rInv[i * total + j] * qty[j];
  const e = Float64Array.from(panel.y);
  columns.forEach((col, j) => col.forEach((v, i) => (e[i] -= v * beta[j])));
  // bread·X' rows of the indicators: (R⁻¹Qᵀ)_{a,i}
  const p = indicators.length;
  const clusters = panel.ids.length;
  const scores = new Float64Array(clusters * p);
  for (let a = 0; a < p; a++) {
    for (let i = 0; i < n; i++) {
      let h = 0;
      for (let j = a; j < total; j++) h += rInv[a * total + j] * q[j][i];
      scores[panel.unit[i] * p + a] += h * e[i];
    }
  }
  const factor = (clusters / (clusters - 1)) * ((n - 1) / (n - k));
  const vcov = new Float64Array(p * p);
  for (let g = 0; g < clusters; g++)
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) vcov[a * p + b] += factor * scores[g * p + a] * scores[g * p + b];
  return { beta: beta.slice(0, p), vcov, clusters };
}

/** Mean of y over the units of a cohort at a period value. */
export function cohortMean(panel: Panel, cohort: number, time: number): number {
  let s = 0;
  let c = 0;
  for (let o = 0; o < panel.y.length; o++) {
    if (panel.cohort[panel.unit[o]] === cohort && panel.times[panel.period[o]] === time) {
      s += panel.y[o];
      c++;
    }
  }
  return s / c;
}

export function unitsInCohort(panel: Panel, cohort: number): number {
  return Array.from(panel.cohort).filter((g) => g === cohort).length;
}
