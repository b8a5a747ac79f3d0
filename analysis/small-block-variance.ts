/**
 * Blocked difference in means when some blocks have a single treated or a single control unit
 * ("small blocks"), following Pashley & Miratrix (2021) as estimatr 2.0's `difference_in_means`
 * documents it (`vignettes/mathematical-notes.Rmd` of estimatr 2.0, "Variance for blocked designs").
 * estimatr 1.0.0 (the installed R reference) refuses these designs, so there is no R golden: the
 * tests check hand-computed examples and, by exact enumeration of every assignment of a fixed
 * finite population, that the variance estimator is conservative.
 *
 * Blocks are classified by arm counts. 𝓑 = blocks with ≥ 2 treated and ≥ 2 control units, 𝓢 =
 * blocks with one treated or one control unit; n_𝓑, n_𝓢 their unit totals, N = n_𝓑 + n_𝓢.
 *
 *   τ̂ = Σ_j (N_j/N) τ̂_j                                   (every block)
 *   V̂_𝓑 = Σ_{j∈𝓑} N_j² V̂_j / n_𝓑²,  V̂_j = s₁²/n₁ + s₀²/n₀,   df_𝓑 = n_𝓑 − 2|𝓑|     (their eq. 4)
 *   τ̄_𝓢 = Σ_{j∈𝓢} N_j τ̂_j / n_𝓢
 *   V̂_𝓢 = Σ_{j∈𝓢} (τ̂_j − τ̄_𝓢)² / (|𝓢|(|𝓢|−1))          if all small blocks have one size (eq. 5)
 *   V̂_𝓢 = Σ_{j∈𝓢} ω_j (τ̂_j − τ̄_𝓢)² / (n_𝓢 + Σ ω_j),  ω_j = N_j² / (n_𝓢 − 2N_j)   otherwise (eq. 8)
 *   df_𝓢 = |𝓢| − 1
 *   V̂ = (n_𝓑/N)² V̂_𝓑 + (n_𝓢/N)² V̂_𝓢                     (the hybrid of their §3.3)
 *   df = Welch–Satterthwaite of the two parts: (a + c)² / (a²/df_𝓑 + c²/df_𝓢) with a, c the two
 *        terms of V̂ (df_𝓢 alone when 𝓑 is empty).
 *
 * Refused, as estimatr 2.0 refuses them: exactly one small block (no variation across small blocks
 * to stand in for their within-block variance), and small blocks of different sizes where one holds
 * half or more of the small blocks' units (ω_j would not be positive and the estimator would not be
 * conservative).
 *
 * @example
 * // three blocks of 3 units, one treated each, τ̂_j = 1, 2, 6: τ̂ = 3, V̂ = ((−2)² + (−1)² + 3²)/(3·2) = 14/6, df 2
 */
import { armMoments, neymanVariance } from './arm-moments.ts';
import type { GroupedRows } from './factor-codes.ts';

export interface SmallBlockDifference {
  estimate: number;
  stdError: number;
  df: number;
  /** Block indices (into the grouping) with a single treated or control unit. */
  smallBlocks: number[];
  /** 'equal-size' (eq. 5) or 'unequal-size' (eq. 8) estimator of the small blocks' variance. */
  smallForm: 'equal-size' | 'unequal-size';
}

export type SmallBlockOutcome =
  | { ok: true; value: SmallBlockDifference }
  | { ok: false; reason: 'one-small-block'; smallBlocks: number[] }
  | { ok: false; reason: 'dominant-small-block'; smallBlocks: number[]; dominant: number[] };

/**
 * Every non-empty block must have at least one treated and one control unit (blocks without
 * variation are dropped by the caller).
 */
export function smallBlockDifference(
  y: Float64Array,
  z: Float64Array,
  blocks: GroupedRows,
): SmallBlockOutcome {
  let n = 0;
  let estimate = 0;
  let bigUnits = 0;
  let bigBlocks = 0;
  let bigSum = 0; // Σ_{j∈𝓑} N_j² V̂_j
  const small: number[] = [];
  const smallSize: number[] = [];
  const smallTau: number[] = [];
  for (let b = 0; b < blocks.groupCount; b++) {
    const from = blocks.start[b];
    const to = blocks.start[b + 1];
    if (to === from) continue;
    const size = to - from;
    const m = armMoments(y, z, blocks.order, from, to);
    const tau = m.mean1 - m.mean0;
    n += size;
    estimate += size * tau;
    if (m.n1 >= 2 && m.n0 >= 2) {
      bigUnits += size;
      bigBlocks++;
      bigSum += size * size * neymanVariance(m);
    } else {
      small.push(b);
      smallSize.push(size);
      smallTau.push(tau);
    }
  }
  estimate /= n;
  const s = small.length;
  if (s === 1) return { ok: false, reason: 'one-small-block', smallBlocks: small };
  let smallUnits = 0;
  let smallMean = 0;
  for (let k = 0; k < s; k++) {
    smallUnits += smallSize[k];
    smallMean += smallSize[k] * smallTau[k];
  }
  smallMean /= smallUnits;
  const equal = smallSize.every((v) => v === smallSize[0]);
  let smallVariance = 0;
  if (equal) {
    for (let k = 0; k < s; k++) smallVariance += (smallTau[k] - smallMean) ** 2;
    smallVariance /= s * (s - 1);
  } else {
    const dominant = small.filter((_, k) => 2 * smallSize[k] >= smallUnits);
    if (dominant.length > 0)
      return { ok: false, reason: 'dominant-small-block', smallBlocks: small, dominant };
    let omegaSum = 0;
    for (let k = 0; k < s; k++) {
      const omega = (smallSize[k] * smallSize[k]) / (smallUnits - 2 * smallSize[k]);
      omegaSum += omega;
      smallVariance += omega * (smallTau[k] - smallMean) ** 2;
    }
    smallVariance /= smallUnits + omegaSum;
  }
  // a = (n_𝓑/N)² V̂_𝓑 = Σ N_j² V̂_j / N²,  c = (n_𝓢/N)² V̂_𝓢
  const a = bigSum / (n * n);
  const c = ((smallUnits * smallUnits) / (n * n)) * smallVariance;
  const dfSmall = s - 1;
  const df =
    bigBlocks === 0 ? dfSmall : (a + c) ** 2 / ((a * a) / (bigUnits - 2 * bigBlocks) + (c * c) / dfSmall);
  return {
    ok: true,
    value: {
      estimate,
      stdError: Math.sqrt(a + c),
      df,
      smallBlocks: small,
      smallForm: equal ? 'equal-size' : 'unequal-size',
    },
  };
}
