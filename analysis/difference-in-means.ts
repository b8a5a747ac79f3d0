/**
 * Difference in means with the design chosen, as estimatr 1.0.0's `difference_in_means` does,
 * from which of `blocks` and `clusters` are given:
 *
 * | given              | design                   | variance                         | df            |
 * |--------------------|--------------------------|----------------------------------|---------------|
 * | neither            | Standard                 | Neyman s₁²/n₁ + s₀²/n₀           | Welch         |
 * | clusters           | Clustered                | CR2 (= lm_robust)                | Bell–McCaffrey|
 * | blocks             | Blocked                  | Σ (N_b/N)² V̂_b                   | N − 2B        |
 * | blocks + clusters  | Block-clustered          | Σ (N_b/N)² V̂_b (CR2 in block)    | S − 2B        |
 * | blocks of 2 units  | Matched-pair             | Σ (τ̂_b − τ̂)² / (B(B−1))          | B − 1         |
 * | blocks of 2 clusters | Matched-pair clustered | Imai–King–Nall                   | B − 1         |
 * | blocks, some with one treated or control unit (no pairs, weights or clusters) | Blocked (small blocks pooled) / Small blocks | Pashley–Miratrix, as estimatr 2.0 (small-block-variance.ts) | Welch–Satterthwaite of the parts |
 * | the same where Pashley–Miratrix is undefined (one such block, or a dominant one), or with clusters | Blocked / Block-clustered (small-block deviation) | Pilot's rule: each small block's squared deviation from the other blocks (lone-block-variance.ts) | Welch–Satterthwaite of the parts |
 *
 * Differences from estimatr 1.0.0, all reported: blocks in which every unit has the same treatment
 * are dropped with a `blocks-dropped-no-variation` warning (estimatr stops), and every other
 * condition under which estimatr stops is a refusal with a message (one cluster, a cluster spanning
 * blocks or mixing arms, fewer than two units of an arm in a block of a weighted non-paired design,
 * no variation in treatment, no data), except designs estimatr 1.0.0 refuses and Pilot estimates,
 * so that every design `pilot randomize` can produce is analysable: a block with a single unit or
 * cluster has no treatment variation and is dropped with the same warning; blocks with a single
 * treated or control unit (no pairs, weights or clusters) get estimatr 2.0's Pashley–Miratrix
 * small-block variance with a `small-blocks-pooled` warning; and where that is undefined (exactly one
 * such block, or one holding half or more of their units) or the design is clustered, Pilot's
 * conservative small-block deviation variance (lone-block-variance.ts,
 * docs/decisions/0005-small-block-deviation-variance.md) with a `small-blocks-deviation` warning.
 * Designs 1.0.0 estimates keep 1.0.0's numbers.
 *
 * References: estimatr `difference_in_means` and `vignettes/mathematical-notes.Rmd`; Gerber &
 * Green (2012) ch. 3–4; Imai, King & Nall (2009); Pustejovsky & Tipton (2018).
 *
 * @example
 * // difference_in_means(extra ~ Z, blocks = ID, data = sleep) → design "Matched-pair", 1.58, SE 0.38895872, df 9
 * differenceInMeans({ outcome: extra, treatment: Z, blocks: ID, treatmentName: 'Z' })
 */
import { armMoments, neymanVariance, welchDf } from './arm-moments.ts';
import { blockedDifference } from './blocked-difference-in-means.ts';
import { loneBlockDifference } from './lone-block-variance.ts';
import { smallBlockDifference } from './small-block-variance.ts';
import { clusteredDifference } from './clustered-difference-in-means.ts';
import {
  armCountsPerBlock,
  clusterSpansBlocks,
  quotedList,
  treatmentVariesWithinCluster,
  unitsPerBlock,
} from './design-checks.ts';
import {
  armCounts,
  binaryColumn,
  checkedAlpha,
  finiteColumn,
  requireLength,
} from './estimator-input-checks.ts';
import type { DifferenceInMeansInput } from './estimator-inputs.ts';
import { encodeFactor, groupRows, subsetFactor } from './factor-codes.ts';
import { lmRobust } from './lm-robust.ts';
import { matchedPairDifference } from './matched-pair-difference-in-means.ts';
import { normalizeWeights } from './observation-weights.ts';
import { termEstimate, nonpositiveDfWarning } from './term-estimates.ts';
import type { EstimateOutcome, EstimatorRefusal, EstimatorWarning, FactorCodes } from './types.ts';

