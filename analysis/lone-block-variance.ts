/**
 * Pilot's rule for the blocked designs `pilot randomize` can produce but neither estimatr 1.0.0 nor
 * the Pashley–Miratrix small-block variance (small-block-variance.ts, as estimatr 2.0) estimates:
 * exactly one block with a single treated or control unit, small blocks of different sizes of which
 * one holds half or more of their units, and small blocks in a clustered design
 * (docs/decisions/0005-small-block-deviation-variance.md).
 *
 * A block is "small" when it has fewer than two treated or two control units, so its within-block
 * variance V_j = Var(τ̂_j) cannot be estimated. Its variance is bounded by its deviation from the
 * other blocks instead (the collapsed-stratum idea: Hansen, Hurwitz & Madow 1953; Wolter 2007,
 * Introduction to Variance Estimation, 2nd ed.; the same idea as Pashley & Miratrix's small-block
 * estimator, which compares small blocks with each other):
 *
 *   τ̂ = Σ_j (N_j/N) τ̂_j                                   (every block, as estimatr)
 *   τ̂_(−j) = Σ_{k≠j} N_k τ̂_k / (N − N_j)                  (every other block)
 *   V̂ = Σ_{j big} (N_j/N)² V̂_j  +  Σ_{j small} (N_j/N)² (τ̂_j − τ̂_(−j))²
 *
 * with V̂_j the Neyman variance (or, with clusters, the CR2 variance of the block's clustered
 * difference) of a big block. Blocks are randomized independently, so τ̂_j and τ̂_(−j) are
 * independent and both unbiased for their blocks' average effects τ_j and τ_(−j); hence
 *
 *   E[(τ̂_j − τ̂_(−j))²] = V_j + Var(τ̂_(−j)) + (τ_j − τ_(−j))² ≥ V_j,
 *
 * and, the big blocks' Neyman (or CR2) variances being conservative, E[V̂] ≥ Var(τ̂): the estimator is
 * conservative for every population, and more so the more the small blocks' effects differ from the
 * rest. Degrees of freedom: Welch–Satterthwaite over the parts, a big-block part with
 * N − 2B_big (clusters: S − 2B_big) df and one df for each small block's squared deviation.
 *
 * @example
 * // blocks big (τ̂ 6, V̂ 2, 4 units) and tiny (τ̂ 5 − 4 = 1, 3 units):
 * // τ̂ = (4·6 + 3·1)/7, V̂ = (4/7)²·2 + (3/7)²·(1 − 6)²
 */
import { armMoments, neymanVariance } from './arm-moments.ts';
import { clusteredDifference } from './clustered-difference-in-means.ts';
import type { GroupedRows } from './factor-codes.ts';

export interface LoneBlockDifference {
  estimate: number;
  stdError: number;
  df: number;
  /** Block indices (into the grouping) with fewer than two treated or two control units. */
  smallBlocks: number[];
  /** Clusters in all blocks (null without clusters). */
  clusters: number | null;
}

/**
 * Every non-empty block must have at least one treated and one control unit (blocks without
 * variation are dropped by the caller), and there must be at least two non-empty blocks.
 */
export function loneBlockDifference(
  y: Float64Array,
  z: Float64Array,
  blocks: GroupedRows,
  clusterCodes: Int32Array | null,
): LoneBlockDifference {
  const G = blocks.groupCount;
  const tau = new Float64Array(G);
  const size = new Float64Array(G);
  const small: number[] = [];
  const scratch = clusterCodes ? new Int32Array(clusterCodes.length).fill(-1) : undefined;
  let n = 0;
  let estimate = 0;
  let big = 0; // Σ_{big} N_j² V̂_j
  let bigBlocks = 0;
  let bigUnits = 0; // rows, or clusters with clusters
  let clusters = 0;
  for (let b = 0; b < G; b++) {
    const from = blocks.start[b];
    const to = blocks.start[b + 1];
    if (to === from) continue;
    const m = armMoments(y, z, blocks.order, from, to);
    size[b] = to - from;
    tau[b] = m.mean1 - m.mean0;
    n += size[b];
    estimate += size[b] * tau[b];
    if (clusterCodes) clusters += countClusters(clusterCodes, blocks.order, from, to, scratch!);
    if (m.n1 < 2 || m.n0 < 2) {
      small.push(b);
      continue;
    }
    bigBlocks++;
    if (clusterCodes) {
      const c = clusteredDifference(y, z, clusterCodes, blocks.order, from, to, scratch);
      big += size[b] * size[b] * c.stdError * c.stdError;
      bigUnits += c.clusters;
    } else {
      big += size[b] * size[b] * neymanVariance(m);
      bigUnits += size[b];
    }
  }
  const a = big / (n * n);
  let c = 0;
  let c2 = 0; // Σ c_j², for the Welch–Satterthwaite df
  for (const j of small) {
    const others = (estimate - size[j] * tau[j]) / (n - size[j]);
    const term = ((size[j] * size[j]) / (n * n)) * (tau[j] - others) ** 2;
    c += term;
    c2 += term * term;
  }
  const dfBig = bigUnits - 2 * bigBlocks;
  const df = (a + c) ** 2 / ((bigBlocks > 0 ? (a * a) / dfBig : 0) + c2);
  return {
    estimate: estimate / n,
    stdError: Math.sqrt(a + c),
    df,
    smallBlocks: small,
    clusters: clusterCodes ? clusters : null,
  };
}

function countClusters(codes: Int32Array, rows: Int32Array, from: number, to: number, scratch: Int32Array) {
  let count = 0;
  for (let t = from; t < to; t++) {
    const c = codes[rows[t]];
    if (scratch[c] < 0) {
      scratch[c] = 1;
      count++;
    }
  }
  for (let t = from; t < to; t++) scratch[codes[rows[t]]] = -1;
  return count;
}
