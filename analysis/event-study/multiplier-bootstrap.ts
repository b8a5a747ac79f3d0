/**
 * Multiplier bootstrap of influence functions with Rademacher weights, as did's `mboot` (with
 * BMisc::multiplier_bootstrap): for draw b,
 *   R_bk = m^{-1/2} Σ_r v_rb ψ_rk,  v_rb = ±1 with probability ½,
 * over the m units, or, clustered, over the m clusters with ψ summed within each cluster (did's
 * cluster-sum form, Callaway & Sant'Anna 2021 remark 10). Bootstrap standard error: the
 * interquartile range of R_·k divided by Φ⁻¹(.75) − Φ⁻¹(.25), times √m / n; uniform critical
 * value over a family of estimates: the (1 − α) quantile (R type 1) of max_k |R_bk / σ_k|.
 *
 * Draws cannot match did's draw for draw (R's generator); they are reproducible from the seed.
 * Σ_r v_r ψ_r is computed 8 rows at a time from a table of the 256 subset sums of the 8 rows
 * ("four Russians"), one random byte per draw and block, so 1,000 draws cost about 1,256/8 passes
 * over the influence functions instead of 1,000.
 */

/** A 32-bit integer source, e.g. a seedrandom generator's `int32`. */
export interface BitSource {
  int32(): number;
}

export interface BootstrapDraws {
  /** draws × estimates, row-major: R_bk */
  draws: Float64Array;
  nDraws: number;
  nEstimates: number;
  /** IQR-based scale σ_k of each estimate's draws; NaN for degenerate estimates */
  sigma: Float64Array;
  /** bootstrap standard errors σ_k √m / n; NaN for degenerate estimates */
  se: Float64Array;
  /** units (m = n) or clusters (m = G) the multipliers were drawn for */
  nMultipliers: number;
}

const IQR_TO_SD = 1.3489795003921634; // qnorm(0.75) - qnorm(0.25)
const TINY = Math.sqrt(2.220446049250313e-16) * 10;

/**
 * @param columns one influence function per estimate, each of length n (units)
 * @param cluster cluster code per unit (0 … G−1), or null for unit-level multipliers
 */
export function multiplierBootstrap(
  columns: readonly Float64Array[],
  cluster: Int32Array | null,
  nDraws: number,
  bits: BitSource,
): BootstrapDraws {
  const k = columns.length;
  const n = k > 0 ? columns[0].length : 0;
  const rows = cluster ? clusterSums(columns, cluster) : columns;
  const m = cluster ? (rows[0]?.length ?? 0) : n;
  const acc = new Float64Array(nDraws * k);
  const table = new Float64Array(256 * k);
  const bytes = new Uint8Array(nDraws);
  for (let start = 0; start < m; start += 8) {
    const size = Math.min(8, m - start);
    const subsets = 1 << size;
    // table[s] = Σ_{j ∈ s} row(start + j)
    for (let s = 1; s < subsets; s++) {
      const low = 31 - Math.clz32(s & -s);
      const prev = s & (s - 1);
      const r = start + low;
      for (let c = 0; c < k; c++) table[s * k + c] = table[prev * k + c] + rows[c][r];
    }
    fillBytes(bytes, bits);
    const mask = subsets - 1;
    for (let b = 0; b < nDraws; b++) {
      const s = bytes[b] & mask;
      if (s === 0) continue;
      const off = s * k;
      const out = b * k;
      for (let c = 0; c < k; c++) acc[out + c] += table[off + c];
    }
  }
  const total = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const col = rows[c];
    let s = 0;
    for (let r = 0; r < m; r++) s += col[r];
    total[c] = s;
  }
  const scale = 1 / Math.sqrt(m);
  for (let b = 0; b < nDraws; b++)
    for (let c = 0; c < k; c++) acc[b * k + c] = scale * (2 * acc[b * k + c] - total[c]);
  return summarizeDraws(acc, nDraws, k, m, n);
}

/** Bootstrap SEs (IQR-based) of draws R_bk (row-major nDraws × k) from m multipliers over n units. */
export function summarizeDraws(
  acc: Float64Array,
  nDraws: number,
  k: number,
  m: number,
  n: number,
): BootstrapDraws {
  const sigma = new Float64Array(k);
  const se = new Float64Array(k);
  const column = new Float64Array(nDraws);
  for (let c = 0; c < k; c++) {
    let ss = 0;
    for (let b = 0; b < nDraws; b++) {
      column[b] = acc[b * k + c];
      ss += column[b] * column[b];
    }
    column.sort();
    const s = (quantileType1(column, 0.75) - quantileType1(column, 0.25)) / IQR_TO_SD;
    const degenerate = !(ss > TINY) || !(s > TINY);
    sigma[c] = degenerate ? Number.NaN : s;
    se[c] = degenerate ? Number.NaN : (s * Math.sqrt(m)) / n;
  }
  return { draws: acc, nDraws, nEstimates: k, sigma, se, nMultipliers: m };
}

/**
 * Uniform (sup-t) critical value over the estimates `family` (indices into the bootstrapped
 * columns): the (1 − α) quantile of max_k |R_bk / σ_k|, degenerate estimates left out. NaN when
 * no estimate of the family has a bootstrap distribution.
 */
export function uniformCriticalValue(boot: BootstrapDraws, family: readonly number[], alpha: number): number {
  const live = family.filter((c) => Number.isFinite(boot.sigma[c]));
  if (live.length === 0) return Number.NaN;
  const maxT = new Float64Array(boot.nDraws);
  for (let b = 0; b < boot.nDraws; b++) {
    let m = 0;
    for (const c of live) m = Math.max(m, Math.abs(boot.draws[b * boot.nEstimates + c] / boot.sigma[c]));
    maxT[b] = m;
  }
  maxT.sort();
  return quantileType1(maxT, 1 - alpha);
}

/** R's quantile(x, p, type = 1) of an ascending-sorted sample: the inverse of the empirical CDF. */
export function quantileType1(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  const np = n * p;
  const j = Math.floor(np + 4 * Number.EPSILON * np);
  const g = np - j;
  const index = g > 4 * Number.EPSILON * np ? j + 1 : j;
  return sorted[Math.min(Math.max(index, 1), n) - 1];
}

function clusterSums(columns: readonly Float64Array[], cluster: Int32Array): Float64Array[] {
  let g = 0;
  for (let i = 0; i < cluster.length; i++) g = Math.max(g, cluster[i] + 1);
  return columns.map((col) => {
    const sums = new Float64Array(g);
    for (let i = 0; i < col.length; i++) sums[cluster[i]] += col[i];
    return sums;
  });
}

export function fillBytes(bytes: Uint8Array, bits: BitSource): void {
  for (let b = 0; b < bytes.length; b += 4) {
    const v = bits.int32();
    bytes[b] = v & 255;
    if (b + 1 < bytes.length) bytes[b + 1] = (v >>> 8) & 255;
    if (b + 2 < bytes.length) bytes[b + 2] = (v >>> 16) & 255;
    if (b + 3 < bytes.length) bytes[b + 3] = (v >>> 24) & 255;
  }
}
