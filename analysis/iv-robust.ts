/**
 * Complier average causal effect by two-stage least squares (estimatr 1.0.0's `iv_robust`),
 * receipt d instrumented by random assignment z, with exogenous covariates W in both stages:
 *
 *   first stage   X̂ = P_Z X with Z = [1, z, W], X = [1, d, W]
 *   second stage  β̂ = (X̂ᵀX̂)⁻¹X̂ᵀy,   residuals e = y − Xβ̂ (structural, with the observed d)
 *
 * Standard errors are the `lmRobust` sandwiches built on X̂ (estimatr's "second-stage leverage":
 * HC2's hᵢ and CR2's A_h come from the hat matrix of X̂) with the structural residuals; classical
 * uses s² = Σe²/(n − k). Without covariates β̂_d = ITT_y / ITT_d (the Wald estimator). The
 * first-stage F is the robust Wald test of z in the regression of d on Z with the same se type
 * (estimatr's `diagnostic_first_stage_fstatistic`): F = b_z²/V̂_zz on (1, n − k) df, or (1, G − 1)
 * with clusters; F < 10 adds a `weak-instrument` warning.
 *
 * References: Angrist, Imbens & Rubin (1996), JASA 91(434); estimatr `iv_robust`.
 *
 * @example
 * // iv_robust(y ~ received | z, se_type = "HC2", diagnostics = TRUE) — see tests/fixtures/estimators/noncompliance.json
 * ivRobust({ outcome: y, received: d, assignment: z })
 */
import { countClusters } from './cluster-robust-variance.ts';
import { setupClusters } from './cluster-setup.ts';
import { coefficientVariance } from './coefficient-variance.ts';
import { fUpperTail } from './distributions.ts';
import {
  armCounts,
  binaryColumn,
  checkedAlpha,
  finiteColumn,
  requireLength,
} from './estimator-input-checks.ts';
import type { IvRobustInput } from './estimator-inputs.ts';
import type { GroupedRows } from './factor-codes.ts';
import {
  coefficientsFromBasis,
  fitLeastSquares,
  orthonormalBasis,
  residualsOf,
  type LeastSquaresFit,
} from './least-squares.ts';
import { collinearRefusal } from './lm-robust.ts';
import { normalizeWeights, type ObservationWeights } from './observation-weights.ts';
import { weightedCr2FromFit } from './weighted-cr2-variance.ts';
import { resolveSeType } from './se-type.ts';
import { nonpositiveDfWarning, termsFromFit } from './term-estimates.ts';
import type { EstimateOutcome, EstimatorWarning, FirstStageF, SeType } from './types.ts';

