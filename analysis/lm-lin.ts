/**
 * Lin's covariate adjustment (estimatr 1.0.0's `lm_lin`): OLS of y on
 * [1, z, x_c, z·x_c] with x_c = x − x̄ (every covariate centered at its sample mean and
 * interacted with treatment); the coefficient on z estimates the average treatment effect and
 * is never less precise asymptotically than the unadjusted difference. Robust SEs as
 * `lmRobust` (HC2 by default, CR2 with clusters).
 *
 * Numeric covariates with missing values (NaN) are mean-imputed with a missingness indicator
 * added (`covariate-mean-imputed` warning); categorical covariates become treatment-contrast
 * dummies (levels sorted, first level the reference), so `lm_lin(y ~ z, ~factor(block))` is the
 * saturated blocked estimator. Term names follow estimatr: `x_c`, `z:x_c`.
 *
 * With weights, covariates are centred at their weighted means and the fit is weighted least
 * squares (estimatr's `lm_lin(weights = )`).
 *
 * Reference: Lin (2013), Annals of Applied Statistics 7(1), 295–318; estimatr `lm_lin`.
 *
 * @example
 * // lm_lin(mpg ~ am, covariates = ~wt, data = mtcars, se_type = "HC2"): am −2.1677278, SE 1.0482791, df 28
 * lmLin({ outcome: mpg, treatment: am, treatmentName: 'am', covariates: [{ name: 'wt', values: wt }] })
 */
import { imputationWarning, meanImpute } from './covariate-imputation.ts';
import { armCounts, binaryColumn, checkedAlpha, requireLength } from './estimator-input-checks.ts';
import type { LinCovariate, LmLinInput } from './estimator-inputs.ts';
import { factorDummies } from './factor-dummies.ts';
import {
  absorbedFactorName,
  basisInference,
  blockedLin,
  blockedTerms,
  type BlockedLinFit,
  type ExpandedColumn,
} from './lin-blocked.ts';
import { nestedFactorNames, nestedLin, type NestedLinFit } from './lin-nested.ts';
import { droppedWarning, leverageOneWarning, lmRobust } from './lm-robust.ts';
import { resolveSeType } from './se-type.ts';
import { nonpositiveDfWarning, termEstimate } from './term-estimates.ts';
import type {
  EstimateOutcome,
  EstimateResult,
  EstimatorWarning,
  NamedColumn,
  TermEstimate,
} from './types.ts';

export function lmLin(input: LmLinInput): EstimateOutcome {
  const n = input.outcome.length;
  checkedAlpha(input.alpha);
  requireLength(n, {
    treatment: input.treatment.length,
    ...Object.fromEntries(input.covariates.map((c) => [c.name, lengthOf(c)])),
  });
  if (n === 0)
    return {
      ok: false,
      refusal: { code: 'empty-data', message: 'There are no observations to estimate from.' },
    };
  if (input.covariates.length === 0)
    throw new RangeError('lmLin needs at least one covariate (use differenceInMeans or lmRobust without)');
  const z = binaryColumn(input.treatment, 'treatment');
  const name = input.treatmentName ?? 'treatment';
  const absorbed = absorbedFactorName(input.covariates);
  // Other factors nested in the absorbed one (a heterogeneity test by district when the blocks are
  // district × grade band): the same span as the blocked model without them (lin-nested.ts).
  const nested = absorbed === null ? [] : nestedFactorNames(input.covariates, absorbed);
  if (nested.length > 0) {
    const light = expandCovariates(input.covariates, n, new Set([absorbed!, ...nested]));
    const fit = nestedFit(input, z, name, light.columns, nested);
    if (fit) return nestedOutcome(input, z, name, light, fit);
    return denseLin(input, z, name, expandCovariates(input.covariates, n));
  }
  // The absorbed factor's dummies are not formed for the fast path (n × levels doubles: 1.7 GB at
  // national scale); any other factor's are (the subgroup of a heterogeneity test).
  const light = expandCovariates(input.covariates, n, new Set(absorbed === null ? [] : [absorbed]));
  const fast = blockedFit(input, z, light.columns);
  if (fast) return blockedOutcome(input, z, name, light, fast);
  return denseLin(input, z, name, expandCovariates(input.covariates, n));
}

/**
 * The dense computation alone (QR of [1, z, x_c, z·x_c]), bypassing the blocked fast path; for tests
 * and benchmarks that compare the two.
 */
export function lmLinDense(input: LmLinInput): EstimateOutcome {
  const n = input.outcome.length;
  if (n === 0 || input.covariates.length === 0) return lmLin(input);
  const z = binaryColumn(input.treatment, 'treatment');
  return denseLin(input, z, input.treatmentName ?? 'treatment', expandCovariates(input.covariates, n));
}

/** The blocked fast path's fit when it applies (lin-blocked.ts lists the conditions), else null. */
function blockedFit(
  input: LmLinInput,
  z: Float64Array,
  expanded: readonly ExpandedColumn[],
): BlockedLinFit | null {
  // weights and several arms stay dense (not covered by the cell form here)
  if (input.weights !== undefined || input.treatments !== undefined) return null;
  const se = resolveSeType(input.seType, input.clusters !== undefined);
  if (!se.ok) return null;
  return blockedLin({
    outcome: input.outcome,
    z,
    covariates: input.covariates,
    expanded,
    clusters: input.clusters,
    seType: se.seType,
  });
}

