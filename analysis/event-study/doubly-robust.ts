/**
 * Conditional 2×2 difference in differences with baseline covariates, as did 2.5.1 calls DRDID
 * 1.2.3 for `est_method` "dr" (`drdid_panel`: Sant'Anna & Zhao 2020, eq. 3.1, the locally
 * efficient doubly robust estimator with a logistic propensity score fitted by maximum likelihood
 * and a linear regression of ΔY on the covariates among comparison units), "ipw"
 * (`std_ipw_did_panel`, normalized inverse probability weighting) and "reg" (`reg_did_panel`,
 * outcome regression), each with its influence function including the estimation effects of the
 * propensity score and regression coefficients.
 *
 * Reference: Sant'Anna, P. H. C. and Zhao, J. (2020), "Doubly Robust Difference-in-Differences
 * Estimators", Journal of Econometrics 219(1), 101–122.
 *
 * The covariate matrix always includes the intercept (did's `model.matrix(xformla)`). Propensity
 * scores are capped at 1 − 1e-6 and comparison units with a score ≥ 0.995 get weight 0 (DRDID's
 * trimming).
 */
import type { CsEstMethod } from './cs-types.ts';
import type { CellAtt } from './two-by-two.ts';
import { choleskyInverse, choleskySolve, symmetrize } from './cholesky.ts';
import { twoByTwoRc } from './doubly-robust-rc.ts';
import { logisticFit } from './logistic-regression.ts';

export interface TwoByTwoFit {
  att: number;
  /** influence function over the n units of the 2×2 sample (DRDID's att.inf.func) */
  inf: Float64Array;
  /** comparison units whose propensity score was trimmed */
  trimmed: number;
}

export type TwoByTwoOutcome = { ok: true; fit: TwoByTwoFit } | { ok: false; reason: string };

/**
 * One 2×2 fit. `x` is n × k row-major with the intercept in column 0; `d` is 1 for the treated
 * group and 0 for the comparison group.
 */
export function twoByTwoPanel(
  dy: Float64Array,
  d: Uint8Array,
  x: Float64Array,
  k: number,
  method: CsEstMethod,
): TwoByTwoOutcome {
  const n = d.length;
  const needPs = method !== 'reg';
  const needOr = method !== 'ipw';
  let ps: Float64Array = new Float64Array(n);
  if (needPs) {
    const logit = logisticFit(x, k, d);
    if (!logit)
      return {
        ok: false,
        reason: 'the propensity score model could not be fitted (collinear covariates or perfect separation)',
      };
    ps = logit;
  }
  let outDelta: Float64Array = new Float64Array(n);
  let olsInv: Float64Array | null = null;
  if (needOr) {
    const ols = controlRegression(x, k, d, dy);
    if (!ols)
      return {
        ok: false,
        reason: 'too few comparison units to fit the outcome regression on the covariates',
      };
    outDelta = ols.fitted;
    olsInv = ols.xpxInvTimesN;
  }
  const trim = new Uint8Array(n);
  let trimmed = 0;
  for (let i = 0; i < n; i++) {
    ps[i] = Math.min(ps[i], 1 - 1e-6);
    trim[i] = d[i] === 1 || !needPs || ps[i] < 0.995 ? 1 : 0;
    if (!trim[i]) trimmed++;
  }
  const fit =
    method === 'reg'
      ? regPanel(dy, d, x, k, outDelta, olsInv!)
      : weightedPanel(dy, d, x, k, ps, trim, method === 'dr' ? { fitted: outDelta, inv: olsInv! } : null);
  if (!fit) return { ok: false, reason: 'the propensity score Hessian is singular' };
  return { ok: true, fit: { ...fit, trimmed } };
}

/**
 * ATT(g,t) with covariates, in either of did's forms. `panel` (a balanced panel): one row per
 * treated or comparison unit with its ΔY = Y_t − Y_base, to the panel estimators above (DRDID's
 * `drdid_panel` …). `rc` (did's allow_unbalanced_panel): one row per observation of those units in
 * t or in the base period, to the repeated-cross-section estimators (doubly-robust-rc.ts, DRDID's
 * `drdid_rc` …). Either way each row's influence function is scaled by n_units / n_rows and summed
 * within its unit; `member` is 1 for the treated group, 2 for the comparison group, 0 otherwise.
 */