export function ivRobust(input: IvRobustInput): EstimateOutcome {
  const n = input.outcome.length;
  const alpha = checkedAlpha(input.alpha);
  const covariates = input.covariates ?? [];
  requireLength(n, {
    received: input.received.length,
    assignment: input.assignment.length,
    ...Object.fromEntries(covariates.map((c) => [c.name, c.values.length])),
  });
  if (n === 0)
    return {
      ok: false,
      refusal: { code: 'empty-data', message: 'There are no observations to estimate from.' },
    };
  const y = finiteColumn(input.outcome, 'outcome');
  const d = finiteColumn(input.received, 'received');
  const z = binaryColumn(input.assignment, 'assignment');
  const w = covariates.map((c) => finiteColumn(c.values, c.name));
  const se = resolveSeType(input.seType, input.clusters !== undefined);
  if (!se.ok) return se;
  const clusters = input.clusters === undefined ? null : setupClusters(input.clusters, n);
  if (clusters && !clusters.ok) return clusters;
  const grouped = clusters ? clusters.grouped : null;
  const receivedName = input.receivedName ?? 'received';
  const ones = new Float64Array(n).fill(1);
  const instruments = [ones, z, ...w];
  if (n <= instruments.length)
    return {
      ok: false,
      refusal: {
        code: 'too-few-observations',
        message: `${n} observations cannot identify ${instruments.length} parameters.`,
      },
    };
  const weighted = input.weights === undefined ? null : normalizeWeights(input.weights, n);
  if (weighted && !weighted.ok) return weighted;
  const weights = weighted ? weighted.weights : null;
  const scale = (x: Float64Array) => (weights ? x.map((v, i) => v * weights.root[i]) : x);
  const first = fitLeastSquares(scale(d), instruments.map(scale));
  if (!first.ok)
    return collinearRefusal(
      ['(Intercept)', 'assignment', ...covariates.map((c) => c.name)],
      first.collinear,
      false,
    );
  const names = ['(Intercept)', receivedName, ...covariates.map((c) => c.name)];
  // unweighted first-stage fitted values X̂ = Zγ̂ (the weighted fit's γ̂)
  const dHat = residualsOf(new Float64Array(n), instruments, first.fit.beta).map((v) => -v);
  const secondStage = [ones, dHat, ...w];
  const basis = orthonormalBasis(secondStage.map(scale));
  if (!basis.ok) {
    return {
      ok: false,
      refusal: {
        code: 'collinear-columns',
        message:
          'Assignment does not predict receipt beyond the covariates (the fitted first stage is collinear with them); the instrumental-variables estimate is not identified.',
        details: { columns: [receivedName] },
      },
    };
  }
  const beta = coefficientsFromBasis(basis.q, basis.rInv, scale(y));
  // structural residuals y − Xβ̂ with the observed receipt (√w-scaled for the sandwiches)
  const structural = residualsOf(y, [ones, d, ...w], beta);
  const fit: LeastSquaresFit = {
    n,
    p: names.length,
    beta,
    residuals: scale(structural),
    q: basis.q,
    rInv: basis.rInv,
    absorbed: null,
    rank: names.length,
  };
  const variance =
    weights && se.seType === 'CR2'
      ? weightedCr2FromFit(fit, secondStage, structural, weights, grouped!)
      : coefficientVariance(fit, se.seType, grouped);
  const terms = termsFromFit(names, beta, variance.vcov, variance.df, alpha);
  const firstStage = firstStageF(first.fit, se.seType, grouped, weights && { d, instruments, weights });
  return {
    ok: true,
    result: {
      design: weights ? 'IV (2SLS, weighted)' : 'IV (2SLS)',
      seType: se.seType,
      n,
      ...armCounts(z),
      nBlocks: null,
      nClusters: clusters ? clusters.count : null,
      terms,
      warnings: ivWarnings(terms, firstStage),
      firstStage,
      covariance: { vcov: variance.vcov, denDf: clusters ? clusters.count - 1 : n - names.length },
    },
  };
}

/** Wald F of the assignment coefficient (index 1) in the first stage, with the fit's se type. */
function firstStageF(
  first: LeastSquaresFit,
  seType: SeType,
  clusters: GroupedRows | null,
  weighted: { d: Float64Array; instruments: Float64Array[]; weights: ObservationWeights } | null,
): FirstStageF {
  const variance =
    weighted && seType === 'CR2'
      ? weightedCr2FromFit(
          first,
          weighted.instruments,
          residualsOf(weighted.d, weighted.instruments, first.beta),
          weighted.weights,
          clusters!,
        )
      : coefficientVariance(first, seType, clusters);
  const b = first.beta[1];
  const value = (b * b) / variance.vcov[1 * first.p + 1];
  const denDf = clusters ? countClusters(clusters) - 1 : first.n - first.rank;
  return { value, numDf: 1, denDf, pValue: fUpperTail(value, 1, denDf) };
}

function ivWarnings(terms: ReturnType<typeof termsFromFit>, firstStage: FirstStageF): EstimatorWarning[] {
  const warnings: EstimatorWarning[] = [];
  if (firstStage.value < 10) {
    warnings.push({
      code: 'weak-instrument',
      message: `The first-stage F statistic is ${firstStage.value.toFixed(2)} (below 10): assignment barely predicts receipt, so the CACE estimate and its interval are unreliable.`,
      details: { ...firstStage },
    });
  }
  const dfWarning = nonpositiveDfWarning(terms);
  if (dfWarning) warnings.push(dfWarning);
  return warnings;
}
