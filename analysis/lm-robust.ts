/**
 * Ordinary (or weighted) least squares with heteroskedasticity- or cluster-robust standard errors
 * and optionally absorbed fixed effects: Pilot's equivalent of estimatr 1.0.0's `lm_robust`.
 *
 * se types: classical, HC0, HC1 (= "stata"), HC2 (default), HC3; with clusters CR0, CR2 (default,
 * Bell–McCaffrey df per coefficient) and "stata" (CR1, df G − 1). With `fixedEffects` the factor's
 * levels are absorbed (no intercept term is reported) and the results equal those of the regression
 * with one dummy per level, which is what estimatr 1.0.0 reports for every se type (its df and
 * small-sample factors count the absorbed levels in the rank). Several factors (`absorb`) are
 * absorbed together, as `fixed_effects = ~a + b` (multiple-fixed-effects.ts). `weights` are
 * normalised by their mean and every se type is available, weighted CR2 as estimatr computes it
 * (weighted-cr2-variance.ts), except weighted CR2 with fixed effects, refused as by estimatr.
 *
 * Collinear columns are refused (`collinear-columns`, naming them), unless `collinear: 'drop'`
 * (used by Lin), which drops the columns estimatr's pivoting QR drops and reports them as NaN.
 *
 * Reference: estimatr `lm_robust`, `vignettes/mathematical-notes.Rmd` (Blair, Cooper, Coppock,
 * Humphreys & Sonnet); the formulas in heteroskedasticity-robust-variance.ts, cluster-robust-variance.ts
 * and cr2-variance.ts.
 *
 * @example
 * // lm_robust(mpg ~ hp, data = mtcars, se_type = "HC2"): hp −0.068228278, SE 0.014714733, df 30
 * lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], seType: 'HC2' })
 */
import { setupClusters } from './cluster-setup.ts';
import { coefficientVariance } from './coefficient-variance.ts';
import { armCounts, checkedAlpha, finiteColumn, requireLength } from './estimator-input-checks.ts';
import type { LmRobustInput } from './estimator-inputs.ts';
import { pivotedRankDeficientColumns } from './householder-qr.ts';
import { fitLeastSquares, residualsOf } from './least-squares.ts';
import { buildModel, visiblePart, withDroppedTerms, withoutColumns } from './lm-robust-model.ts';
import { normalizeWeights } from './observation-weights.ts';
import { weightedCr2FromFit } from './weighted-cr2-variance.ts';
import { resolveSeType } from './se-type.ts';
import { nonpositiveDfWarning, termsFromFit } from './term-estimates.ts';
import { quotedList } from './design-checks.ts';
import type { EstimateOutcome, EstimatorRefusal, EstimatorWarning, FactorCodes } from './types.ts';

export function lmRobust(input: LmRobustInput): EstimateOutcome {
  const n = input.outcome.length;
  const alpha = checkedAlpha(input.alpha);
  requireLength(n, Object.fromEntries(input.columns.map((c) => [c.name, c.values.length])));
  if (n === 0) return refuse('empty-data', 'There are no observations to estimate from.');
  const y = finiteColumn(input.outcome, 'outcome');
  const columns = input.columns.map((c) => finiteColumn(c.values, c.name));
  const se = resolveSeType(input.seType, input.clusters !== undefined);
  if (!se.ok) return se;
  const clusters = input.clusters === undefined ? null : setupClusters(input.clusters, n);
  if (clusters && !clusters.ok) return clusters;
  const weighted = input.weights === undefined ? null : normalizeWeights(input.weights, n);
  if (weighted && !weighted.ok) return weighted;
  const weights = weighted ? weighted.weights : null;
  const factors = input.absorb ?? (input.fixedEffects === undefined ? [] : [input.fixedEffects]);
  if (input.absorb && input.fixedEffects !== undefined)
    throw new RangeError('give fixedEffects (one factor) or absorb (several), not both');
  if (weights && se.seType === 'CR2' && factors.length > 0)
    return refuse(
      'unsupported-se-type',
      'Weighted CR2 standard errors cannot be combined with absorbed fixed effects (estimatr 1.0.0 refuses this too); use --se-type stata or CR0.',
    );
  let model = buildModel(y, columns, input, weights, factors, se.seType);
  const allNames = model.names;
  if (n <= model.rank) {
    return refuse('too-few-observations', `${n} observations cannot identify ${model.rank} parameters.`);
  }
  // With collinear columns to drop (and no hidden dummies) only whether any is collinear matters here:
  // the pivoting below chooses which, so the first QR stops at the first one.
  let fitted = fitLeastSquares(
    model.y,
    model.columns,
    model.absorbed,
    input.collinear === 'drop' && model.hidden === 0,
  );
  if (!fitted.ok && model.hidden > 0 && fitted.collinear.every((j) => j < model.hidden)) {
    // redundant dummies of the second and further fixed effects (one per extra connected component)
    model = withoutColumns(model, fitted.collinear);
    fitted = fitLeastSquares(model.y, model.columns, model.absorbed);
  }
  if (!model.projected && model.hidden === 0 && factors.length > 1)
    throw new RangeError('internal: several fixed effects without projection or dummies');
  let dropped: number[] = [];
  if (!fitted.ok && input.collinear === 'drop') {
    // as estimatr: the columns its pivoting QR finds rank deficient are dropped (R's NA) and the
    // rest is estimated; which ones matters for the others' coefficients, so the choice is estimatr's
    dropped = pivotedRankDeficientColumns(model.columns);
    model = withoutColumns(model, dropped);
    fitted = fitLeastSquares(model.y, model.columns, model.absorbed);
  }
  if (!fitted.ok) return collinearRefusal(model.names, fitted.collinear, factors.length > 0);
  if (model.projected) fitted = { ok: true, fit: { ...fitted.fit, rank: model.rank } };
  const variance =
    weights && se.seType === 'CR2'
      ? weightedCr2FromFit(
          fitted.fit,
          model.unweighted,
          residualsOf(y, model.unweighted, fitted.fit.beta),
          weights,
          clusters!.grouped,
        )
      : coefficientVariance(
          fitted.fit,
          se.seType,
          clusters ? clusters.grouped : null,
          input.dfTerms
            ? Uint8Array.from(model.names, (t) => (input.dfTerms!.includes(t) ? 1 : 0))
            : undefined,
        );
  const full =
    dropped.length > 0
      ? withDroppedTerms(allNames, dropped, fitted.fit.beta, variance)
      : model.hidden > 0
        ? visiblePart(model.hidden, fitted.fit.beta, variance)
        : null;
  const termNames = model.hidden > 0 ? model.names.slice(model.hidden) : allNames;
  const terms = full
    ? termsFromFit(termNames, full.beta, full.vcov, full.df, alpha)
    : termsFromFit(model.names, fitted.fit.beta, variance.vcov, variance.df, alpha);
  const warnings: EstimatorWarning[] = [];
  if (dropped.length > 0) warnings.push(droppedWarning(dropped.map((j) => allNames[j])));
  if (variance.leverageOne) warnings.push(leverageOneWarning(variance.leverageOne, se.seType, model.factor));
  // with dfTerms the other terms' df are not computed (NaN): only the asked-for ones can be ≤ 0
  const dfWarning = nonpositiveDfWarning(
    input.dfTerms ? terms.filter((t) => input.dfTerms!.includes(t.term)) : terms,
  );
  if (dfWarning) warnings.push(dfWarning);
  const counts = treatmentCounts(input, columns);
  return {
    ok: true,
    result: {
      design: `${factors.length > 0 ? `OLS with ${factors.length > 1 ? `${factors.length} ` : ''}absorbed fixed effects` : 'OLS'}${weights ? ' (weighted)' : ''}`,
      seType: se.seType,
      n,
      nTreatment: counts?.nTreatment ?? null,
      nControl: counts?.nControl ?? null,
      nBlocks: null,
      nClusters: clusters ? clusters.count : null,
      terms,
      warnings,
      covariance: {
        vcov: full ? full.vcov : variance.vcov,
        denDf: clusters ? clusters.count - 1 : n - model.rank,
      },
    },
  };
}

