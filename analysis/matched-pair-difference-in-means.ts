/**
 * Matched-pair difference in means (estimatr 1.0.0, designs "Matched-pair" and "Matched-pair
 * clustered"), with B pairs (blocks of two units or two clusters), N units, τ̂_b the difference
 * of arm means in pair b and τ̂ = Σ_b (N_b/N) τ̂_b:
 *
 *   unclustered:  V̂ = Σ_b (τ̂_b − τ̂)² / (B(B − 1))
 *   clustered:    V̂ = B / ((B − 1) N²) · Σ_b (N_b τ̂_b − N τ̂ / B)²   (Imai, King & Nall 2009)
 *   df = B − 1.
 *
 * estimatr also uses these formulas for every block when pairs are mixed with larger blocks.
 *
 * References: Imai (2008), Statistics in Medicine 27; Imai, King & Nall (2009), Statistical Science 24(1).
 *
 * @example
 * // difference_in_means(extra ~ Z, blocks = ID, data = sleep): 1.58, SE 0.38895872, df 9
 */
import { armMoments } from './arm-moments.ts';
import type { GroupedRows } from './factor-codes.ts';

export interface MatchedPairDifference {
  estimate: number;
  stdError: number;
  df: number;
}

export function matchedPairDifference(
  y: Float64Array,
  z: Float64Array,
  blocks: GroupedRows,
  clustered: boolean,
): MatchedPairDifference {
  const n = blocks.order.length;
  const effects: number[] = [];
  const sizes: number[] = [];
  for (let b = 0; b < blocks.groupCount; b++) {
    const from = blocks.start[b];
    const to = blocks.start[b + 1];
    if (to === from) continue;
    const m = armMoments(y, z, blocks.order, from, to);
    effects.push(m.mean1 - m.mean0);
    sizes.push(to - from);
  }
  const pairs = effects.length;
  let estimate = 0;
  for (let b = 0; b < pairs; b++) estimate += (sizes[b] / n) * effects[b];
  let ss = 0;
  for (let b = 0; b < pairs; b++) {
    const d = clustered ? sizes[b] * effects[b] - (n * estimate) / pairs : effects[b] - estimate;
    ss += d * d;
  }
  const variance = clustered ? (pairs / ((pairs - 1) * n * n)) * ss : ss / (pairs * (pairs - 1));
  return { estimate, stdError: Math.sqrt(variance), df: pairs - 1 };
}
