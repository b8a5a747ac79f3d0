/**
 * Exact matching for observational comparisons (issue 12 item 6; METHODS.md §2, "how the platform
 * models LEAP-type programs"), pure. Comparison students are the not-served, chronically absent
 * students of the same districts; each served student is matched exactly on
 * district × grade band × baseline attendance decile × English-learner status, and the event study
 * then runs on the matched panel (served students matched + comparisons of the matched strata).
 *
 * Definitions:
 * - Baseline: the months before the earliest treatment start of any served student (nobody is
 *   treated yet), the same window for every student; totals are summed over its student-months.
 * - Chronically absent at baseline (DESIGN.md §5, outcome-definitions.ts): at least
 *   `min_enrolled_days` enrolled days and days with ≥ 0.5 missed ≥ `threshold` × enrolled days.
 * - Baseline attendance rate: 1 − absence days / enrolled days over the baseline window (to 1e-9).
 * - Deciles: cut points q_k (k = 1 … 9) are the type-7 quantiles (R's default `quantile`) of the
 *   baseline attendance rates of the pool (served students with a baseline and chronically absent
 *   comparison candidates); a rate x falls in decile 1 + #{k : x > q_k}.
 * - Missing grade band or English-learner status is its own value ('unknown'), matched exactly.
 * - A served student is matched when its stratum holds at least one comparison candidate; a
 *   candidate is kept when its stratum holds at least one served student. Served students without
 *   a baseline month are unmatched ('no baseline'), as are those whose stratum has no candidate.
 *
 * The estimator does not reweight comparisons by stratum (coarsened-exact-matching weights): the
 * matching restricts the comparison pool to the served students' strata, as METHODS.md §2 describes
 * ("first exact-match …, estimate with E7").
 */
import { outcomeValue, type ChronicRule } from '../outcome-definitions.ts';

export interface MatchCandidate {
  key: string;
  district: string;
  gradeBand: string | null;
  englishLearner: boolean | null;
  /** true for a served student (treated), false for a not-served student */
  served: boolean;
  /** totals over the baseline window; null when the student has no enrolled baseline day */
  baseline: { enrolledDays: number; absenceDays: number; chronicDays: number } | null;
}

export interface MatchStratum {
  district: string;
  grade_band: string;
  decile: number;
  english_learner: string;
  treated: number;
  comparisons: number;
}

export interface ExactMatchResult {
  /** keys of the matched served students */
  treated: Set<string>;
  /** keys of the kept comparison students */
  comparisons: Set<string>;
  /** the nine decile cut points of the pool's baseline attendance rates (null with an empty pool) */
  decileCuts: number[] | null;
  counts: {
    served: number;
    served_matched: number;
    served_unmatched: number;
    served_unmatched_no_baseline: number;
    served_unmatched_no_comparison: number;
    /** matched served students / served students */
    match_rate: number;
    comparison_candidates: number;
    chronically_absent_candidates: number;
    comparisons_matched: number;
  };
  /** every stratum with a served student or a chronically absent candidate, ordered by its key */
  strata: MatchStratum[];
}

export const DEFAULT_CHRONIC_RULE: ChronicRule = { threshold: 0.1, min_enrolled_days: 10, crdc_days: 15 };