interface Prepared {
  y: Float64Array;
  z: Float64Array;
  clusters: FactorCodes | null;
  blocks: FactorCodes | null;
  /** observation weights divided by their mean, or null */
  weights: Float64Array | null;
  name: string;
  alpha: number;
}

interface Estimate {
  design: string;
  seType: string;
  estimate: number;
  stdError: number;
  df: number;
  nBlocks: number | null;
  nClusters: number | null;
}

export function differenceInMeans(input: DifferenceInMeansInput): EstimateOutcome {
  const n = input.outcome.length;
  const alpha = checkedAlpha(input.alpha);
  requireLength(n, {
    treatment: input.treatment.length,
    blocks: input.blocks && lengthOf(input.blocks),
    clusters: input.clusters && lengthOf(input.clusters),
  });
  if (n === 0) return refuse({ code: 'empty-data', message: 'There are no observations to estimate from.' });
  const weighted = input.weights === undefined ? null : normalizeWeights(input.weights, n);
  if (weighted && !weighted.ok) return weighted;
  const data: Prepared = {
    weights: weighted ? weighted.weights.normalized : null,
    y: finiteColumn(input.outcome, 'outcome'),
    z: binaryColumn(input.treatment, 'treatment'),
    clusters: input.clusters === undefined ? null : encodeFactor(input.clusters),
    blocks: input.blocks === undefined ? null : encodeFactor(input.blocks),
    name: input.treatmentName ?? 'treatment',
    alpha,
  };
  const clusterProblem = data.clusters ? checkClusters(data.z, data.clusters) : null;
  if (clusterProblem) return refuse(clusterProblem);
  return data.blocks ? blockedDesign(data, data.blocks) : unblockedDesign(data);
}

function lengthOf(f: DifferenceInMeansInput['blocks']): number | undefined {
  if (!f) return undefined;
  return 'codes' in f && f.codes instanceof Int32Array ? f.codes.length : (f as ArrayLike<unknown>).length;
}

function checkClusters(z: Float64Array, clusters: FactorCodes): EstimatorRefusal | null {
  const seen = new Uint8Array(clusters.levels.length);
  let used = 0;
  for (let i = 0; i < clusters.codes.length && used < 2; i++) {
    const c = clusters.codes[i];
    if (seen[c] === 0) {
      seen[c] = 1;
      used++;
    }
  }
  if (used < 2) {
    return {
      code: 'single-cluster',
      message:
        'All observations are in one cluster; a clustered difference in means needs clusters in both arms.',
    };
  }
  return treatmentVariesWithinCluster(z, clusters.codes, clusters.levels);
}

function unblockedDesign(data: Prepared): EstimateOutcome {
  const { y, z } = data;
  const counts = armCounts(z);
  if (counts.nTreatment === 0 || counts.nControl === 0) return refuse(noVariation());
  if (data.weights) {
    if (!data.clusters && (counts.nTreatment < 2 || counts.nControl < 2)) return refuse(tooFew(counts));
    const all = identity(y.length);
    const w = weightedDifference(data, all, 0, all.length);
    if (!w.ok) return w;
    const design = data.clusters ? 'Clustered (weighted)' : 'Standard (weighted)';
    return finish(data, { design, seType: data.clusters ? 'CR2' : 'HC2', ...w.value, nBlocks: null }, []);
  }
  if (data.clusters) {
    const all = identity(y.length);
    const c = clusteredDifference(y, z, data.clusters.codes, all);
    return finish(
      data,
      { design: 'Clustered', seType: 'CR2', ...c, nBlocks: null, nClusters: c.clusters },
      [],
    );
  }
  if (counts.nTreatment < 2 || counts.nControl < 2) return refuse(tooFew(counts));
  const m = armMoments(y, z);
  const estimate = m.mean1 - m.mean0;
  const stdError = Math.sqrt(neymanVariance(m));
  return finish(
    data,
    {
      design: 'Standard',
      seType: 'Neyman (Welch df)',
      estimate,
      stdError,
      df: welchDf(m),
      nBlocks: null,
      nClusters: null,
    },
    [],
  );
}

function blockedDesign(data: Prepared, blocks: FactorCodes): EstimateOutcome {
  if (data.clusters) {
    const spans = clusterSpansBlocks(data.clusters.codes, data.clusters.levels, blocks.codes, blocks.levels);
    if (spans) return refuse(spans);
  }
  const grouped = groupRows(blocks.codes, blocks.levels.length);
  // A block of one unit (or one cluster) has no treatment variation and is dropped below with a
  // warning, as Lin's regression with the block factor ignores it.
  const { kept, warnings } = dropBlocksWithoutVariation(data, blocks, grouped);
  if (!kept) return refuse(noVariation());
  return estimateBlocked(kept, warnings);
}

