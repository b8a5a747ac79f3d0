/**
 * Goodman-Bacon (2021) decomposition of the static two-way fixed-effects estimate
 * y_it = α_i + λ_t + β D_it + ε_it (D_it = 1{t ≥ G_i}) on a balanced panel, as bacondecomp's
 * `bacon(y ~ D, data, id_var, time_var)`: β̂ = Σ s·β̂^{2×2} over every 2×2 comparison,
 *
 *   Treated vs Untreated (cohort k vs never-treated U):
 *     β̂_kU = [ȳ_k(POST_k) − ȳ_k(PRE_k)] − [ȳ_U(POST_k) − ȳ_U(PRE_k)],
 *     s_kU ∝ (n_k + n_U)² n_kU(1 − n_kU) D̄_k(1 − D̄_k);
 *   Earlier vs Later Treated (k treated before l, window before l's treatment):
 *     β̂^k_kl = [ȳ_k(MID) − ȳ_k(PRE_k)] − [ȳ_l(MID) − ȳ_l(PRE_k)],
 *     s^k_kl ∝ ((n_k + n_l)(1 − D̄_l))² n_kl(1 − n_kl) (D̄_k − D̄_l)/(1 − D̄_l) · (1 − D̄_k)/(1 − D̄_l);
 *   Later vs Earlier Treated (l against the already-treated k, window after k's treatment):
 *     β̂^l_kl = [ȳ_l(POST_l) − ȳ_l(MID)] − [ȳ_k(POST_l) − ȳ_k(MID)],
 *     s^l_kl ∝ ((n_k + n_l) D̄_k)² n_kl(1 − n_kl) (D̄_l/D̄_k) · (D̄_k − D̄_l)/D̄_k;
 *
 * n_k the share of units in cohort k, n_kl = n_k/(n_k + n_l), D̄_k the share of periods cohort k is
 * treated; the weights are divided by their sum (their common denominator is the variance of the
 * demeaned D). Units treated in the first period form an always-treated group (D̄ = 1): they enter
 * only as controls ("Later vs Always Treated"). The later-versus-earlier comparisons use already
 * treated units as controls, which is where TWFE goes wrong under dynamic effects.
 */
import type { Panel } from './panel.ts';

export type BaconComparisonType =
  | 'Treated vs Untreated'
  | 'Earlier vs Later Treated'
  | 'Later vs Earlier Treated'
  | 'Later vs Always Treated';

export interface BaconComparison {
  type: BaconComparisonType;
  /** cohort whose treatment switches on in the comparison */
  treated: number;
  /** control cohort; 0 = never treated */
  control: number;
  estimate: number;
  weight: number;
}

export interface BaconTypeSummary {
  type: BaconComparisonType;
  /** total weight of the type */
  weight: number;
  /** weight-averaged estimate of the type */
  estimate: number;
}

export interface BaconResult {
  comparisons: BaconComparison[];
  byType: BaconTypeSummary[];
  /** Σ weight·estimate: the static TWFE coefficient */
  estimate: number;
}

export type BaconOutcome =
  | { ok: true; result: BaconResult }
  | {
      ok: false;
      refusal: { code: 'unbalanced-panel' | 'no-treated-units' | 'no-comparisons'; message: string };
    };

interface Group {
  cohort: number;
  units: number;
  /** mean outcome per period index */
  means: Float64Array;
  /** share of periods treated */
  treatedShare: number;
}

/**
 * @example see tests/unit/analysis/event-study/goodman-bacon.test.ts: castle (METHODS.md §6 case 8)
 *   Treated vs Untreated weight 0.90834, estimate 0.08796; overall 0.0818
 */
export function goodmanBacon(panel: Panel): BaconOutcome {
  const periods = panel.times.length;
  const observed = new Int32Array(panel.ids.length);
  for (let o = 0; o < panel.unit.length; o++) observed[panel.unit[o]]++;
  if (observed.some((c) => c !== periods))
    return {
      ok: false,
      refusal: {
        code: 'unbalanced-panel',
        message:
          'the Goodman-Bacon decomposition needs a balanced panel (every unit observed in every period)',
      },
    };
  const groups = cohortGroups(panel);
  const never = groups.find((g) => g.cohort === 0);
  const timing = groups.filter((g) => g.cohort !== 0).sort((a, b) => a.cohort - b.cohort);
  if (timing.length === 0)
    return { ok: false, refusal: { code: 'no-treated-units', message: 'no unit is ever treated' } };
  const total = groups.reduce((s, g) => s + g.units, 0);
  const raw: BaconComparison[] = [];
  for (const k of timing) {
    if (never && k.treatedShare < 1) raw.push(treatedVsUntreated(panel, k, never, total));
    for (const l of timing) {
      if (l.cohort <= k.cohort) continue;
      if (k.treatedShare < 1) raw.push(earlierVsLater(panel, k, l, total));
      raw.push(laterVsEarlier(panel, k, l, total));
    }
  }
  const sum = raw.reduce((s, c) => s + c.weight, 0);
  if (!(sum > 0))
    return {
      ok: false,
      refusal: { code: 'no-comparisons', message: 'no 2×2 comparison has positive weight' },
    };
  const comparisons = raw.map((c) => ({ ...c, weight: c.weight / sum }));
  return {
    ok: true,
    result: {
      comparisons,
      byType: summarize(comparisons),
      estimate: comparisons.reduce((s, c) => s + c.weight * c.estimate, 0),
    },
  };
}

