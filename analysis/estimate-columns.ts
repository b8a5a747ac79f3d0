/**
 * The columns of `pilot estimate` as each estimator takes them: covariates coded as R codes them
 * (with optional mean imputation), absorbed factors, and row subsets. Pure.
 */
import { imputationWarning, meanImpute } from './covariate-imputation.ts';
import type { CsvCovariate, EstimationColumns, LabelColumn } from './csv-columns.ts';
import { subsetFactor } from './factor-codes.ts';
import type { LinCovariate } from './estimator-inputs.ts';
import type { NamedColumn } from './types.ts';

/** One absorbed factor, or several (estimatr's fixed_effects = ~a + b). */
export function fixedEffectsOf(data: EstimationColumns) {
  if (!data.fixedEffects) return {};
  if (data.additionalFixedEffects.length === 0) return { fixedEffects: data.fixedEffects };
  return { absorb: [data.fixedEffects, ...data.additionalFixedEffects] };
}

/** Lin's covariates: numeric as they are, categorical as factors, and the blocks as a factor. */
export function linCovariates(
  data: EstimationColumns,
  request: { names: { blocks?: string } },
): LinCovariate[] {
  const covariates: LinCovariate[] = data.covariates.map((c) =>
    c.kind === 'numeric'
      ? { name: c.name, kind: 'numeric', values: c.values }
      : { name: c.name, kind: 'factor', values: c.values as string[] },
  );
  if (data.blocks)
    covariates.push({ name: request.names.blocks ?? 'block', kind: 'factor', values: data.blocks });
  return covariates;
}

/** Numeric covariates as they are; categorical ones as treatment-contrast dummies (R's default coding, levels sorted). */
export function numericColumns(covariates: readonly CsvCovariate[]): NamedColumn[] {
  const out: NamedColumn[] = [];
  for (const c of covariates) {
    if (c.kind === 'numeric') {
      out.push({ name: c.name, values: c.values });
      continue;
    }
    const levels = [...new Set(c.values.filter((v): v is string => v !== null))].sort();
    for (const level of levels.slice(1)) {
      out.push({
        name: `${c.name}${level}`,
        values: Float64Array.from(c.values, (v) => (v === level ? 1 : 0)),
      });
    }
  }
  return out;
}

/** numericColumns, with numeric covariates that have missing values mean-imputed (plus an indicator). */
export function imputedNumericColumns(covariates: readonly CsvCovariate[]) {
  const counts: { name: string; missing: number; n: number }[] = [];
  const columns = covariates.flatMap((c): NamedColumn[] => {
    if (c.kind !== 'numeric') return numericColumns([c]);
    const imputed = meanImpute(c.name, c.values);
    counts.push({ name: c.name, missing: imputed.missing, n: c.values.length });
    return imputed.columns;
  });
  return { columns, warning: imputationWarning(counts) };
}

export function subsetColumns(c: EstimationColumns, keep: Uint8Array): EstimationColumns {
  const n = keep.reduce((s, k) => s + k, 0);
  if (n === c.n) return c;
  const pick = <T>(values: ArrayLike<T>): T[] => Array.from(values).filter((_, i) => keep[i] === 1);
  const pickLabels = (column: LabelColumn): LabelColumn =>
    Array.isArray(column) ? pick(column) : subsetFactor(column, keep);
  return {
    ...c,
    n,
    outcome: Float64Array.from(pick(c.outcome)),
    treatment: Float64Array.from(pick(c.treatment)),
    received: c.received && Float64Array.from(pick(c.received)),
    blocks: c.blocks && pickLabels(c.blocks),
    clusters: c.clusters && pickLabels(c.clusters),
    fixedEffects: c.fixedEffects && pickLabels(c.fixedEffects),
    additionalFixedEffects: c.additionalFixedEffects.map(pick),
    weights: c.weights && Float64Array.from(pick(c.weights)),
    arms: c.arms && { ...c.arms, codes: Int32Array.from(pick(c.arms.codes)) },
    covariates: c.covariates.map((v) =>
      v.kind === 'numeric'
        ? { ...v, values: Float64Array.from(pick(v.values)) }
        : { ...v, values: pick(v.values) },
    ),
    lines: Int32Array.from(pick(c.lines)),
  };
}