/** The warning naming the collinear columns dropped (as estimatr's NA). */
export function droppedWarning(names: string[]): EstimatorWarning {
  return {
    code: 'collinear-dropped',
    message: `${names.join(', ')} ${names.length > 1 ? 'are linear combinations' : 'is a linear combination'} of the other columns and ${names.length > 1 ? 'were' : 'was'} dropped, as estimatr does (e.g. the interaction of a block with a single unit); the other coefficients are estimated without ${names.length > 1 ? 'them' : 'it'}.`,
    details: { terms: names },
  };
}

function treatmentCounts(input: LmRobustInput, columns: Float64Array[]) {
  if (input.treatment === undefined) return null;
  const index = input.columns.findIndex((c) => c.name === input.treatment);
  if (index < 0) throw new RangeError(`treatment "${input.treatment}" is not one of the columns`);
  return armCounts(columns[index]);
}

/**
 * The warning for observations with leverage 1, naming their fixed-effect levels when they are alone
 * in one (a singleton level fits its observation exactly, so HC2/HC3 divide 0 by 0).
 */
export function leverageOneWarning(
  rows: readonly number[],
  seType: string,
  factor: FactorCodes | null,
): EstimatorWarning {
  const shown = rows.slice(0, 10).map((i) => i + 1);
  const more = rows.length > 10 ? ` and ${rows.length - 10} more` : '';
  const levels = factor ? [...new Set(rows.map((i) => String(factor.levels[factor.codes[i]])))] : [];
  const where = factor
    ? ` (fixed-effect level${levels.length > 1 ? 's' : ''} ${quotedList(levels)}, each with a single observation)`
    : '';
  return {
    code: 'leverage-one',
    message: `${rows.length} observation${rows.length > 1 ? 's have' : ' has'} leverage 1${where}: ${rows.length > 1 ? 'they are' : 'it is'} fitted exactly, so ${seType}'s term e²/(1 − h) is 0/0; it is taken as 0, as estimatr 1.0.0 reports, and ${rows.length > 1 ? 'these observations add' : 'this observation adds'} nothing to the standard errors. Consider dropping ${factor ? 'the singleton level' : 'the observation'}. Rows: ${shown.join(', ')}${more}.`,
    details: { rows: shown, levels },
  };
}

/** Refusal naming the collinear columns. */
export function collinearRefusal(
  names: readonly string[],
  collinear: number[],
  absorbed: boolean,
): EstimateOutcome {
  const which = collinear.map((j) => names[j]);
  const base = absorbed ? 'the columns before them and the fixed effects' : 'the columns before them';
  return refuse(
    'collinear-columns',
    `Perfectly collinear regressors: ${which.join(', ')} ${which.length === 1 ? 'is a linear combination' : 'are linear combinations'} of ${base}. Remove or recode them.`,
    { columns: which },
  );
}

function refuse(
  code: EstimatorRefusal['code'],
  message: string,
  details?: Record<string, unknown>,
): EstimateOutcome {
  return { ok: false, refusal: { code, message, ...(details ? { details } : {}) } };
}