function cohortGroups(panel: Panel): Group[] {
  const periods = panel.times.length;
  const index = new Map<number, number>();
  const groups: Group[] = [];
  for (let u = 0; u < panel.ids.length; u++) {
    const g = panel.cohort[u];
    if (!index.has(g)) {
      index.set(g, groups.length);
      const treated = g === 0 ? 0 : panel.times.filter((t) => t >= g).length / periods;
      groups.push({ cohort: g, units: 0, means: new Float64Array(periods), treatedShare: treated });
    }
    groups[index.get(g)!].units++;
  }
  for (let o = 0; o < panel.y.length; o++)
    groups[index.get(panel.cohort[panel.unit[o]])!].means[panel.period[o]] += panel.y[o];
  for (const group of groups) for (let t = 0; t < periods; t++) group.means[t] /= group.units;
  return groups;
}

/** Mean of a group's period means over the periods whose value lies in [from, to). */
function windowMean(panel: Panel, group: Group, from: number, to: number): number {
  let s = 0;
  let c = 0;
  panel.times.forEach((t, p) => {
    if (t >= from && t < to) {
      s += group.means[p];
      c++;
    }
  });
  return s / c;
}

const BEFORE = Number.NEGATIVE_INFINITY;
const AFTER = Number.POSITIVE_INFINITY;

function treatedVsUntreated(panel: Panel, k: Group, u: Group, total: number): BaconComparison {
  const diff = (g: Group) => windowMean(panel, g, k.cohort, AFTER) - windowMean(panel, g, BEFORE, k.cohort);
  const nk = k.units / total;
  const nu = u.units / total;
  const share = nk / (nk + nu);
  const weight = (nk + nu) ** 2 * share * (1 - share) * k.treatedShare * (1 - k.treatedShare);
  return { type: 'Treated vs Untreated', treated: k.cohort, control: 0, estimate: diff(k) - diff(u), weight };
}

function earlierVsLater(panel: Panel, k: Group, l: Group, total: number): BaconComparison {
  const diff = (g: Group) =>
    windowMean(panel, g, k.cohort, l.cohort) - windowMean(panel, g, BEFORE, k.cohort);
  const { nk, nl, share } = shares(k, l, total);
  const dk = k.treatedShare;
  const dl = l.treatedShare;
  const weight =
    ((nk + nl) * (1 - dl)) ** 2 * share * (1 - share) * ((dk - dl) / (1 - dl)) * ((1 - dk) / (1 - dl));
  return {
    type: 'Earlier vs Later Treated',
    treated: k.cohort,
    control: l.cohort,
    estimate: diff(k) - diff(l),
    weight,
  };
}

function laterVsEarlier(panel: Panel, k: Group, l: Group, total: number): BaconComparison {
  const diff = (g: Group) => windowMean(panel, g, l.cohort, AFTER) - windowMean(panel, g, k.cohort, l.cohort);
  const { nk, nl, share } = shares(k, l, total);
  const dk = k.treatedShare;
  const dl = l.treatedShare;
  const weight = ((nk + nl) * dk) ** 2 * share * (1 - share) * (dl / dk) * ((dk - dl) / dk);
  const type = dk === 1 ? 'Later vs Always Treated' : 'Later vs Earlier Treated';
  return { type, treated: l.cohort, control: k.cohort, estimate: diff(l) - diff(k), weight };
}

function shares(k: Group, l: Group, total: number): { nk: number; nl: number; share: number } {
  const nk = k.units / total;
  const nl = l.units / total;
  return { nk, nl, share: nk / (nk + nl) };
}

function summarize(comparisons: BaconComparison[]): BaconTypeSummary[] {
  const types: BaconComparisonType[] = [
    'Earlier vs Later Treated',
    'Later vs Earlier Treated',
    'Later vs Always Treated',
    'Treated vs Untreated',
  ];
  return types.flatMap((type) => {
    const of = comparisons.filter((c) => c.type === type);
    if (of.length === 0) return [];
    const weight = of.reduce((s, c) => s + c.weight, 0);
    return [{ type, weight, estimate: of.reduce((s, c) => s + c.weight * c.estimate, 0) / weight }];
  });
}