/** R's `quantile(x, p, type = 7)` of sorted values. */
export function quantileType7(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Decile 1 … 10 of x given the nine cut points. @example decileOf(0.5, [0.1, …, 0.9]) // 5 */
export function decileOf(x: number, cuts: readonly number[]): number {
  let d = 1;
  for (const q of cuts) if (x > q) d++;
  return d;
}

/** Baseline attendance rate, rounded to 1e-9 so float noise in the day sums never decides a decile. */
const rateOf = (b: NonNullable<MatchCandidate['baseline']>) =>
  Math.round((1 - b.absenceDays / b.enrolledDays) * 1e9) / 1e9;

/**
 * @example exactMatch([served, comparison], DEFAULT_CHRONIC_RULE).counts.match_rate // 1 when both share a stratum
 */
export function exactMatch(
  students: readonly MatchCandidate[],
  rule: ChronicRule = DEFAULT_CHRONIC_RULE,
): ExactMatchResult {
  const chronic = (s: MatchCandidate) =>
    s.baseline !== null && outcomeValue('chronically_absent', s.baseline, rule) === 1;
  const served = students.filter((s) => s.served);
  const candidates = students.filter((s) => !s.served);
  const pool = [...served.filter((s) => s.baseline !== null), ...candidates.filter(chronic)];
  const rates = Float64Array.from(pool, (s) => rateOf(s.baseline!)).sort();
  const cuts =
    rates.length === 0 ? null : Array.from({ length: 9 }, (_, k) => quantileType7(rates, (k + 1) / 10));
  const strata = new Map<string, MatchStratum & { served: string[]; candidates: string[] }>();
  const place = (s: MatchCandidate, isServed: boolean) => {
    const cell = {
      district: s.district,
      grade_band: s.gradeBand ?? 'unknown',
      decile: decileOf(rateOf(s.baseline!), cuts!),
      english_learner: s.englishLearner === null ? 'unknown' : s.englishLearner ? 'Y' : 'N',
    };
    const key = [
      cell.district,
      cell.grade_band,
      String(cell.decile).padStart(2, '0'),
      cell.english_learner,
    ].join('|');
    let stratum = strata.get(key);
    if (!stratum)
      strata.set(key, (stratum = { ...cell, treated: 0, comparisons: 0, served: [], candidates: [] }));
    (isServed ? stratum.served : stratum.candidates).push(s.key);
  };
  for (const s of pool) place(s, s.served);
  const treated = new Set<string>();
  const comparisons = new Set<string>();
  let noComparison = 0;
  for (const stratum of strata.values()) {
    if (stratum.candidates.length === 0) noComparison += stratum.served.length;
    else if (stratum.served.length > 0) {
      for (const k of stratum.served) treated.add(k);
      for (const k of stratum.candidates) comparisons.add(k);
    }
  }
  const noBaseline = served.length - pool.filter((s) => s.served).length;
  return {
    treated,
    comparisons,
    decileCuts: cuts,
    counts: {
      served: served.length,
      served_matched: treated.size,
      served_unmatched: served.length - treated.size,
      served_unmatched_no_baseline: noBaseline,
      served_unmatched_no_comparison: noComparison,
      match_rate: served.length === 0 ? 0 : treated.size / served.length,
      comparison_candidates: candidates.length,
      chronically_absent_candidates: pool.length - (served.length - noBaseline),
      comparisons_matched: comparisons.size,
    },
    strata: [...strata.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => ({
        district: s.district,
        grade_band: s.grade_band,
        decile: s.decile,
        english_learner: s.english_learner,
        treated: s.served.length,
        comparisons: s.candidates.length,
      })),
  };
}

/**
 * Each student's totals over the baseline window (months strictly before `firstStart`, 'YYYY-MM'),
 * from the student-month rows; students without an enrolled baseline day are absent from the map.
 */
export function baselineTotals(
  months: readonly {
    studentId: number;
    month: string;
    enrolledDays: number;
    absenceDays: number;
    chronicDays: number;
  }[],
  firstStart: string,
): Map<number, { enrolledDays: number; absenceDays: number; chronicDays: number }> {
  const out = new Map<number, { enrolledDays: number; absenceDays: number; chronicDays: number }>();
  for (const m of months) {
    if (m.month >= firstStart || !(m.enrolledDays > 0)) continue;
    const t = out.get(m.studentId);
    if (t) {
      t.enrolledDays += m.enrolledDays;
      t.absenceDays += m.absenceDays;
      t.chronicDays += m.chronicDays;
    } else
      out.set(m.studentId, {
        enrolledDays: m.enrolledDays,
        absenceDays: m.absenceDays,
        chronicDays: m.chronicDays,
      });
  }
  return out;
}
