/**
 * The estimates of a report: ITT (and CACE when deliveries are known) per outcome and arm contrast,
 * subgroup ITTs with adjusted p-values, the joint heterogeneity test per subgroup variable, the
 * minimum detectable effect the design had, and cost-effectiveness. Every number comes from the
 * analysis table through the estimator `pilot estimate` runs. Pure.
 */
import {
  planContrasts,
  type AnalysisPlan,
  type ArmContrast,
  type OutcomeName,
} from '../analysis/analysis-plan.ts';
import type { AnalysisTable } from '../analysis/analysis-table.ts';
import { encodeFactor } from '../analysis/factor-codes.ts';
import type { FactorInput } from '../analysis/types.ts';
import { tableColumns, type EncodedTable } from '../analysis/encoded-table.ts';
import { runEstimate } from '../analysis/estimate-request.ts';
import { selectTerms, waldTest } from '../analysis/linear-hypothesis.ts';
import { mdeMultiplier } from '../analysis/mde.ts';
import { adjustPValues } from '../analysis/multiple-testing.ts';
import { effectTerm, encodedCells, estimateOnTable, type TableEstimate } from '../analysis/table-estimate.ts';
import { pooledFit, pooledTable } from './fit-cache.ts';
import type { ReportInputs } from './report-inputs.ts';
import { effectShown } from './suppression.ts';

export interface EstimateRow {
  outcome: OutcomeName;
  role: 'primary' | 'secondary';
  estimand: 'ITT' | 'CACE';
  contrast: string;
  estimator: string;
  se_type: string;
  subgroup: string | null;
  subgroup_level: string | null;
  estimate: number | null;
  std_error: number | null;
  df: number | null;
  statistic: number | null;
  p_value: number | null;
  p_value_adjusted: number | null;
  adjustment: string | null;
  conf_low: number | null;
  conf_high: number | null;
  n: number;
  n_treatment: number;
  n_control: number;
  control_mean: number | null;
  percent_of_control_mean: number | null;
  label: 'pre-specified' | 'exploratory';
  note: string | null;
}

export interface HeterogeneityRow {
  outcome: OutcomeName;
  contrast: string;
  subgroup: string;
  levels: string[];
  /** Wald F statistic */
  statistic: number | null;
  /** numerator df (interactions tested) */
  df: number | null;
  /** denominator df of the chosen variance: clusters − 1, or n − rank */
  df_denominator: number | null;
  p_value: number | null;
  test: string;
  note: string | null;
}

export interface EstimatesSection {
  estimates: EstimateRow[];
  heterogeneity: HeterogeneityRow[];
  mde: {
    outcome: OutcomeName;
    contrast: string;
    alpha: number;
    power: number;
    mde: number;
    percent_of_control_mean: number | null;
  }[];
  cost_effectiveness: {
    arm: string;
    contrast: string;
    cost_per_student: number;
    absences_averted_per_student: number | null;
    cost_per_absence_averted: number | null;
    conf_low: number | null;
    conf_high: number | null;
    note: string;
  }[];
  tables: AnalysisTable[];
}

export const contrastName = (c: ArmContrast) => `${c.treatment} vs ${c.control}`;