/** The nested fast path's fit when it applies (lin-nested.ts), else null. */
function nestedFit(
  input: LmLinInput,
  z: Float64Array,
  name: string,
  expanded: readonly ExpandedColumn[],
  nested: readonly string[],
): NestedLinFit | null {
  if (input.weights !== undefined || input.treatments !== undefined) return null;
  const se = resolveSeType(input.seType, input.clusters !== undefined);
  if (!se.ok) return null;
  return nestedLin({
    outcome: input.outcome,
    z,
    covariates: input.covariates,
    expanded,
    clusters: input.clusters,
    seType: se.seType,
    effectName: name,
    nested,
  });
}

/**
 * The result of the nested fast path, as the dense fit reports it (the columns its pivoting QR drops
 * as NaN, with its warning), in the conventions of blockedOutcome: with effectDfOnly (and no
 * covariance asked for) every coefficient and the effect's inference; otherwise every term's standard
 * error, df and the covariance; the effect's row is the blocked fit's.
 */
function nestedOutcome(
  input: LmLinInput,
  z: Float64Array,
  name: string,
  expanded: Expanded,
  nested: NestedLinFit,
): EstimateOutcome {
  const alpha = checkedAlpha(input.alpha);
  const fast = nested.fit;
  const e = fast.effect;
  const effectRow = termEstimate(name, e.estimate, e.stdError, e.df, alpha);
  const { names, kept, estimate } = nested;
  const P = names.length;
  let terms: TermEstimate[];
  let covariance: EstimateResult['covariance'];
  let leverageOne = fast.leverageOne;
  const full = !input.effectDfOnly || input.covariance === true;
  if (!full) {
    terms = names.map((term, t) =>
      t === 1
        ? effectRow
        : {
            term,
            estimate: estimate[t],
            stdError: NaN,
            statistic: NaN,
            df: NaN,
            pValue: NaN,
            confLow: NaN,
            confHigh: NaN,
          },
    );
  } else {
    const all = basisInference(fast.state, nested.rows, { df: !input.effectDfOnly, covariance: true });
    const K = kept.length;
    const variance = new Float64Array(P).fill(NaN);
    const df = new Float64Array(P).fill(NaN);
    const vcov = new Float64Array(P * P).fill(NaN);
    kept.forEach((j, a) => {
      variance[j] = all.variance[a];
      df[j] = all.df[a];
      kept.forEach((l, b) => (vcov[j * P + l] = all.vcov![a * K + b]));
    });
    terms = names.map((term, t) =>
      t === 1 ? effectRow : termEstimate(term, estimate[t], Math.sqrt(variance[t]), df[t], alpha),
    );
    vcov[P + 1] = e.stdError * e.stdError;
    const s = fast.state;
    covariance = { vcov, denDf: s.clusters ? s.clusters.groupCount - 1 : s.n - s.rank };
    if (all.leverageOne.length > 0) leverageOne = all.leverageOne;
  }
  const se = resolveSeType(input.seType, input.clusters !== undefined);
  const seType = se.ok ? se.seType : 'HC2';
  const warnings: EstimatorWarning[] = [];
  const imputed = imputationWarning(expanded.imputed);
  if (imputed) warnings.push(imputed);
  if (nested.dropped.length > 0) warnings.push(droppedWarning(nested.dropped.map((j) => names[j])));
  if (leverageOne.length > 0) warnings.push(leverageOneWarning(leverageOne, seType, null));
  const dfWarning = nonpositiveDfWarning(input.effectDfOnly ? [effectRow] : terms);
  if (dfWarning) warnings.push(dfWarning);
  const counts = armCounts(z);
  return {
    ok: true,
    result: {
      design: 'Lin',
      seType,
      n: z.length,
      nTreatment: counts.nTreatment,
      nControl: counts.nControl,
      nBlocks: null,
      nClusters: fast.nClusters,
      terms,
      warnings,
      ...(covariance ? { covariance } : {}),
    },
  };
}

type Expanded = ReturnType<typeof expandCovariates>;

/**
 * The result of the fast path. With effectDfOnly (and no covariance asked for): every coefficient,
 * inference for the effect alone (what reports use; nothing per term at national scale). Otherwise
 * every term's standard error, df and the covariance from the cell form (blockedTerms), the effect's
 * row exactly as with effectDfOnly so that a report and `pilot estimate` agree to the last digit.
 */