function dropBlocksWithoutVariation(
  data: Prepared,
  blocks: FactorCodes,
  grouped: ReturnType<typeof groupRows>,
) {
  const { treated, control } = armCountsPerBlock(data.z, grouped);
  const dropped = blocks.levels.filter(
    (_, b) => grouped.start[b + 1] > grouped.start[b] && (treated[b] === 0 || control[b] === 0),
  );
  if (dropped.length === 0) return { kept: data, warnings: [] as EstimatorWarning[] };
  const keep = new Uint8Array(data.y.length);
  let units = 0;
  for (let i = 0; i < keep.length; i++) {
    const b = blocks.codes[i];
    keep[i] = treated[b] > 0 && control[b] > 0 ? 1 : 0;
    units += 1 - keep[i];
  }
  const warning: EstimatorWarning = {
    code: 'blocks-dropped-no-variation',
    message: `${dropped.length} block${dropped.length > 1 ? 's' : ''} without both treated and control units (${quotedList(dropped)}; ${units} units) ${dropped.length > 1 ? 'were' : 'was'} dropped.`,
    details: { blocks: dropped, units },
  };
  if (units === data.y.length) return { kept: null, warnings: [warning] };
  const kept: Prepared = {
    ...data,
    y: data.y.filter((_, i) => keep[i] === 1),
    z: data.z.filter((_, i) => keep[i] === 1),
    blocks: subsetFactor(blocks, keep),
    clusters: data.clusters ? subsetFactor(data.clusters, keep) : null,
    weights: data.weights && data.weights.filter((_, i) => keep[i] === 1),
  };
  return { kept, warnings: [warning] };
}

function estimateBlocked(data: Prepared, warnings: EstimatorWarning[]): EstimateOutcome {
  const blocks = data.blocks as FactorCodes;
  const grouped = groupRows(blocks.codes, blocks.levels.length);
  const units = unitsPerBlock(grouped, data.clusters ? data.clusters.codes : null);
  const nBlocks = blocks.levels.length;
  const pairs = units.filter((u) => u === 2).length;
  const nClusters = data.clusters ? data.clusters.levels.length : null;
  if (pairs > 0 && data.weights) {
    return refuse({
      code: 'unsupported-se-type',
      message:
        'Weights cannot be used with a matched-pairs design (blocks of two units or clusters), as in estimatr 1.0.0; drop --weights or merge the pairs into larger blocks.',
    });
  }
  if (pairs > 0) {
    if (pairs < nBlocks) warnings.push(mixedPairsWarning(pairs, nBlocks));
    const mp = matchedPairDifference(data.y, data.z, grouped, data.clusters !== null);
    const design = data.clusters ? 'Matched-pair clustered' : 'Matched-pair';
    return finish(data, { design, seType: design.toLowerCase(), ...mp, nBlocks, nClusters }, warnings);
  }
  const small = blocksWithSmallArms(data, grouped, blocks);
  if (small && !data.weights && !data.clusters) return smallBlocksDesign(data, grouped, blocks, warnings);
  if (small && data.clusters && !data.weights) {
    const reason =
      'the design is clustered (the small-block variance of estimatr 2.0 is for unclustered designs)';
    return deviationDesign(data, grouped, blocks, warnings, reason);
  }
  if (small) return refuse(small);
  const bd = data.weights
    ? weightedBlockedDifference(data, grouped)
    : blockedDifference(data.y, data.z, grouped, data.clusters ? data.clusters.codes : null);
  if ('refusal' in bd) return bd;
  const design = `${data.clusters ? 'Block-clustered' : 'Blocked'}${data.weights ? ' (weighted)' : ''}`;
  return finish(
    data,
    {
      design,
      seType: data.clusters ? 'CR2 within blocks' : 'Neyman within blocks',
      ...bd,
      nBlocks,
      nClusters,
    },
    warnings,
  );
}

/**
 * Blocks with a single treated or control unit, no pairs, no weights, no clusters: the
 * Pashley–Miratrix small-block variance of estimatr 2.0 (see small-block-variance.ts), with a
 * warning naming the small blocks. estimatr 1.0.0 refuses these designs.
 */
