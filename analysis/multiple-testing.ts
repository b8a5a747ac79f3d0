/**
 * Multiple-testing adjustments of p-values: Bonferroni, Holm (step-down) and Benjamini–Hochberg
 * (false discovery rate). Each matches R's `stats::p.adjust(p, method = ...)` exactly, including its
 * treatment of missing values: `NaN` entries are kept in place and do not count towards the number
 * of tests n.
 */

export type PAdjustMethod = 'bonferroni' | 'holm' | 'BH';

/**
 * Bonferroni adjustment: p̃ᵢ = min(1, n·pᵢ).
 *
 * Reference: Dunn (1961), "Multiple comparisons among means", JASA 56:52–64.
 * Matches R `p.adjust(p, "bonferroni")`.
 *
 * @param p p-values in [0, 1]; `NaN` for missing
 * @returns adjusted p-values, in the input order
 * @throws {RangeError} when a p-value is outside [0, 1]
 * @example
 * bonferroni([0.01, 0.04, 0.03, 0.005, 0.2]); // => [0.05, 0.2, 0.15, 0.025, 1]
 */
export function bonferroni(p: readonly number[]): number[] {
  const n = countTests(p);
  return p.map((x) => (Number.isNaN(x) ? NaN : Math.min(1, n * x)));
}

/**
 * Holm's step-down adjustment. With p₍₁₎ ≤ … ≤ p₍ₙ₎ sorted ascending,
 * p̃₍ᵢ₎ = min(1, max_{j ≤ i} (n − j + 1)·p₍ⱼ₎).
 * It controls the family-wise error rate under any dependence and is uniformly more powerful than
 * Bonferroni.
 *
 * Reference: Holm (1979), "A simple sequentially rejective multiple test procedure",
 * Scandinavian Journal of Statistics 6:65–70. Matches R `p.adjust(p, "holm")`.
 *
 * @param p p-values in [0, 1]; `NaN` for missing
 * @returns adjusted p-values, in the input order
 * @throws {RangeError} when a p-value is outside [0, 1]
 * @example
 * holm([0.01, 0.04, 0.03, 0.005, 0.2]); // => [0.04, 0.09, 0.09, 0.025, 0.2]
 */
export function holm(p: readonly number[]): number[] {
  const n = countTests(p);
  const order = ascendingOrder(p);
  const out = p.map(() => NaN);
  let runningMax = 0;
  order.forEach((index, rank) => {
    // rank is 0-based, so the multiplier n − j + 1 for 1-based j is n − rank.
    runningMax = Math.max(runningMax, (n - rank) * p[index]);
    out[index] = Math.min(1, runningMax);
  });
  return out;
}

/**
 * Benjamini–Hochberg adjustment (false discovery rate). With p₍₁₎ ≤ … ≤ p₍ₙ₎ sorted ascending,
 * p̃₍ᵢ₎ = min(1, min_{j ≥ i} n·p₍ⱼ₎ / j).
 * Rejecting where p̃ ≤ q controls the FDR at q for independent or positively dependent tests.
 *
 * Reference: Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B
 * 57:289–300. Matches R `p.adjust(p, "BH")` (alias "fdr").
 *
 * @param p p-values in [0, 1]; `NaN` for missing
 * @returns adjusted p-values, in the input order
 * @throws {RangeError} when a p-value is outside [0, 1]
 * @example
 * benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.2]); // => [0.025, 0.05, 0.05, 0.025, 0.2]
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const n = countTests(p);
  const order = ascendingOrder(p);
  const out = p.map(() => NaN);
  let runningMin = Infinity;
  for (let rank = order.length - 1; rank >= 0; rank--) {
    const index = order[rank];
    runningMin = Math.min(runningMin, (n / (rank + 1)) * p[index]);
    out[index] = Math.min(1, runningMin);
  }
  return out;
}

/**
 * Adjusts p-values by the named method; the same names as R's `p.adjust` ("fdr" is accepted for "BH").
 *
 * @example
 * adjustPValues([0.01, 0.04], 'holm'); // => [0.02, 0.04]
 */
export function adjustPValues(p: readonly number[], method: PAdjustMethod | 'fdr'): number[] {
  switch (method) {
    case 'bonferroni':
      return bonferroni(p);
    case 'holm':
      return holm(p);
    case 'BH':
    case 'fdr':
      return benjaminiHochberg(p);
    default:
      throw new RangeError(`unknown p-value adjustment method: ${String(method)}`);
  }
}

function countTests(p: readonly number[]): number {
  let n = 0;
  for (const x of p) {
    if (Number.isNaN(x)) continue;
    if (!(x >= 0 && x <= 1)) throw new RangeError(`p-value out of [0, 1]: ${x}`);
    n++;
  }
  return n;
}

/** Indices of the non-missing p-values, sorted by p ascending (stable, as R's `order`). */
function ascendingOrder(p: readonly number[]): number[] {
  const idx: number[] = [];
  p.forEach((x, i) => {
    if (!Number.isNaN(x)) idx.push(i);
  });
  return idx.sort((a, b) => p[a] - p[b] || a - b);
}