/** Every planned estimate of the report (see the file comment). */
export function estimatesSection(inputs: ReportInputs): EstimatesSection {
  const { plan } = inputs;
  const contrasts = planContrasts(
    plan,
    inputs.study.arms.map((a) => a.name),
  );
  const label = inputs.planLocked ? ('pre-specified' as const) : ('exploratory' as const);
  const outcomes = [
    ...plan.outcomes.primary.map((o) => ({ o, role: 'primary' as const })),
    ...plan.outcomes.secondary.map((o) => ({ o, role: 'secondary' as const })),
  ];
  const hasDose = inputs.students.some((s) => s.received !== null);
  const out: EstimatesSection = {
    estimates: [],
    heterogeneity: [],
    mde: [],
    cost_effectiveness: [],
    tables: [],
  };
  for (const contrast of contrasts) {
    const table = pooledTable(inputs, contrast);
    out.tables.push(table);
    const encoded = table.encoded;
    // each subgroup level's rows (blocks left with one arm dropped), the same for every outcome
    const subgroupRows = new Map<string, { level: string; rows: Int32Array }[]>();
    for (const sg of plan.subgroups)
      subgroupRows.set(
        sg,
        levelsOf(encoded, sg).map((level) => ({ level, rows: subgroupSubset(encoded, sg, level) })),
      );
    for (const { o, role } of outcomes) {
      const base = { outcome: o, role, contrast: contrastName(contrast), label };
      out.estimates.push(
        estimateRow(
          encoded,
          null,
          o,
          plan,
          { ...base, estimand: 'ITT', subgroup: null, level: null },
          pooledFit(inputs, contrast, o),
        ),
      );
      if (hasDose && role === 'primary')
        out.estimates.push(
          estimateRow(
            encoded,
            null,
            o,
            plan,
            { ...base, estimand: 'CACE', subgroup: null, level: null },
            pooledFit(inputs, contrast, o, { received: true }),
          ),
        );
      if (role !== 'primary') continue;
      const rows: EstimateRow[] = [];
      for (const sg of plan.subgroups) {
        for (const { level, rows: subset } of subgroupRows.get(sg)!)
          rows.push(estimateRow(encoded, subset, o, plan, { ...base, estimand: 'ITT', subgroup: sg, level }));
        out.heterogeneity.push(heterogeneityRow(table.encoded, o, plan, contrast, sg));
      }
      adjust(rows, plan.multiple_testing.subgroups);
      out.estimates.push(...rows);
    }
  }
  for (const { o } of outcomes) {
    const overall = out.estimates.filter(
      (e) => e.outcome === o && e.estimand === 'ITT' && e.subgroup === null,
    );
    adjust(overall, plan.multiple_testing.arm_contrasts);
  }
  out.mde = mdeRows(out.estimates, plan);
  out.cost_effectiveness = costRows(out.estimates, plan, contrasts);
  return out;
}

interface RowSpec {
  outcome: OutcomeName;
  role: 'primary' | 'secondary';
  estimand: 'ITT' | 'CACE';
  contrast: string;
  label: EstimateRow['label'];
  subgroup: string | null;
  level: string | null;
}

function estimateRow(
  table: EncodedTable,
  /** the table's rows to use (a subgroup's), null for all */
  subset: Int32Array | null,
  o: OutcomeName,
  plan: AnalysisPlan,
  s: RowSpec,
  /** the fit of these rows already made (the pooled fits of fit-cache.ts) */
  fitted?: TableEstimate,
): EstimateRow {
  const counts = armCounts(table, subset, o);
  const controlMean = controlMeanOf(table, subset, o);
  const row: EstimateRow = {
    outcome: o,
    role: s.role,
    estimand: s.estimand,
    contrast: s.contrast,
    estimator: '',
    se_type: '',
    subgroup: s.subgroup,
    subgroup_level: s.level,
    estimate: null,
    std_error: null,
    df: null,
    statistic: null,
    p_value: null,
    p_value_adjusted: null,
    adjustment: null,
    conf_low: null,
    conf_high: null,
    n: counts.treatment + counts.control,
    n_treatment: counts.treatment,
    n_control: counts.control,
    control_mean: controlMean,
    percent_of_control_mean: null,
    label: s.label,
    note: null,
  };
  if (s.subgroup !== null && !effectShown(counts.treatment, counts.control)) {
    row.note = 'not estimated: fewer than 10 students in an arm';
    return row;
  }
  const fit =
    fitted ?? estimateOnTable(table, o, plan, { received: s.estimand === 'CACE', rows: subset ?? undefined });
  if (!fit.ok) {
    row.note = `not estimated: ${fit.reason}`;
    return row;
  }
  const t = effectTerm(fit.result, s.estimand === 'CACE');
  Object.assign(row, {
    estimator: fit.result.design,
    se_type: fit.result.seType,
    estimate: t.estimate,
    std_error: t.stdError,
    df: t.df,
    statistic: t.statistic,
    p_value: t.pValue,
    conf_low: t.confLow,
    conf_high: t.confHigh,
    percent_of_control_mean: controlMean ? (100 * t.estimate) / controlMean : null,
  });
  return row;
}