function smallBlocksDesign(
  data: Prepared,
  grouped: ReturnType<typeof groupRows>,
  blocks: FactorCodes,
  warnings: EstimatorWarning[],
): EstimateOutcome {
  const out = smallBlockDifference(data.y, data.z, grouped);
  if (!out.ok) {
    if (out.reason === 'one-small-block') {
      const reason =
        'it is the only such block, so the small-block variance (Pashley & Miratrix 2021, as in estimatr 2.0) is not defined';
      return deviationDesign(data, grouped, blocks, warnings, reason);
    }
    const dominant = out.dominant.map((b) => blocks.levels[b]);
    const reason = `they differ in size and ${quotedList(dominant)} ${dominant.length > 1 ? 'hold' : 'holds'} half or more of their units, so the small-block variance (Pashley & Miratrix 2021, eq. 8, as in estimatr 2.0) is not defined`;
    return deviationDesign(data, grouped, blocks, warnings, reason);
  }
  const v = out.value;
  const labels = v.smallBlocks.map((b) => blocks.levels[b]);
  const count = labels.length;
  warnings.push({
    code: 'small-blocks-pooled',
    message: `${count} block${count > 1 ? 's' : ''} (${quotedList(labels)}) ${count > 1 ? 'have' : 'has'} a single treated or control unit; ${count > 1 ? 'their' : 'its'} variance is estimated across these blocks (Pashley & Miratrix 2021, ${v.smallForm === 'equal-size' ? 'equal-size form' : 'eq. 8 for blocks of different sizes'}, as estimatr 2.0 does; estimatr 1.0.0 refuses such designs).`,
    details: { blocks: labels, form: v.smallForm },
  });
  const nBlocks = blocks.levels.length;
  const hybrid = count < nBlocks;
  return finish(
    data,
    {
      design: hybrid ? 'Blocked (small blocks pooled)' : 'Small blocks',
      seType: hybrid
        ? 'Neyman within blocks + Pashley–Miratrix across small blocks'
        : 'Pashley–Miratrix across small blocks',
      estimate: v.estimate,
      stdError: v.stdError,
      df: v.df,
      nBlocks,
      nClusters: null,
    },
    warnings,
  );
}

/**
 * Pilot's rule for small blocks that neither estimatr nor the Pashley–Miratrix variance covers (one
 * small block, a dominant small block, clusters): each small block's variance is bounded by its
 * squared deviation from the other blocks (lone-block-variance.ts;
 * docs/decisions/0005-small-block-deviation-variance.md), with a `small-blocks-deviation` warning.
 */
function deviationDesign(
  data: Prepared,
  grouped: ReturnType<typeof groupRows>,
  blocks: FactorCodes,
  warnings: EstimatorWarning[],
  reason: string,
): EstimateOutcome {
  const nonEmpty = blocks.levels.filter((_, b) => grouped.start[b + 1] > grouped.start[b]).length;
  const v = loneBlockDifference(data.y, data.z, grouped, data.clusters ? data.clusters.codes : null);
  const labels = v.smallBlocks.map((b) => blocks.levels[b]);
  const count = labels.length;
  if (nonEmpty < 2) {
    return refuse({
      code: 'block-arm-too-small',
      message: `Block ${quotedList(labels)} has fewer than two treated or two control units and is the only block, so no variance can be estimated.`,
      details: { blocks: labels },
    });
  }
  warnings.push({
    code: 'small-blocks-deviation',
    message: `${count} block${count > 1 ? 's' : ''} (${quotedList(labels)}) ${count > 1 ? 'have' : 'has'} fewer than two treated or two control units and ${reason}; ${count > 1 ? "each one's" : 'its'} variance is bounded by ${count > 1 ? 'its' : 'its'} squared deviation from the other blocks' estimate (Pilot's rule, conservative: docs/decisions/0005-small-block-deviation-variance.md; estimatr 1.0.0 refuses this design).`,
    details: { blocks: labels },
  });
  const design = data.clusters
    ? 'Block-clustered (small-block deviation)'
    : 'Blocked (small-block deviation)';
  return finish(
    data,
    {
      design,
      seType: `${data.clusters ? 'CR2' : 'Neyman'} within blocks + deviation of small blocks`,
      estimate: v.estimate,
      stdError: v.stdError,
      df: v.df,
      nBlocks: blocks.levels.length,
      nClusters: v.clusters,
    },
    warnings,
  );
}

function tooFew(counts: { nTreatment: number; nControl: number }): EstimatorRefusal {
  return {
    code: 'too-few-observations',
    message: `The difference in means needs at least two treated and two control units (found ${counts.nTreatment} treated, ${counts.nControl} control).`,
    details: counts,
  };
}