export function conditionalAtt(
  y: Float64Array,
  nT: number,
  member: Uint8Array,
  tt: number,
  pret: number,
  covariates: Float64Array[],
  method: CsEstMethod,
  form: 'panel' | 'rc',
): CellAtt & { problem?: string; trimmed?: number } {
  const n = member.length;
  const k = covariates.length + 1;
  const unitOf: number[] = [];
  const values: number[] = [];
  const post: number[] = [];
  let nTreated = 0;
  let nControl = 0;
  for (let i = 0; i < n; i++) {
    if (member[i] === 0) continue;
    const before = unitOf.length;
    if (form === 'panel') {
      unitOf.push(i);
      values.push(y[i * nT + tt] - y[i * nT + pret]);
      post.push(1);
    } else
      for (const [p, isPost] of [
        [tt, 1],
        [pret, 0],
      ] as const) {
        const v = y[i * nT + p];
        if (Number.isNaN(v)) continue;
        unitOf.push(i);
        values.push(v);
        post.push(isPost);
      }
    if (unitOf.length > before) {
      if (member[i] === 1) nTreated++;
      else nControl++;
    }
  }
  const rows = unitOf.length;
  const d = Uint8Array.from(unitOf, (i) => (member[i] === 1 ? 1 : 0));
  const x = new Float64Array(rows * k);
  unitOf.forEach((i, r) => {
    x[r * k] = 1;
    covariates.forEach((c, j) => (x[r * k + j + 1] = c[i]));
  });
  const inf = new Float64Array(n);
  const postRows = Uint8Array.from(post);
  // the 2×2 needs both groups (and, as cross sections, both groups in both periods)
  const cellsOk =
    form === 'panel'
      ? nTreated > 0 && nControl > 0
      : [1, 0].every((dd) => [1, 0].every((pp) => d.some((v, r) => v === dd && postRows[r] === pp)));
  if (!cellsOk) return { att: Number.NaN, inf, nTreated, nControl };
  const dy = Float64Array.from(values);
  let fit: { att: number; inf: Float64Array; trimmed?: number };
  if (form === 'panel') {
    const out = twoByTwoPanel(dy, d, x, k, method);
    if (!out.ok) return { att: Number.NaN, inf, nTreated, nControl, problem: out.reason };
    fit = out.fit;
  } else {
    const out = twoByTwoRc({ y: dy, post: postRows, d, x, k }, method);
    if (!out.ok) return { att: Number.NaN, inf, nTreated, nControl, problem: out.reason };
    fit = out;
  }
  const scale = n / rows;
  unitOf.forEach((i, r) => (inf[i] += scale * fit.inf[r]));
  return {
    att: fit.att,
    inf,
    nTreated,
    nControl,
    ...(fit.trimmed !== undefined ? { trimmed: fit.trimmed } : {}),
  };
}

/**
 * The propensity-weighted 2×2 estimators in one: with the comparison units' outcome regression
 * `or`, DRDID's `drdid_panel` (doubly robust: weighted means of ΔY − ΔŶ, influence function with the
 * estimation effects of the regression and of the propensity score); without it (ΔŶ = 0 and no
 * regression terms), `std_ipw_did_panel` (normalized inverse probability weighting).
 */
function weightedPanel(
  dy: Float64Array,
  d: Uint8Array,
  x: Float64Array,
  k: number,
  ps: Float64Array,
  trim: Uint8Array,
  or: { fitted: Float64Array; inv: Float64Array } | null,
): { att: number; inf: Float64Array } | null {
  const n = d.length;
  const od = or ? or.fitted : new Float64Array(n);
  const wT = new Float64Array(n);
  const wC = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    wT[i] = trim[i] * d[i];
    wC[i] = (trim[i] * ps[i] * (1 - d[i])) / (1 - ps[i]);
  }
  const mwT = mean(wT);
  const mwC = mean(wC);
  let sT = 0;
  let sC = 0;
  for (let i = 0; i < n; i++) {
    sT += wT[i] * (dy[i] - od[i]);
    sC += wC[i] * (dy[i] - od[i]);
  }
  const etaT = sT / n / mwT;
  const etaC = sC / n / mwC;
  const psLin = psLinearRep(x, k, d, ps);
  if (!psLin) return null;
  const psC = psLin.direction(colMeansWeighted(x, k, wC, (i) => dy[i] - od[i] - etaC));
  // the outcome regression's estimation effect on the treated and comparison means (dr only)
  const olsT = or ? olsDirection(or.inv, k, colMeansWeighted(x, k, wT)) : null;
  const olsC = or ? olsDirection(or.inv, k, colMeansWeighted(x, k, wC)) : null;
  const inf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const infT1 = wT[i] * (dy[i] - od[i]) - wT[i] * etaT;
    const infC1 = wC[i] * (dy[i] - od[i]) - wC[i] * etaC;
    const infC2 = (d[i] - ps[i]) * dot(x, i, k, psC);
    if (!olsT || !olsC) {
      inf[i] = infT1 / mwT - (infC1 + infC2) / mwC;
      continue;
    }
    const olsRes = (1 - d[i]) * (dy[i] - od[i]);
    const infT2 = olsRes * dot(x, i, k, olsT);
    const infC3 = olsRes * dot(x, i, k, olsC);
    inf[i] = (infT1 - infT2) / mwT - (infC1 + infC2 - infC3) / mwC;
  }
  return { att: etaT - etaC, inf };
}

