/**
 * Baseline balance: standardized mean differences per covariate, with the What Works Clearinghouse
 * bands. Numeric covariates give one row; a categorical covariate gives one row per level, its
 * indicator (share of units at that level). Missing values are excluded from that covariate's row
 * and counted per arm.
 */

import { mean, sampleVariance } from 'simple-statistics';

export type CovariateColumn =
  | { name: string; kind: 'numeric'; values: ArrayLike<number> }
  | { name: string; kind: 'categorical'; values: readonly (string | null)[] };

/** WWC baseline-equivalence bands for |SMD|: ≤ .05 satisfies, (.05, .25] requires adjustment, > .25 fails. */
export type WwcBand = 'satisfies' | 'requires_adjustment' | 'fails';

export type SmdResult =
  { kind: 'ok'; smd: number; band: WwcBand } | { kind: 'undefined'; reason: 'too_few' | 'no_variance' };

export interface BalanceRow {
  covariate: string;
  /** the level of a categorical covariate (row of its indicator); null for a numeric covariate */
  level: string | null;
  meanTreatment: number;
  meanControl: number;
  sdTreatment: number;
  sdControl: number;
  /** units with a value, per arm */
  nTreatment: number;
  nControl: number;
  /** units missing this covariate, per arm */
  missingTreatment: number;
  missingControl: number;
  smd: SmdResult;
}

/**
 * WWC band of a standardized mean difference, by its absolute value.
 *
 * Reference: What Works Clearinghouse Standards Handbook v4.1 (2020), baseline equivalence.
 *
 * @example
 * wwcBand(-0.1); // => 'requires_adjustment'
 */
export function wwcBand(smd: number): WwcBand {
  const a = Math.abs(smd);
  if (a <= 0.05) return 'satisfies';
  if (a <= 0.25) return 'requires_adjustment';
  return 'fails';
}

/**
 * Standardized mean difference (x̄_T − x̄_C) / √((s_T² + s_C²)/2), with sample variances (divisor
 * n − 1, as R's `var`). `NaN` values are ignored. When both arms are constant and equal, the SMD is
 * 0; when they are constant and differ, it is undefined (no variance). Each arm needs two values.
 *
 * Reference: Austin (2009), "Balance diagnostics for comparing the distribution of baseline covariates
 * between treatment groups in propensity-score matched samples", Stat. Med. 28:3083–3107 (eq. 1).
 * Matches R `(mean(xt) - mean(xc)) / sqrt((var(xt) + var(xc)) / 2)`.
 *
 * @example
 * standardizedMeanDifference([2, 4, 6], [1, 3, 5]); // => { kind: 'ok', smd: 0.5, band: 'fails' }
 */
export function standardizedMeanDifference(
  treated: ArrayLike<number>,
  control: ArrayLike<number>,
): SmdResult {
  const t = moments(treated);
  const c = moments(control);
  return smdFromMoments(t, c);
}

/**
 * Balance table: one row per numeric covariate and one per level of each categorical covariate.
 *
 * @param treatment 1 for treatment, 0 for control, per unit
 * @param covariates columns of the same length as `treatment`
 * @throws {RangeError} on a length mismatch or a treatment value other than 0/1
 * @example
 * balanceTable([1, 1, 0, 0], [{ name: 'x', kind: 'numeric', values: [1, 3, 0, 2] }])[0].smd;
 * // => { kind: 'ok', smd: 0.7071067811865475, band: 'fails' }
 */
export function balanceTable(
  treatment: ArrayLike<number>,
  covariates: readonly CovariateColumn[],
): BalanceRow[] {
  for (let i = 0; i < treatment.length; i++) {
    if (treatment[i] !== 0 && treatment[i] !== 1) throw new RangeError(`treatment must be 0/1 (unit ${i})`);
  }
  const rows: BalanceRow[] = [];
  for (const covariate of covariates) {
    if (covariate.values.length !== treatment.length) {
      throw new RangeError(
        `covariate ${covariate.name} has ${covariate.values.length} values, expected ${treatment.length}`,
      );
    }
    if (covariate.kind === 'numeric')
      rows.push(numericRow(covariate.name, null, treatment, covariate.values));
    else rows.push(...categoricalRows(covariate.name, treatment, covariate.values));
  }
  return rows;
}

interface Moments {
  n: number;
  missing: number;
  mean: number;
  variance: number;
}

/** Count, mean and sample variance (simple-statistics: `mean`, `sampleVariance`) of the non-missing values. */
function moments(x: ArrayLike<number>): Moments {
  // typed arrays throughout (a national study's balance table reads 100,000 students per row)
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) n++;
  const present = new Float64Array(n);
  for (let i = 0, k = 0; i < x.length; i++) if (!Number.isNaN(x[i])) present[k++] = x[i];
  // simple-statistics reads only length and indices, which a Float64Array has (its types say number[])
  const values = present as unknown as number[];
  return {
    n,
    missing: x.length - n,
    mean: n > 0 ? mean(values) : NaN,
    variance: n > 1 ? sampleVariance(values) : NaN,
  };
}

function smdFromMoments(t: Moments, c: Moments): SmdResult {
  if (t.n < 2 || c.n < 2) return { kind: 'undefined', reason: 'too_few' };
  const pooled = Math.sqrt((t.variance + c.variance) / 2);
  const difference = t.mean - c.mean;
  if (pooled === 0)
    return difference === 0
      ? { kind: 'ok', smd: 0, band: 'satisfies' }
      : { kind: 'undefined', reason: 'no_variance' };
  const smd = difference / pooled;
  return { kind: 'ok', smd, band: wwcBand(smd) };
}

function split(treatment: ArrayLike<number>, values: ArrayLike<number>): [Float64Array, Float64Array] {
  let treated = 0;
  for (let i = 0; i < treatment.length; i++) if (treatment[i] === 1) treated++;
  const t = new Float64Array(treated);
  const c = new Float64Array(treatment.length - treated);
  for (let i = 0, a = 0, b = 0; i < treatment.length; i++)
    if (treatment[i] === 1) t[a++] = values[i];
    else c[b++] = values[i];
  return [t, c];
}

function numericRow(
  name: string,
  level: string | null,
  treatment: ArrayLike<number>,
  values: ArrayLike<number>,
): BalanceRow {
  const [tv, cv] = split(treatment, values);
  const t = moments(tv);
  const c = moments(cv);
  return {
    covariate: name,
    level,
    meanTreatment: t.mean,
    meanControl: c.mean,
    sdTreatment: Math.sqrt(t.variance),
    sdControl: Math.sqrt(c.variance),
    nTreatment: t.n,
    nControl: c.n,
    missingTreatment: t.missing,
    missingControl: c.missing,
    smd: smdFromMoments(t, c),
  };
}

function categoricalRows(
  name: string,
  treatment: ArrayLike<number>,
  values: readonly (string | null)[],
): BalanceRow[] {
  const isMissing = (v: string | null) => v === null || v === '';
  const levels = [...new Set(values.filter((v) => !isMissing(v)) as string[])].sort();
  const indicator = new Float64Array(values.length);
  return levels.map((level) => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      indicator[i] = isMissing(v) ? NaN : v === level ? 1 : 0;
    }
    return numericRow(name, level, treatment, indicator);
  });
}