/**
 * Weighted difference over rows[from..to): the coefficient on z of the weighted regression of y on
 * [1, z], HC2 (or CR2 with clusters), as estimatr's `difference_in_means(weights = )` computes it
 * in every block.
 */
function weightedDifference(data: Prepared, rows: Int32Array, from: number, to: number) {
  const pick = (x: Float64Array) => Float64Array.from(rows.subarray(from, to), (i) => x[i]);
  const clusters = data.clusters;
  const fitted = lmRobust({
    outcome: pick(data.y),
    columns: [{ name: 't', values: pick(data.z) }],
    weights: pick(data.weights!),
    clusters: clusters ? Array.from(rows.subarray(from, to), (i) => clusters.codes[i]) : undefined,
    seType: clusters ? 'CR2' : 'HC2',
  });
  if (!fitted.ok) return fitted;
  const t = fitted.result.terms[1];
  return {
    ok: true as const,
    value: { estimate: t.estimate, stdError: t.stdError, df: t.df, nClusters: fitted.result.nClusters },
  };
}

/**
 * estimatr's weighted blocked difference: each block's weighted difference (HC2, or CR2 with
 * clusters) weighted by the block's share of the total weight; df N − 2B, or S − 2B with clusters.
 */
function weightedBlockedDifference(data: Prepared, grouped: ReturnType<typeof groupRows>) {
  const w = data.weights!;
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i];
  let estimate = 0;
  let variance = 0;
  let blocks = 0;
  let clusters = 0;
  for (let b = 0; b < grouped.groupCount; b++) {
    const from = grouped.start[b];
    const to = grouped.start[b + 1];
    if (to === from) continue;
    blocks++;
    let share = 0;
    for (let t = from; t < to; t++) share += w[grouped.order[t]];
    share /= total;
    const d = weightedDifference(data, grouped.order, from, to);
    if (!d.ok) return d;
    estimate += share * d.value.estimate;
    variance += share * share * d.value.stdError * d.value.stdError;
    clusters += d.value.nClusters ?? 0;
  }
  const df = data.clusters ? clusters - 2 * blocks : data.y.length - 2 * blocks;
  return { estimate, stdError: Math.sqrt(variance), df, clusters: data.clusters ? clusters : null };
}

function mixedPairsWarning(pairs: number, blocks: number): EstimatorWarning {
  return {
    code: 'mixed-pairs-and-blocks',
    message: `${pairs} of ${blocks} blocks have two units or clusters and the others more; as standard variance estimates cannot be computed within blocks of two, the matched-pairs variance is used for all blocks (as estimatr 1.0.0 does).`,
    details: { pairs, blocks },
  };
}

function blocksWithSmallArms(
  data: Prepared,
  grouped: ReturnType<typeof groupRows>,
  blocks: FactorCodes,
): EstimatorRefusal | null {
  const { treated, control } = armCountsPerBlock(data.z, grouped);
  const labels = blocks.levels.filter((_, b) => treated[b] < 2 || control[b] < 2);
  if (labels.length === 0) return null;
  return {
    code: 'block-arm-too-small',
    message: `Block${labels.length > 1 ? 's' : ''} ${quotedList(labels)} ${labels.length > 1 ? 'have' : 'has'} fewer than two treated or two control units, so the within-block variance cannot be estimated. Merge small blocks, or use pairs (blocks of exactly two units).`,
    details: { blocks: labels },
  };
}

function noVariation(): EstimatorRefusal {
  return {
    code: 'no-treatment-variation',
    message:
      'Every unit has the same treatment value; a difference in means needs both treated and control units.',
  };
}

function finish(data: Prepared, e: Estimate, warnings: EstimatorWarning[]): EstimateOutcome {
  const term = termEstimate(data.name, e.estimate, e.stdError, e.df, data.alpha);
  const dfWarning = nonpositiveDfWarning([term]);
  const counts = armCounts(data.z);
  return {
    ok: true,
    result: {
      design: e.design,
      seType: e.seType,
      n: data.y.length,
      ...counts,
      nBlocks: e.nBlocks,
      nClusters: e.nClusters,
      terms: [term],
      warnings: dfWarning ? [...warnings, dfWarning] : warnings,
    },
  };
}

function refuse(refusal: EstimatorRefusal): EstimateOutcome {
  return { ok: false, refusal };
}

/** 0, 1, …, n − 1. */
function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
