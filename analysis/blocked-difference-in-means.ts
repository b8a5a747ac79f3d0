/**
 * Blocked difference in means (estimatr 1.0.0, designs "Blocked" and "Block-clustered"):
 *
 *   τ̂ = Σ_b (N_b/N) τ̂_b,   V̂ = Σ_b (N_b/N)² V̂_b,
 *
 * with V̂_b the Neyman variance s₁²/n₁ + s₀²/n₀ of block b (df N − 2B), or with clusters the CR2
 * variance of the clustered difference within block b (df S − 2B, S = number of clusters).
 * Every block needs at least two treated and two control units (checked by the caller).
 *
 * Reference: Gerber & Green (2012), Field Experiments, eq. 4.12; estimatr `difference_in_means`.
 *
 * @example
 * // difference_in_means(mpg ~ am, blocks = cyl, data = mtcars): 2.2473958, SE 0.75783042, df 26
 */
import { armMoments, neymanVariance } from './arm-moments.ts';
import { clusteredDifference } from './clustered-difference-in-means.ts';
import type { GroupedRows } from './factor-codes.ts';

export interface BlockedDifference {
  estimate: number;
  stdError: number;
  df: number;
  clusters: number | null;
}

export function blockedDifference(
  y: Float64Array,
  z: Float64Array,
  blocks: GroupedRows,
  clusterCodes: Int32Array | null,
): BlockedDifference {
  const n = blocks.order.length;
  const scratch = clusterCodes ? new Int32Array(clusterCodes.length).fill(-1) : undefined;
  let estimate = 0;
  let variance = 0;
  let blockCount = 0;
  let clusterCount = 0;
  for (let b = 0; b < blocks.groupCount; b++) {
    const from = blocks.start[b];
    const to = blocks.start[b + 1];
    if (to === from) continue;
    blockCount++;
    const weight = (to - from) / n;
    if (clusterCodes) {
      const c = clusteredDifference(y, z, clusterCodes, blocks.order, from, to, scratch);
      estimate += weight * c.estimate;
      variance += weight * weight * c.stdError * c.stdError;
      clusterCount += c.clusters;
    } else {
      const m = armMoments(y, z, blocks.order, from, to);
      estimate += weight * (m.mean1 - m.mean0);
      variance += weight * weight * neymanVariance(m);
    }
  }
  const df = clusterCodes ? clusterCount - 2 * blockCount : n - 2 * blockCount;
  return { estimate, stdError: Math.sqrt(variance), df, clusters: clusterCodes ? clusterCount : null };
}
