/**
 * Unconditional 2×2 difference in differences of one ATT(g,t) cell with its influence function,
 * in closed form. These are exactly what did gets from DRDID with `xformla = ~1` (the propensity
 * score is then the treated share and the outcome regression the comparison mean, so every
 * estimation-effect term of the doubly robust influence function vanishes):
 *
 * - balanced panel (DRDID::drdid_panel): ATT = mean_g(ΔY) − mean_C(ΔY) with ΔY = Y_t − Y_b, and
 *   ψ_i = n [1{i∈g}(ΔY_i − μ_g)/n_g − 1{i∈C}(ΔY_i − μ_C)/n_C];
 * - unbalanced panel (did's allow_unbalanced_panel path, DRDID::drdid_rc on the rows observed in t
 *   or b): ATT = (μ_g,t − μ_g,b) − (μ_C,t − μ_C,b) over the observed rows, and ψ_i sums the row
 *   terms n [±(y − μ_cell)/n_cell] of unit i.
 *
 * n is the number of units of the prepared panel; SE(ATT) = √(Σψ²)/n.
 */

export interface CellAtt {
  att: number;
  inf: Float64Array;
  nTreated: number;
  nControl: number;
  /** balanced unconditional cells: mean ΔY of the treated and of the comparison group */
  means?: [number, number];
}

/** member[i]: 1 treated group, 2 comparison group, 0 neither; y is n × nT row-major. */
export function unconditionalPanelAtt(
  y: Float64Array,
  nT: number,
  member: Uint8Array,
  tt: number,
  pret: number,
): CellAtt {
  const n = member.length;
  let n1 = 0;
  let n0 = 0;
  let s1 = 0;
  let s0 = 0;
  for (let i = 0; i < n; i++) {
    const m = member[i];
    if (m === 0) continue;
    const dy = y[i * nT + tt] - y[i * nT + pret];
    if (m === 1) {
      n1++;
      s1 += dy;
    } else {
      n0++;
      s0 += dy;
    }
  }
  const inf = new Float64Array(n);
  if (n1 === 0 || n0 === 0) return { att: Number.NaN, inf, nTreated: n1, nControl: n0 };
  const mu1 = s1 / n1;
  const mu0 = s0 / n0;
  const a1 = n / n1;
  const a0 = n / n0;
  for (let i = 0; i < n; i++) {
    const m = member[i];
    if (m === 0) continue;
    const dy = y[i * nT + tt] - y[i * nT + pret];
    inf[i] = m === 1 ? a1 * (dy - mu1) : -a0 * (dy - mu0);
  }
  return { att: mu1 - mu0, inf, nTreated: n1, nControl: n0, means: [mu1, mu0] };
}

/** Same cell on an unbalanced panel: y holds NaN where a unit is not observed. */
export function unconditionalUnbalancedAtt(
  y: Float64Array,
  nT: number,
  member: Uint8Array,
  tt: number,
  pret: number,
): CellAtt {
  const n = member.length;
  // counts and sums of the four cells: [treated post, treated base, control post, control base]
  const count = [0, 0, 0, 0];
  const sum = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const m = member[i];
    if (m === 0) continue;
    const off = m === 1 ? 0 : 2;
    const yt = y[i * nT + tt];
    const yb = y[i * nT + pret];
    if (!Number.isNaN(yt)) {
      count[off]++;
      sum[off] += yt;
    }
    if (!Number.isNaN(yb)) {
      count[off + 1]++;
      sum[off + 1] += yb;
    }
  }
  const inf = new Float64Array(n);
  const nTreated = countUnits(y, nT, member, 1, tt, pret);
  const nControl = countUnits(y, nT, member, 2, tt, pret);
  if (count.some((c) => c === 0)) return { att: Number.NaN, inf, nTreated, nControl };
  const mu = sum.map((s, k) => s / count[k]);
  const sign = [1, -1, -1, 1];
  for (let i = 0; i < n; i++) {
    const m = member[i];
    if (m === 0) continue;
    const off = m === 1 ? 0 : 2;
    const yt = y[i * nT + tt];
    const yb = y[i * nT + pret];
    let v = 0;
    if (!Number.isNaN(yt)) v += (sign[off] * n * (yt - mu[off])) / count[off];
    if (!Number.isNaN(yb)) v += (sign[off + 1] * n * (yb - mu[off + 1])) / count[off + 1];
    inf[i] = v;
  }
  return { att: mu[0] - mu[1] - (mu[2] - mu[3]), inf, nTreated, nControl };
}

function countUnits(
  y: Float64Array,
  nT: number,
  member: Uint8Array,
  which: number,
  tt: number,
  pret: number,
): number {
  let c = 0;
  for (let i = 0; i < member.length; i++) {
    if (member[i] === which && (!Number.isNaN(y[i * nT + tt]) || !Number.isNaN(y[i * nT + pret]))) c++;
  }
  return c;
}
