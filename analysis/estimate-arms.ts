/**
 * More than two arms in `pilot estimate`: each arm's comparison with the reference, and the
 * multiple-comparison adjustment of their p-values (R's p.adjust). Pure.
 */
import type { EstimationColumns } from './csv-columns.ts';
import { fixedEffectsOf, imputedNumericColumns, linCovariates, subsetColumns } from './estimate-columns.ts';
import type { EstimateRequest } from './estimate-request.ts';
import { lmLin } from './lm-lin.ts';
import { lmRobust } from './lm-robust.ts';
import { adjustPValues } from './multiple-testing.ts';
import type { EstimateOutcome, EstimateResult } from './types.ts';

/** Term names of the non-reference arms (one per comparison), or the single treatment term. */
export function armTerms(data: EstimationColumns, request: EstimateRequest): string[] {
  const arms = data.arms;
  if (!arms || arms.labels.length === 2) return [request.names.treatment];
  return arms.labels.slice(1).map((l) => `${request.names.treatment}${l}`);
}

/** Adjusted p-values (holm or BH, as R's p.adjust) across the arms' comparisons with the reference. */
export function adjustArms(result: EstimateResult, terms: string[], method: 'holm' | 'BH'): void {
  const chosen = terms.map((t) => result.terms.find((r) => r.term === t)!);
  const adjusted = adjustPValues(
    chosen.map((t) => t.pValue),
    method,
  );
  chosen.forEach((t, k) => (t.pValueAdjusted = adjusted[k]));
}

/**
 * More than two arms: the difference in means of each arm against the reference on the rows of
 * the two (estimatr's condition1/condition2, one call per arm); OLS and Lin with one indicator per
 * non-reference arm (R's factor coding, Lin interacting each with every centred covariate).
 */
export function fitArms(
  data: EstimationColumns,
  request: EstimateRequest,
  fitPair: (pair: EstimationColumns, request: EstimateRequest) => EstimateOutcome,
): EstimateOutcome {
  const arms = data.arms!;
  const indicator = (k: number) => Float64Array.from(arms.codes, (c) => (c === k ? 1 : 0));
  const dummies = arms.labels
    .slice(1)
    .map((l, k) => ({ name: `${request.names.treatment}${l}`, values: indicator(k + 1) }));
  if (request.method === 'ols' || request.method === 'lin') {
    const covariates = request.method === 'lin' ? linCovariates(data, request) : [];
    const out =
      request.method === 'ols'
        ? lmRobust({
            outcome: data.outcome,
            columns: [...dummies, ...imputedNumericColumns(data.covariates).columns],
            clusters: data.clusters ?? undefined,
            ...fixedEffectsOf(data),
            seType: request.seType,
            alpha: request.alpha,
            weights: data.weights ?? undefined,
          })
        : lmLin({
            outcome: data.outcome,
            treatment: data.treatment,
            treatments: dummies,
            covariates,
            clusters: data.clusters ?? undefined,
            seType: request.seType,
            alpha: request.alpha,
            weights: data.weights ?? undefined,
          });
    return out.ok ? { ok: true, result: { ...out.result, ...armCountsOf(arms.codes) } } : out;
  }
  const results: EstimateResult[] = [];
  for (let k = 1; k < arms.labels.length; k++) {
    const keep = Uint8Array.from(arms.codes, (c) => (c === 0 || c === k ? 1 : 0));
    const pair = subsetColumns(data, keep);
    const out = fitPair(pair, { ...request, names: { ...request.names, treatment: dummies[k - 1].name } });
    if (!out.ok)
      return {
        ok: false,
        refusal: {
          ...out.refusal,
          message: `${arms.labels[k]} vs ${arms.labels[0]}: ${out.refusal.message}`,
        },
      };
    results.push(out.result);
  }
  return {
    ok: true,
    result: {
      ...results[0],
      design: `${results[0].design}, each arm vs ${arms.labels[0]}`,
      n: data.n,
      ...armCountsOf(arms.codes),
      terms: results.map((r) => r.terms[0]),
      warnings: results.flatMap((r, k) =>
        r.warnings.map((w) => ({
          ...w,
          message: `${arms.labels[k + 1]} vs ${arms.labels[0]}: ${w.message}`,
        })),
      ),
    },
  };
}

/** Units in any treated arm / in the reference arm. */
export function armCountsOf(codes: Int32Array): { nTreatment: number; nControl: number } {
  let control = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] === 0) control++;
  return { nTreatment: codes.length - control, nControl: control };
}
