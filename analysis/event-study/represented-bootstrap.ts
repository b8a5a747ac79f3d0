/**
 * Fast multiplier bootstrap for the common case of a balanced panel without covariates and
 * without clusters, where every influence function has the by-cohort form (GtCell.rep)
 *   ψ_ik = Σ_t A_k[c(i), t] Y_it + A_k[c(i), T],
 * so that Σ_i v_i ψ_ik = Σ_{c,t} A_k[c, t] D[c, t] with D[c, t] = Σ_{i∈c} v_i Y_it and
 * D[c, T] = Σ_{i∈c} v_i. The D of each draw cost one pass over the outcomes (T + 1 columns
 * instead of one column per estimate), 8 units at a time with a subset-sum table as in
 * multiplier-bootstrap.ts; the multipliers are the same kind (one Rademacher weight per unit,
 * from the seeded bit source, units visited cohort by cohort), so the result is the multiplier
 * bootstrap of did's `mboot`, only cheaper.
 */
import { fillBytes, summarizeDraws, type BitSource, type BootstrapDraws } from './multiplier-bootstrap.ts';

export interface RepresentedInput {
  /** one representation per estimate, each nCohorts × (nT + 1) row-major */
  reps: readonly Float64Array[];
  /** outcomes, n × nT row-major */
  y: Float64Array;
  nT: number;
  /** cohort index of each unit (0 … nCohorts − 1) */
  cohortIndex: Int32Array;
  nCohorts: number;
}

export function representedBootstrap(
  input: RepresentedInput,
  nDraws: number,
  bits: BitSource,
): BootstrapDraws {
  const { reps, y, nT, cohortIndex, nCohorts } = input;
  const n = cohortIndex.length;
  const w = nT + 1;
  const cw = nCohorts * w;
  const members: number[][] = Array.from({ length: nCohorts }, () => []);
  for (let i = 0; i < n; i++) members[cohortIndex[i]].push(i);
  const d = new Float64Array(nDraws * cw);
  const total = new Float64Array(cw);
  const table = new Float64Array(256 * w);
  const bytes = new Uint8Array(nDraws);
  members.forEach((units, c) => {
    for (let start = 0; start < units.length; start += 8) {
      const size = Math.min(8, units.length - start);
      const subsets = 1 << size;
      for (let s = 1; s < subsets; s++) {
        const unit = units[start + (31 - Math.clz32(s & -s))];
        const so = s * w;
        const po = (s & (s - 1)) * w;
        for (let t = 0; t < nT; t++) table[so + t] = table[po + t] + y[unit * nT + t];
        table[so + nT] = table[po + nT] + 1;
      }
      for (let j = 0; j < size; j++) {
        const unit = units[start + j];
        for (let t = 0; t < nT; t++) total[c * w + t] += y[unit * nT + t];
        total[c * w + nT] += 1;
      }
      fillBytes(bytes, bits);
      const mask = subsets - 1;
      for (let b = 0; b < nDraws; b++) {
        const s = bytes[b] & mask;
        if (s === 0) continue;
        const so = s * w;
        const out = b * cw + c * w;
        for (let t = 0; t < w; t++) d[out + t] += table[so + t];
      }
    }
  });
  const k = reps.length;
  const draws = new Float64Array(nDraws * k);
  const scale = 1 / Math.sqrt(n);
  for (let b = 0; b < nDraws; b++) {
    const off = b * cw;
    for (let j = 0; j < cw; j++) d[off + j] = 2 * d[off + j] - total[j];
    for (let e = 0; e < k; e++) {
      const rep = reps[e];
      let s = 0;
      for (let j = 0; j < cw; j++) s += rep[j] * d[off + j];
      draws[b * k + e] = scale * s;
    }
  }
  return summarizeDraws(draws, nDraws, k, n, n);
}