function adjust(rows: EstimateRow[], method: 'holm' | 'BH' | 'bonferroni' | 'none'): void {
  const estimated = rows.filter((r) => r.p_value !== null && Number.isFinite(r.p_value));
  if (estimated.length === 0) return;
  const adjusted =
    method === 'none'
      ? estimated.map((r) => r.p_value!)
      : adjustPValues(
          estimated.map((r) => r.p_value!),
          method,
        );
  estimated.forEach((r, k) => {
    r.p_value_adjusted = adjusted[k];
    r.adjustment = `${method} over ${estimated.length}`;
  });
}

function column(table: EncodedTable, name: string) {
  const c = table.column(name);
  if (!c) throw new RangeError(`no column ${name}`);
  return c;
}

/** Each row of the subset (all rows when null), in order. */
function forRows(table: EncodedTable, subset: Int32Array | null, visit: (i: number) => void): void {
  if (subset) for (const i of subset) visit(i);
  else for (let i = 0; i < table.rows; i++) visit(i);
}

/** Students with the outcome in each arm (treatment 1, and any other value). */
function armCounts(table: EncodedTable, subset: Int32Array | null, o: string) {
  const y = column(table, o);
  const t = treatmentIs(table, '1');
  let treatment = 0;
  let control = 0;
  forRows(table, subset, (i) => {
    if (y.missing[i]) return;
    if (t[i]) treatment++;
    else control++;
  });
  return { treatment, control };
}

const treatmentFlags = new WeakMap<EncodedTable, Map<string, Uint8Array>>();

/** 1 where the treatment cell is exactly `value` (made once per table and value). */
function treatmentIs(table: EncodedTable, value: string): Uint8Array {
  let byValue = treatmentFlags.get(table);
  if (!byValue) treatmentFlags.set(table, (byValue = new Map()));
  let flags = byValue.get(value);
  if (!flags) {
    const { codes, levels } = column(table, 'treatment').labels();
    const code = levels.indexOf(value);
    flags = Uint8Array.from(codes, (c) => (c === code && code >= 0 ? 1 : 0));
    byValue.set(value, flags);
  }
  return flags;
}

/** Mean outcome of the control students (treatment 0) with the outcome. */
function controlMeanOf(table: EncodedTable, subset: Int32Array | null, o: string): number | null {
  const y = column(table, o);
  const control = treatmentIs(table, '0');
  let sum = 0;
  let n = 0;
  forRows(table, subset, (i) => {
    if (!control[i] || y.missing[i]) return;
    sum += y.number[i];
    n++;
  });
  return n ? sum / n : null;
}

/** The subgroup's levels present in the table (missing left out), sorted. */
function levelsOf(table: EncodedTable, name: string): string[] {
  return [...column(table, name).labels().levels].sort();
}

/**
 * The rows of a subgroup level, without those of blocks left holding a single arm (as tableWhere
 * and withoutSingleArmBlocks of analysis-table.ts would give them).
 */
function subgroupSubset(table: EncodedTable, sg: string, level: string): Int32Array {
  const { codes, levels } = column(table, sg).labels();
  const code = levels.indexOf(level);
  const block = column(table, 'block').labels().codes;
  const t = column(table, 'treatment').labels();
  const seen = new Map<number, Set<number>>();
  const rows: number[] = [];
  for (let i = 0; i < table.rows; i++) {
    if (codes[i] !== code) continue;
    rows.push(i);
    let set = seen.get(block[i]);
    if (!set) seen.set(block[i], (set = new Set()));
    set.add(t.codes[i]);
  }
  return Int32Array.from(rows.filter((i) => seen.get(block[i])!.size === 2));
}

