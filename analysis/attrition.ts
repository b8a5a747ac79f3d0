import { WWC_CAUTIOUS_BOUNDARY, WWC_OPTIMISTIC_BOUNDARY } from './wwc-attrition-boundaries.ts';

export type WwcBoundaryKind = 'cautious' | 'optimistic';

/** Counts of a two-arm trial: units randomized and units with an analysed outcome, per arm. */
export interface AttritionCounts {
  randomizedTreatment: number;
  analyzedTreatment: number;
  randomizedControl: number;
  analyzedControl: number;
}

export type WwcAttritionRating =
  | { rating: 'low' | 'high'; boundary: number }
  /** overall attrition above the encoded rows of the WWC table (see wwc-attrition-boundaries.ts) */
  | { rating: 'beyond_table'; boundary: null };

export interface AttritionResult {
  /** 1 − analysed / randomized, over both arms */
  overall: number;
  treatment: number;
  control: number;
  /** |a_T − a_C| */
  differential: number;
  wwc: { cautious: WwcAttritionRating; optimistic: WwcAttritionRating };
}

/**
 * Highest differential attrition (as a proportion) compatible with low attrition at the given overall
 * attrition (a proportion), under the WWC's cautious or optimistic boundary, or null when the overall
 * rate lies beyond the encoded table. Between whole percents the smaller of the two neighbouring
 * rows is used, so a rate is never rated low on the strength of rounding.
 *
 * Reference: WWC Procedures and Standards Handbook v4.1, Table II.1.
 *
 * @throws {RangeError} when overall is not in [0, 1]
 * @example
 * wwcDifferentialBoundary(0.10, 'cautious'); // => 0.063
 * wwcDifferentialBoundary(0.305, 'optimistic'); // => 0.082 (min of the 30 % and 31 % rows)
 */
export function wwcDifferentialBoundary(overall: number, kind: WwcBoundaryKind): number | null {
  if (!(overall >= 0 && overall <= 1))
    throw new RangeError(`overall attrition must be in [0, 1]: ${overall}`);
  const table = kind === 'cautious' ? WWC_CAUTIOUS_BOUNDARY : WWC_OPTIMISTIC_BOUNDARY;
  // Round to 1e-9 percent first so 0.3 (= 30.000000000000004 %) stays on its own row.
  const percent = Math.round(overall * 100 * 1e9) / 1e9;
  const lo = Math.floor(percent);
  const hi = Math.ceil(percent);
  if (hi >= table.length) return null;
  // Tenths of a point as an integer, so 5.4 points becomes exactly 0.054.
  return Math.round(Math.min(table[lo], table[hi]) * 10) / 1000;
}

/**
 * Overall and differential attrition of a two-arm trial, rated against the WWC boundaries.
 * Overall attrition is 1 − (analysed_T + analysed_C)/(randomized_T + randomized_C); each arm's rate
 * is 1 − analysed/randomized; differential attrition is |a_T − a_C|. Attrition is low under a
 * boundary when the differential rate is at or below the boundary for the overall rate.
 *
 * Reference: WWC Procedures and Standards Handbook v4.1 (2020), "Attrition" (group designs).
 *
 * @throws {RangeError} on negative counts, an arm with nobody randomized, or more analysed than randomized
 * @example
 * const r = attrition({ randomizedTreatment: 500, analyzedTreatment: 450, randomizedControl: 500, analyzedControl: 470 });
 * r.overall; // => 0.08
 * r.differential; // => 0.04 (0.10 vs 0.06)
 * r.wwc.cautious; // => { rating: 'low', boundary: 0.063 }
 */
export function attrition(counts: AttritionCounts): AttritionResult {
  const {
    randomizedTreatment: nT,
    analyzedTreatment: aT,
    randomizedControl: nC,
    analyzedControl: aC,
  } = counts;
  for (const [name, value] of Object.entries(counts)) {
    if (!(Number.isInteger(value) && value >= 0))
      throw new RangeError(`${name} must be a non-negative integer`);
  }
  if (nT === 0 || nC === 0) throw new RangeError('each arm needs at least one randomized unit');
  if (aT > nT || aC > nC) throw new RangeError('more units analysed than randomized');
  const treatment = 1 - aT / nT;
  const control = 1 - aC / nC;
  const overall = 1 - (aT + aC) / (nT + nC);
  const differential = Math.abs(treatment - control);
  const rate = (kind: WwcBoundaryKind): WwcAttritionRating => {
    const boundary = wwcDifferentialBoundary(overall, kind);
    if (boundary === null) return { rating: 'beyond_table', boundary: null };
    // Compare in rounded percentage points so 0.063 − 1e-17 is not "above" a 6.3-point boundary.
    const rated = Math.round(differential * 1e11) / 1e11 <= boundary ? 'low' : 'high';
    return { rating: rated, boundary };
  };
  return {
    overall,
    treatment,
    control,
    differential,
    wwc: { cautious: rate('cautious'), optimistic: rate('optimistic') },
  };
}
