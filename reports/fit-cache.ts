/**
 * The pooled study's analysis tables and fits, computed once per set of report inputs and shared by
 * the analysis report and the district partner reports of the same load (`pilot demo` analyzes and
 * then writes every district's report: each shows the pooled estimate the analysis already fitted).
 * Keyed by the inputs object itself (the inputs are never changed once loaded), so the cache goes
 * when the inputs go. Pure: a cached value is exactly what computing it again would give.
 */
import type { AnalysisPlan, ArmContrast } from '../analysis/analysis-plan.ts';
import { analysisTable, type AnalysisTable } from '../analysis/analysis-table.ts';
import { estimateOnTable, type TableEstimate } from '../analysis/table-estimate.ts';
import type { ReportInputs } from './report-inputs.ts';

interface Entry {
  tables: Map<string, AnalysisTable>;
  fits: Map<string, TableEstimate>;
}

const cache = new WeakMap<ReportInputs, Entry>();

function entry(inputs: ReportInputs): Entry {
  let e = cache.get(inputs);
  if (!e) cache.set(inputs, (e = { tables: new Map(), fits: new Map() }));
  return e;
}

const contrastKey = (c: ArmContrast) => JSON.stringify([c.treatment, c.control]);

/** The whole study's analysis table of a contrast (shared: do not change it). */
export function pooledTable(inputs: ReportInputs, contrast: ArmContrast): AnalysisTable {
  const e = entry(inputs);
  const key = contrastKey(contrast);
  let t = e.tables.get(key);
  if (!t) e.tables.set(key, (t = analysisTable(inputs.students, inputs.plan, contrast)));
  return t;
}

/** The plan's ITT (or, with `received`, CACE) fit of an outcome on the whole study's table of a contrast. */
export function pooledFit(
  inputs: ReportInputs,
  contrast: ArmContrast,
  outcome: string,
  options: { received?: boolean } = {},
): TableEstimate {
  const e = entry(inputs);
  const key = JSON.stringify([contrast.treatment, contrast.control, outcome, options.received === true]);
  let f = e.fits.get(key);
  if (!f) {
    const plan: AnalysisPlan = inputs.plan;
    e.fits.set(key, (f = estimateOnTable(pooledTable(inputs, contrast).encoded, outcome, plan, options)));
  }
  return f;
}