/**
 * Why a subgroup nested in the blocks (every block within one of its levels: the district when blocks
 * are district × grade band) gets no joint test. The blocked model already lets the effect differ from
 * block to block, so each treatment × level interaction is a sum of treatment × block interactions:
 * the columns are collinear, a least-squares fit must drop some, and the interactions that remain
 * (and so the hypothesis tested) depend on which it drops. estimatr's QR decides that by rounding: on
 * the demo study's table (estimatr 1.0.0) lm_lin drops eight of the nine redundant interactions and
 * leaves the district interactions' CR2 covariance singular; on four of its districts, the fit with
 * CR2 clusters and the one without drop different columns. No number here could be reproduced.
 */
const NESTED_NOTE =
  'not tested: every block lies within one level of this subgroup, so the blocked model already lets the effect differ between its levels (each treatment × level interaction is a sum of treatment × block interactions, and which of them a least-squares fit keeps, and so what such a test would test, depends on rounding); the subgroup estimates by level show the differences';

/** Whether every block's rows (with a level) have a single level of the subgroup. */
export function nestedInBlocks(blocks: FactorInput, levels: ArrayLike<string | null>): boolean {
  const { codes, levels: blockLevels } = encodeFactor(blocks);
  const levelOf = new Array<string | undefined>(blockLevels.length);
  for (let i = 0; i < codes.length; i++) {
    const level = levels[i];
    if (level === null) continue;
    const b = codes[i];
    const seen = levelOf[b];
    if (seen === undefined) levelOf[b] = level;
    else if (seen !== level) return false;
  }
  return true;
}

/**
 * The joint heterogeneity test of one subgroup variable: the plan's Lin model with the subgroup added
 * as a categorical covariate (so its levels are centred and interacted with treatment, as estimatr's
 * `lm_lin(y ~ treatment, covariates = ~ x + subgroup + block)` does), fitted by `pilot estimate`'s
 * dispatcher, and the Wald F test that every `treatment:subgroup…` interaction is zero with the
 * plan's variance (linear-hypothesis.ts, `pilot estimate --test treatment:SUBGROUP`): F on (q, G − 1)
 * df with clusters, (q, n − rank) without. Students with no level are left out. A subgroup coded in
 * numbers (the prior-absence tercile) is read as categorical here.
 */
export function heterogeneityRow(
  /** the analysis table: its cells, or as encoded-table.ts reads them */
  table: readonly string[][] | EncodedTable,
  o: OutcomeName,
  plan: AnalysisPlan,
  contrast: ArmContrast,
  sg: string,
): HeterogeneityRow {
  const e = plan.estimator;
  const clustered = e.cluster !== 'none';
  const seType = clustered ? e.se_type : e.se_type === 'CR2' ? 'HC2' : e.se_type;
  const blocks = e.block_indicators ? 'block' : undefined;
  const covariates = [...(e.method === 'lin' ? e.covariates : []), sg];
  const base = {
    outcome: o,
    contrast: contrastName(contrast),
    subgroup: sg,
    test: `wald_f_${seType}`,
    levels: [] as string[],
    statistic: null,
    df: null,
    df_denominator: null,
    p_value: null,
  };
  // The subgroup is read by its text (a district's LEAID keeps its leading zeros, a tercile is a level).
  const read = tableColumns(
    Array.isArray(table) ? encodedCells(table) : (table as EncodedTable),
    { outcome: o, treatment: 'treatment', blocks, clusters: clustered ? 'cluster' : undefined, covariates },
    'analysis-table.csv',
    null,
    new Set([sg]),
  );
  if (!read.ok) return { ...base, note: read.problems.map((p) => p.reason).join('; ') };
  const columns = {
    ...read.columns,
    covariates: read.columns.covariates.map((c) =>
      c.name === sg && c.kind === 'numeric'
        ? {
            name: c.name,
            kind: 'factor' as const,
            values: Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v))),
          }
        : c,
    ),
  };
  const subgroup = columns.covariates.find((c) => c.name === sg)!;
  const levels = [...new Set(Array.from(subgroup.values as ArrayLike<string | null>))]
    .filter((v): v is string => v !== null)
    .sort();
  if (levels.length < 2) return { ...base, levels, note: 'the subgroup has a single level here' };
  if (columns.blocks && nestedInBlocks(columns.blocks, subgroup.values as ArrayLike<string | null>))
    return { ...base, levels, note: NESTED_NOTE };
  const run = runEstimate(columns, {
    method: 'lin',
    seType: seType as never,
    alpha: plan.alpha,
    names: { treatment: 'treatment', blocks },
    missingCovariates: 'impute',
    // The Wald test uses the clusters − 1 (or n − rank) df, not any term's own.
    effectDfOnly: true,
    covariance: true,
  });
  if (!run.ok) return { ...base, levels, note: run.message };
  const result = run.result;
  const names = result.terms.map((t) => t.term);
  const chosen = selectTerms(names, `treatment:${sg}`).filter((t) =>
    Number.isFinite(result.terms[names.indexOf(t)].estimate),
  );
  if (chosen.length === 0)
    return {
      ...base,
      levels,
      note: 'every treatment × subgroup interaction is collinear with the treatment × block interactions (the subgroup coincides with the blocking), so there is nothing to test beyond the blocks',
    };
  const test = waldTest(
    names,
    result.terms.map((t) => t.estimate),
    result.covariance!.vcov,
    result.covariance!.denDf,
    chosen,
  );
  if (!test.ok) return { ...base, levels, note: test.message };
  const dropped = levels.length - 1 - chosen.length;
  return {
    ...base,
    levels,
    statistic: test.test.statistic,
    df: test.test.numDf,
    df_denominator: test.test.denDf,
    p_value: test.test.pValue,
    note:
      dropped > 0
        ? `${dropped} interaction(s) collinear with the blocks or covariates were dropped, as estimatr does`
        : null,
  };
}