function blockedOutcome(
  input: LmLinInput,
  z: Float64Array,
  name: string,
  expanded: Expanded,
  fast: BlockedLinFit,
): EstimateOutcome {
  const alpha = checkedAlpha(input.alpha);
  const e = fast.effect;
  const effectRow = termEstimate(name, e.estimate, e.stdError, e.df, alpha);
  let terms: TermEstimate[];
  let covariance: EstimateResult['covariance'];
  let leverageOne = fast.leverageOne;
  const full = !input.effectDfOnly || input.covariance === true;
  if (!full) {
    const blank = (term: string, estimate: number): TermEstimate => ({
      term,
      estimate,
      stdError: NaN,
      statistic: NaN,
      df: NaN,
      pValue: NaN,
      confLow: NaN,
      confHigh: NaN,
    });
    terms = [
      blank('(Intercept)', fast.intercept),
      effectRow,
      ...expanded.columns.map((c, j) => blank(`${c.name}_c`, fast.centered[j])),
      ...expanded.columns.map((c, j) => blank(`${name}:${c.name}_c`, fast.interacted[j])),
    ];
  } else {
    const all = blockedTerms(fast, name, { df: !input.effectDfOnly, covariance: true });
    terms = all.names.map((term, t) =>
      t === 1 ? effectRow : termEstimate(term, all.estimate[t], Math.sqrt(all.variance[t]), all.df[t], alpha),
    );
    const vcov = all.vcov!;
    const p = terms.length;
    vcov[p + 1] = e.stdError * e.stdError;
    const s = fast.state;
    covariance = { vcov, denDf: s.clusters ? s.clusters.groupCount - 1 : s.n - s.rank };
    if (all.leverageOne.length > 0) leverageOne = all.leverageOne;
  }
  const se = resolveSeType(input.seType, input.clusters !== undefined);
  const seType = se.ok ? se.seType : 'HC2';
  const warnings: EstimatorWarning[] = [];
  const imputed = imputationWarning(expanded.imputed);
  if (imputed) warnings.push(imputed);
  if (leverageOne.length > 0) warnings.push(leverageOneWarning(leverageOne, seType, null));
  // with effectDfOnly only the effect's df is computed: the others' NaN is "not computed", not "≤ 0"
  const dfWarning = nonpositiveDfWarning(input.effectDfOnly ? [effectRow] : terms);
  if (dfWarning) warnings.push(dfWarning);
  const counts = armCounts(z);
  return {
    ok: true,
    result: {
      design: 'Lin',
      seType,
      n: z.length,
      nTreatment: counts.nTreatment,
      nControl: counts.nControl,
      nBlocks: null,
      nClusters: fast.nClusters,
      terms,
      warnings,
      ...(covariance ? { covariance } : {}),
    },
  };
}

function denseLin(input: LmLinInput, z: Float64Array, name: string, expanded: Expanded): EstimateOutcome {
  const weights = input.weights === undefined ? undefined : Float64Array.from(input.weights);
  const centered = expanded.columns.map((c) => ({
    name: `${c.name}_c`,
    values: centeredColumn(c.values, weights),
  }));
  const arms: NamedColumn[] = input.treatments
    ? input.treatments.map((t) => ({ name: t.name, values: binaryColumn(t.values, t.name) }))
    : [{ name, values: z }];
  const interactions = centered.flatMap((c) =>
    arms.map((arm) => ({
      name: `${arm.name}:${c.name}`,
      values: c.values.map((x, i) => x * arm.values[i]),
    })),
  );
  const columns: NamedColumn[] = [...arms, ...centered, ...interactions];
  const fitted = lmRobust({
    outcome: input.outcome,
    columns,
    treatment: input.treatments ? undefined : name,
    clusters: input.clusters,
    collinear: 'drop',
    seType: input.seType,
    alpha: input.alpha,
    weights,
    dfTerms: input.effectDfOnly ? arms.map((a) => a.name) : undefined,
  });
  if (!fitted.ok) return fitted;
  const warnings: EstimatorWarning[] = [...fitted.result.warnings];
  const imputed = imputationWarning(expanded.imputed);
  if (imputed) warnings.unshift(imputed);
  return { ok: true, result: { ...fitted.result, design: weights ? 'Lin (weighted)' : 'Lin', warnings } };
}

function lengthOf(c: LinCovariate): number {
  const v = c.values as { codes?: Int32Array; length?: number };
  return v.codes instanceof Int32Array ? v.codes.length : (v.length as number);
}

/** The design's covariate columns; `unformed` names factors whose dummies are left empty (named only). */
function expandCovariates(
  covariates: readonly LinCovariate[],
  n: number,
  unformed: ReadonlySet<string> = new Set(),
) {
  const columns: ExpandedColumn[] = [];
  const imputed: { name: string; missing: number; n: number }[] = [];
  for (const c of covariates) {
    if (c.kind === 'factor') {
      for (const d of factorDummies(c.name, c.values, !unformed.has(c.name)))
        columns.push({ ...d, factor: c.name });
      continue;
    }
    const result = meanImpute(c.name, c.values);
    columns.push(...result.columns);
    imputed.push({ name: c.name, missing: result.missing, n });
  }
  return { columns, imputed };
}

/** x − x̄, the mean weighted when weights are given (estimatr centres at `weighted.mean`). */
function centeredColumn(x: Float64Array, weights?: Float64Array): Float64Array {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const w = weights ? weights[i] : 1;
    sum += w * x[i];
    total += w;
  }
  const mean = sum / total;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - mean;
  return out;
}
