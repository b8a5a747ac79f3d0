/** Seeded synthetic staggered-adoption panels for the Callaway–Sant'Anna property tests. */
import seedrandom from 'seedrandom';
import type { PanelRow } from '../../../../analysis/event-study/panel.ts';

export interface SyntheticSpec {
  units: number;
  periods: number;
  /** first-treated periods; 0 = never treated */
  cohorts: number[];
  /** true effect of cohort g at event time e ≥ 0 */
  effect: (g: number, e: number) => number;
  seed: string;
  /** probability that a student-month is missing */
  missing?: number;
  /** covariate x shifts cohort membership and the outcome trend (conditional parallel trends) */
  covariateTrend?: number;
  noise?: number;
  clusters?: number;
}

export function syntheticRows(spec: SyntheticSpec): PanelRow[] {
  const rng = seedrandom.alea(spec.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const rows: PanelRow[] = [];
  for (let u = 0; u < spec.units; u++) {
    const x = normal();
    // units with larger x are likelier to be in later cohorts (selection on the covariate)
    const k = Math.min(
      spec.cohorts.length - 1,
      Math.floor(rng() * spec.cohorts.length + (spec.covariateTrend ? 0.35 * x : 0)),
    );
    const g = spec.cohorts[Math.max(0, k)];
    const level = 2 + normal();
    const cluster = spec.clusters ? `c${u % spec.clusters}` : undefined;
    for (let t = 1; t <= spec.periods; t++) {
      if (spec.missing && rng() < spec.missing) continue;
      const trend = 0.3 * t + (spec.covariateTrend ?? 0) * x * t;
      const te = g > 0 && t >= g ? spec.effect(g, t - g) : 0;
      rows.push({
        id: `u${u}`,
        time: t,
        cohort: g,
        y: level + trend + te + (spec.noise ?? 1) * normal(),
        covariates: [x],
        ...(cluster ? { cluster } : {}),
      });
    }
  }
  return rows;
}