function mdeRows(estimates: EstimateRow[], plan: AnalysisPlan): EstimatesSection['mde'] {
  return estimates
    .filter(
      (e) => e.role === 'primary' && e.estimand === 'ITT' && e.subgroup === null && e.std_error !== null,
    )
    .map((e) => {
      const mde = mdeMultiplier(plan.alpha, plan.power, 2, e.df ?? Infinity) * e.std_error!;
      return {
        outcome: e.outcome,
        contrast: e.contrast,
        alpha: plan.alpha,
        power: plan.power,
        mde,
        percent_of_control_mean: e.control_mean ? (100 * mde) / e.control_mean : null,
      };
    });
}

/**
 * Cost per absence averted, per program arm with a cost: cost per student / (−ITT on absence days);
 * its interval maps the ITT's confidence interval through the same function (cost known), and is
 * unbounded when the interval includes no effect.
 */
function costRows(
  estimates: EstimateRow[],
  plan: AnalysisPlan,
  contrasts: ArmContrast[],
): EstimatesSection['cost_effectiveness'] {
  const out: EstimatesSection['cost_effectiveness'] = [];
  for (const c of contrasts) {
    const cost = plan.cost_per_student[c.treatment];
    if (cost === undefined || c.kind !== 'program_vs_control') continue;
    const itt = estimates.find(
      (e) =>
        e.outcome === 'absence_days' &&
        e.estimand === 'ITT' &&
        e.subgroup === null &&
        e.contrast === contrastName(c),
    );
    const averted = itt?.estimate == null ? null : -itt.estimate;
    const row = {
      arm: c.treatment,
      contrast: contrastName(c),
      cost_per_student: cost,
      absences_averted_per_student: averted,
      cost_per_absence_averted: averted !== null && averted > 0 ? cost / averted : null,
      conf_low: null as number | null,
      conf_high: null as number | null,
      note: 'cost per student / absences averted per student; interval from the ITT interval (cost taken as known)',
    };
    if (itt && itt.conf_low !== null && itt.conf_high !== null) {
      const [lo, hi] = [-itt.conf_high, -itt.conf_low]; // interval of absences averted
      if (hi > 0) row.conf_low = cost / hi;
      if (lo > 0) row.conf_high = cost / lo;
      else if (hi > 0) row.note += '; upper limit unbounded: the interval includes no effect';
      else row.note += '; the interval of absences averted lies at or below zero';
    }
    if (!plan.outcomes.primary.includes('absence_days') && !plan.outcomes.secondary.includes('absence_days'))
      row.note = 'absence_days is not an outcome of the plan';
    out.push(row);
  }
  return out;
}
