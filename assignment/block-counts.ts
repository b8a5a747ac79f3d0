import { MILLION } from './arms.ts';
import { blockPreimage, sha256 } from './protocol.ts';

const TWO_64 = 1n << 64n;
const SCALE = BigInt(MILLION) * TWO_64;

/**
 * The block's systematic-sampling offset u, as the integer U = u · 2⁶⁴: the first 8 bytes of
 * H("pilot-v1|" + S + "|block|" + blockKey) read as an unsigned big-endian integer.
 */
export function blockOffset(seed: string, blockKey: string): bigint {
  return sha256(blockPreimage(seed, blockKey)).readBigUInt64BE(0);
}

/**
 * Arm counts for a block of n units (DESIGN.md §4 step 4), exactly: c_k = ⌊n·p_k⌋, and the
 * R = n − Σc_k leftover places go by systematic sampling on the fractional parts f_k = n·p_k − c_k laid
 * end to end on [0, R) in declared arm order: arm k gets one more place when [lo_k, hi_k) holds one of
 * u, u+1, …, u+R−1. Since every f_k < 1 an interval holds at most one point, and exactly R points fall
 * in [0, R), so the counts sum to n. Because u is uniform, arm k gets its extra place with probability
 * f_k, so E[count_k] = n·p_k and, with the units in uniformly random order, each unit lands in arm k
 * with probability exactly p_k (the complete / block random assignment of randomizr's `block_ra`).
 *
 * All arithmetic is in integers scaled by 10⁶ · 2⁶⁴: a point u + j is U·10⁶ + j·10⁶·2⁶⁴ and an interval
 * end x = X/10⁶ is X·2⁶⁴, where X is a sum of (n · p_k·10⁶) mod 10⁶.
 *
 * Reference: Madow (1949) systematic sampling; Coppock, randomizr `complete_ra`/`block_ra` (CRAN).
 * @param n units in the block (a non-negative integer, n · 10⁶ < 2⁵³)
 * @param millionths p_k · 10⁶ in declared arm order, summing to 10⁶
 * @param offset U = u · 2⁶⁴ from {@link blockOffset}, 0 ≤ U < 2⁶⁴
 * @example blockCounts(5, [500000, 500000], 0n) // [3, 2]: f = (0.5, 0.5), R = 1, u = 0 ∈ [0, 0.5)
 * @example blockCounts(5, [500000, 500000], 1n << 63n) // [2, 3]: u = 0.5 ∈ [0.5, 1)
 */
export function blockCounts(n: number, millionths: readonly number[], offset: bigint): number[] {
  if (!Number.isSafeInteger(n * MILLION) || n < 0) throw new RangeError(`block size ${n} is out of range`);
  if (offset < 0n || offset >= TWO_64) throw new RangeError('offset must be in [0, 2^64)');
  const counts = new Array<number>(millionths.length);
  const fractions = new Array<number>(millionths.length);
  let assigned = 0;
  for (let k = 0; k < millionths.length; k++) {
    const scaled = n * millionths[k]; // n·p_k·10⁶, an exact integer below 2⁵³
    const f = scaled % MILLION;
    counts[k] = (scaled - f) / MILLION;
    fractions[k] = f;
    assigned += counts[k];
  }
  const leftover = n - assigned;
  if (leftover === 0) return counts;
  const base = offset * BigInt(MILLION); // the point u, scaled
  let lo = 0n; // cumulative Σ f, in millionths
  for (let k = 0; k < millionths.length; k++) {
    const hi = lo + BigInt(fractions[k]);
    if (hi > lo && holdsPoint(lo * TWO_64, hi * TWO_64, base, leftover)) counts[k] += 1;
    lo = hi;
  }
  return counts;
}

/** Whether [lo, hi) holds one of base + j·SCALE for j = 0 … r−1 (all scaled by 10⁶ · 2⁶⁴). */
function holdsPoint(lo: bigint, hi: bigint, base: bigint, r: number): boolean {
  // smallest j with base + j·SCALE ≥ lo
  const j = lo <= base ? 0n : (lo - base + SCALE - 1n) / SCALE;
  return j < BigInt(r) && base + j * SCALE < hi;
}
