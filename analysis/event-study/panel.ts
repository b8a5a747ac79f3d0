/**
 * The pure panel structure every event-study estimator in Pilot reads (TWFE, Callaway–Sant'Anna,
 * Sun–Abraham, Goodman-Bacon). It is columnar and index-based so a 100,000 × 12 panel costs a few
 * typed arrays, not a million objects.
 *
 * Conventions (the same as did's `att_gt` arguments idname / tname / gname / yname):
 * - units are numbered 0 … ids.length − 1; `ids[u]` is the unit's id as it appeared in the input;
 * - `times` holds the distinct observed periods, sorted ascending (e.g. months 1…12);
 * - observations are numbered 0 … y.length − 1; `unit[o]` is the unit index of observation o and
 *   `period[o]` the INDEX into `times` of its period (so its period value is `times[period[o]]`);
 *   observations need not be sorted, and a unit may miss periods (unbalanced panel), but a
 *   (unit, period) pair appears at most once;
 * - `cohort[u]` is the period VALUE (not index) in which unit u is first treated, or 0 when it is
 *   never treated (did's `gname` convention); a treated cohort should be one of `times`;
 * - `cluster[u]`, when present, is a cluster code per unit (0 … G − 1), constant within a unit;
 * - `covariates.values[k][u]` is covariate `names[k]` of unit u at baseline (did freezes covariates
 *   at their first-period values).
 */
export interface Panel {
  ids: string[];
  times: Int32Array;
  unit: Int32Array;
  period: Int32Array;
  y: Float64Array;
  cohort: Int32Array;
  cluster?: Int32Array;
  covariates?: PanelCovariates;
}

export interface PanelCovariates {
  names: string[];
  values: Float64Array[];
}

/** One observation as a caller that already parsed its rows may hand it to `panelFromRows`. */
export interface PanelRow {
  id: string;
  time: number;
  y: number;
  /** first treated period, 0 = never treated */
  cohort: number;
  cluster?: string;
  covariates?: number[];
}

/**
 * Builds a Panel from already-validated rows (order free). Units keep the order in which their ids
 * first appear; a unit's cohort, cluster and covariates are taken from its row with the earliest
 * period (its baseline). Throws (a caller mistake) on a duplicate (id, time), a non-integer time, or
 * a cohort that changes within a unit; the CSV reader reports those by line before calling this.
 */
export function panelFromRows(rows: readonly PanelRow[], covariateNames: string[] = []): Panel {
  const unitOf = new Map<string, number>();
  const ids: string[] = [];
  for (const row of rows) {
    if (!Number.isInteger(row.time))
      throw new Error(`panel: time ${row.time} of unit ${row.id} is not an integer`);
    if (!unitOf.has(row.id)) {
      unitOf.set(row.id, ids.length);
      ids.push(row.id);
    }
  }
  const times = Int32Array.from(new Set(rows.map((r) => r.time))).sort();
  const periodOf = new Map<number, number>();
  times.forEach((t, k) => periodOf.set(t, k));
  const n = rows.length;
  const unit = new Int32Array(n);
  const period = new Int32Array(n);
  const y = new Float64Array(n);
  const cohort = new Int32Array(ids.length);
  const firstPeriod = new Int32Array(ids.length).fill(-1);
  const baselineRow = new Int32Array(ids.length);
  const seen = new Set<number>();
  rows.forEach((row, o) => {
    const u = unitOf.get(row.id)!;
    const p = periodOf.get(row.time)!;
    const key = u * times.length + p;
    if (seen.has(key)) throw new Error(`panel: unit ${row.id} has two rows for time ${row.time}`);
    seen.add(key);
    unit[o] = u;
    period[o] = p;
    y[o] = row.y;
    if (firstPeriod[u] === -1) cohort[u] = row.cohort;
    else if (cohort[u] !== row.cohort)
      throw new Error(`panel: cohort of unit ${row.id} changes within the unit`);
    if (firstPeriod[u] === -1 || p < firstPeriod[u]) {
      firstPeriod[u] = p;
      baselineRow[u] = o;
    }
  });
  const panel: Panel = { ids, times, unit, period, y, cohort };
  if (rows.some((r) => r.cluster !== undefined)) {
    const codes = new Map<string, number>();
    panel.cluster = new Int32Array(ids.length);
    for (let u = 0; u < ids.length; u++) {
      const label = rows[baselineRow[u]].cluster ?? '';
      if (!codes.has(label)) codes.set(label, codes.size);
      panel.cluster[u] = codes.get(label)!;
    }
  }
  if (covariateNames.length > 0) {
    const values = covariateNames.map(() => new Float64Array(ids.length));
    for (let u = 0; u < ids.length; u++) {
      const x = rows[baselineRow[u]].covariates ?? [];
      values.forEach((column, k) => (column[u] = x[k] ?? Number.NaN));
    }
    panel.covariates = { names: covariateNames, values };
  }
  return panel;
}