function regPanel(
  dy: Float64Array,
  d: Uint8Array,
  x: Float64Array,
  k: number,
  od: Float64Array,
  olsInv: Float64Array,
): { att: number; inf: Float64Array } {
  const n = d.length;
  const w = Float64Array.from(d);
  const mw = mean(w);
  let sT = 0;
  let sC = 0;
  for (let i = 0; i < n; i++) {
    sT += w[i] * dy[i];
    sC += w[i] * od[i];
  }
  const etaT = sT / n / mw;
  const etaC = sC / n / mw;
  const olsC = olsDirection(olsInv, k, colMeansWeighted(x, k, w));
  const inf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const infT = (w[i] * dy[i] - w[i] * etaT) / mw;
    const infC = (w[i] * od[i] - w[i] * etaC + (1 - d[i]) * (dy[i] - od[i]) * dot(x, i, k, olsC)) / mw;
    inf[i] = infT - infC;
  }
  return { att: etaT - etaC, inf };
}

/** OLS of dy on x among comparison units (d = 0): fitted values for all units and n·(X_C'X_C)⁻¹. */
function controlRegression(
  x: Float64Array,
  k: number,
  d: Uint8Array,
  dy: Float64Array,
): { fitted: Float64Array; xpxInvTimesN: Float64Array } | null {
  const n = d.length;
  const xpx = new Float64Array(k * k);
  const xpy = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    if (d[i] !== 0) continue;
    for (let a = 0; a < k; a++) {
      xpy[a] += x[i * k + a] * dy[i];
      for (let b = 0; b <= a; b++) xpx[a * k + b] += x[i * k + a] * x[i * k + b];
    }
  }
  const full = symmetrize(xpx, k);
  const coef = choleskySolve(full, k, xpy);
  const inv = choleskyInverse(full, k);
  if (!coef || !inv) return null;
  const fitted = new Float64Array(n);
  for (let i = 0; i < n; i++) fitted[i] = dot(x, i, k, coef);
  for (let j = 0; j < k * k; j++) inv[j] *= n;
  return { fitted, xpxInvTimesN: inv };
}

/** The propensity score's asymptotic linear representation: score_i' · n(X'WX)⁻¹ · M. */
function psLinearRep(
  x: Float64Array,
  k: number,
  d: Uint8Array,
  ps: Float64Array,
): { direction: (m: Float64Array) => Float64Array } | null {
  const n = d.length;
  const h = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    const w = ps[i] * (1 - ps[i]);
    for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) h[a * k + b] += w * x[i * k + a] * x[i * k + b];
  }
  const inv = choleskyInverse(symmetrize(h, k), k);
  if (!inv) return null;
  return { direction: (m) => olsDirection(inv, k, m).map((v) => v * n) };
}

function olsDirection(inv: Float64Array, k: number, m: Float64Array): Float64Array {
  const out = new Float64Array(k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) out[a] += inv[a * k + b] * m[b];
  return out;
}

function colMeansWeighted(
  x: Float64Array,
  k: number,
  w: Float64Array,
  factor?: (i: number) => number,
): Float64Array {
  const n = w.length;
  const out = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const wi = factor ? w[i] * factor(i) : w[i];
    if (wi === 0) continue;
    for (let a = 0; a < k; a++) out[a] += wi * x[i * k + a];
  }
  for (let a = 0; a < k; a++) out[a] /= n;
  return out;
}

function dot(x: Float64Array, i: number, k: number, v: Float64Array): number {
  let s = 0;
  for (let a = 0; a < k; a++) s += x[i * k + a] * v[a];
  return s;
}

function mean(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}
