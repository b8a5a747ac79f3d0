/**
 * Conditional 2×2 difference in differences on the rows of an unbalanced panel, as did 2.5.1 does
 * with `allow_unbalanced_panel = TRUE` and covariates: the rows observed in t or in the base period
 * are treated as repeated cross sections and passed to DRDID's `drdid_rc` (locally efficient doubly
 * robust, Sant'Anna & Zhao 2020 eq. 3.4: logistic propensity score, separate linear outcome
 * regressions for treated and comparison rows in each period), `std_ipw_did_rc` or `reg_did_rc`;
 * each row's influence function is scaled by n_units / n_rows and summed within its unit.
 * Propensity scores are capped at 1 − 1e-6 and comparison rows with a score ≥ 0.995 get weight 0.
 */
import type { CsEstMethod } from './cs-types.ts';
import { choleskyInverse, choleskySolve } from './cholesky.ts';
import { logisticFit } from './logistic-regression.ts';

/** Repeated-cross-section rows: outcome, post (1 = period t, 0 = base), treated group, covariates (n × k, intercept first). */
export interface RcRows {
  y: Float64Array;
  post: Uint8Array;
  d: Uint8Array;
  x: Float64Array;
  k: number;
}

export type RcOutcome = { ok: true; att: number; inf: Float64Array } | { ok: false; reason: string };

interface Ols {
  fitted: Float64Array;
  /** per row: w_r (y_r − ŷ_r) x_r' n(X_S'X_S)⁻¹, as a function of the direction M */
  linear: (m: Float64Array) => Float64Array;
}

export function twoByTwoRc(rows: RcRows, method: CsEstMethod): RcOutcome {
  const { y, post, d, x, k } = rows;
  const n = y.length;
  const sel = (f: (r: number) => boolean) => Uint8Array.from({ length: n }, (_, r) => (f(r) ? 1 : 0));
  const contPre = ols(
    rows,
    sel((r) => !d[r] && !post[r]),
  );
  const contPost = ols(
    rows,
    sel((r) => !d[r] && !!post[r]),
  );
  if (method !== 'ipw' && (!contPre || !contPost))
    return { ok: false, reason: 'too few comparison rows to fit the outcome regressions on the covariates' };
  let ps = new Float64Array(n);
  let psLinear: ((m: Float64Array) => Float64Array) | null = null;
  if (method !== 'reg') {
    const fit = logisticFit(x, k, d);
    if (!fit)
      return {
        ok: false,
        reason: 'the propensity score model could not be fitted (collinear covariates or perfect separation)',
      };
    ps = fit.map((p) => Math.min(p, 1 - 1e-6));
    psLinear = psRepresentation(rows, ps);
    if (!psLinear) return { ok: false, reason: 'the propensity score Hessian is singular' };
  }
  const trim = Float64Array.from({ length: n }, (_, r) =>
    d[r] || method === 'reg' || ps[r] < 0.995 ? 1 : 0,
  );
  if (method === 'reg') return regRc(rows, contPre!, contPost!);
  if (method === 'ipw') return ipwRc(rows, ps, trim, psLinear!);
  const treatPre = ols(
    rows,
    sel((r) => !!d[r] && !post[r]),
  );
  const treatPost = ols(
    rows,
    sel((r) => !!d[r] && !!post[r]),
  );
  if (!treatPre || !treatPost)
    return { ok: false, reason: 'too few treated rows to fit the outcome regressions on the covariates' };
  return drRc(rows, ps, trim, psLinear!, contPre!, contPost!, treatPre, treatPost);
}

function drRc(
  rows: RcRows,
  ps: Float64Array,
  trim: Float64Array,
  psLin: (m: Float64Array) => Float64Array,
  cPre: Ols,
  cPost: Ols,
  tPre: Ols,
  tPost: Ols,
): RcOutcome {
  const { y, post, d } = rows;
  const n = y.length;
  const v = (f: (r: number) => number) => Float64Array.from({ length: n }, (_, r) => f(r));
  const outCont = v((r) => (post[r] ? cPost.fitted[r] : cPre.fitted[r]));
  const odds = v((r) => (trim[r] * ps[r] * (1 - d[r])) / (1 - ps[r]));
  const wTreatPre = v((r) => trim[r] * d[r] * (1 - post[r]));
  const wTreatPost = v((r) => trim[r] * d[r] * post[r]);
  const wContPre = v((r) => odds[r] * (1 - post[r]));
  const wContPost = v((r) => odds[r] * post[r]);
  const wD = v((r) => trim[r] * d[r]);
  const gapPost = v((r) => tPost.fitted[r] - cPost.fitted[r]);
  const gapPre = v((r) => tPre.fitted[r] - cPre.fitted[r]);
  const resid = v((r) => y[r] - outCont[r]);
  const terms = {
    treatPre: normalized(wTreatPre, resid),
    treatPost: normalized(wTreatPost, resid),
    contPre: normalized(wContPre, resid),
    contPost: normalized(wContPost, resid),
    dPost: normalized(wD, gapPost),
    dt1Post: normalized(wTreatPost, gapPost),
    dPre: normalized(wD, gapPre),
    dt0Pre: normalized(wTreatPre, gapPre),
  };
  const att =
    terms.treatPost.mean -
    terms.treatPre.mean -
    (terms.contPost.mean - terms.contPre.mean) +
    (terms.dPost.mean - terms.dt1Post.mean) -
    (terms.dPre.mean - terms.dt0Pre.mean);
  const x = rows;
  const M1post = scale(colMeans(x, wTreatPost), -1 / mean(wTreatPost));
  const M1pre = scale(colMeans(x, wTreatPre), -1 / mean(wTreatPre));
  const M2pre = scale(
    colMeans(
      x,
      v((r) => wContPre[r] * (resid[r] - terms.contPre.mean)),
    ),
    1 / mean(wContPre),
  );
  const M2post = scale(
    colMeans(
      x,
      v((r) => wContPost[r] * (resid[r] - terms.contPost.mean)),
    ),
    1 / mean(wContPost),
  );
  const M3post = scale(colMeans(x, wContPost), -1 / mean(wContPost));
  const M3pre = scale(colMeans(x, wContPre), -1 / mean(wContPre));
  const mwD = mean(wD);
  const momPost = colMeans(
    x,
    v((r) => wD[r] / mwD - wTreatPost[r] / mean(wTreatPost)),
  );
  const momPre = colMeans(
    x,
    v((r) => wD[r] / mwD - wTreatPre[r] / mean(wTreatPre)),
  );
  const treatOr = add(cPost.linear(M1post), cPre.linear(M1pre));
  const contOr = add(cPost.linear(M3post), cPre.linear(M3pre));
  const contPs = psLin(sub(M2post, M2pre));
  const orPost = sub(tPost.linear(momPost), cPost.linear(momPost));
  const orPre = sub(tPre.linear(momPre), cPre.linear(momPre));
  const inf = v(
    (r) =>
      terms.treatPost.inf[r] -
      terms.treatPre.inf[r] +
      treatOr[r] -
      (terms.contPost.inf[r] - terms.contPre.inf[r] + contPs[r] + contOr[r]) +
      (terms.dPost.inf[r] - terms.dt1Post.inf[r] - (terms.dPre.inf[r] - terms.dt0Pre.inf[r])) +
      (orPost[r] - orPre[r]),
  );
  return { ok: true, att, inf };
}

function ipwRc(
  rows: RcRows,
  ps: Float64Array,
  trim: Float64Array,
  psLin: (m: Float64Array) => Float64Array,
): RcOutcome {
  const { y, post, d } = rows;
  const n = y.length;
  const v = (f: (r: number) => number) => Float64Array.from({ length: n }, (_, r) => f(r));
  const odds = v((r) => (trim[r] * ps[r] * (1 - d[r])) / (1 - ps[r]));
  const wContPre = v((r) => odds[r] * (1 - post[r]));
  const wContPost = v((r) => odds[r] * post[r]);
  const treatPre = normalized(
    v((r) => trim[r] * d[r] * (1 - post[r])),
    y,
  );
  const treatPost = normalized(
    v((r) => trim[r] * d[r] * post[r]),
    y,
  );
  const contPre = normalized(wContPre, y);
  const contPost = normalized(wContPost, y);
  const M2pre = scale(
    colMeans(
      rows,
      v((r) => wContPre[r] * (y[r] - contPre.mean)),
    ),
    1 / mean(wContPre),
  );
  const M2post = scale(
    colMeans(
      rows,
      v((r) => wContPost[r] * (y[r] - contPost.mean)),
    ),
    1 / mean(wContPost),
  );
  const contPs = psLin(sub(M2post, M2pre));
  const att = treatPost.mean - treatPre.mean - (contPost.mean - contPre.mean);
  const inf = v((r) => treatPost.inf[r] - treatPre.inf[r] - (contPost.inf[r] - contPre.inf[r] + contPs[r]));
  return { ok: true, att, inf };
}

function regRc(rows: RcRows, cPre: Ols, cPost: Ols): RcOutcome {
  const { y, post, d } = rows;
  const n = y.length;
  const v = (f: (r: number) => number) => Float64Array.from({ length: n }, (_, r) => f(r));
  const wD = v((r) => d[r]);
  const treatPre = normalized(
    v((r) => d[r] * (1 - post[r])),
    y,
  );
  const treatPost = normalized(
    v((r) => d[r] * post[r]),
    y,
  );
  const gap = v((r) => cPost.fitted[r] - cPre.fitted[r]);
  const cont = normalized(wD, gap);
  const M1 = colMeans(rows, wD);
  const orPost = cPost.linear(M1);
  const orPre = cPre.linear(M1);
  const mw = mean(wD);
  const att = treatPost.mean - treatPre.mean - cont.mean;
  const inf = v((r) => treatPost.inf[r] - treatPre.inf[r] - (cont.inf[r] + (orPost[r] - orPre[r]) / mw));
  return { ok: true, att, inf };
}

/** η = w·z/mean(w): its mean and its leading influence term η − w·mean(η)/mean(w). */
function normalized(w: Float64Array, z: Float64Array): { mean: number; inf: Float64Array } {
  const mw = mean(w);
  const eta = w.map((wi, r) => (wi * z[r]) / mw);
  const m = mean(eta);
  return { mean: m, inf: eta.map((e, r) => e - (w[r] * m) / mw) };
}

function ols(rows: RcRows, subset: Uint8Array): Ols | null {
  const { y, x, k } = rows;
  const n = y.length;
  const xpx = new Float64Array(k * k);
  const xpy = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    if (!subset[r]) continue;
    for (let a = 0; a < k; a++) {
      xpy[a] += x[r * k + a] * y[r];
      for (let b = 0; b < k; b++) xpx[a * k + b] += x[r * k + a] * x[r * k + b];
    }
  }
  const coef = choleskySolve(xpx, k, xpy);
  const inv = choleskyInverse(xpx, k);
  if (!coef || !inv) return null;
  const fitted = Float64Array.from({ length: n }, (_, r) => dotRow(x, r, k, coef));
  const linear = (m: Float64Array) => {
    const dir = new Float64Array(k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) dir[a] += n * inv[a * k + b] * m[b];
    return Float64Array.from({ length: n }, (_, r) =>
      subset[r] ? (y[r] - fitted[r]) * dotRow(x, r, k, dir) : 0,
    );
  };
  return { fitted, linear };
}

function psRepresentation(rows: RcRows, ps: Float64Array): ((m: Float64Array) => Float64Array) | null {
  const { x, k, d } = rows;
  const n = ps.length;
  const h = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    const w = ps[r] * (1 - ps[r]);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) h[a * k + b] += w * x[r * k + a] * x[r * k + b];
  }
  const inv = choleskyInverse(h, k);
  if (!inv) return null;
  return (m) => {
    const dir = new Float64Array(k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) dir[a] += n * inv[a * k + b] * m[b];
    return Float64Array.from({ length: n }, (_, r) => (d[r] - ps[r]) * dotRow(x, r, k, dir));
  };
}

function colMeans(rows: RcRows, w: Float64Array): Float64Array {
  const { x, k } = rows;
  const out = new Float64Array(k);
  for (let r = 0; r < w.length; r++) for (let a = 0; a < k; a++) out[a] += w[r] * x[r * k + a];
  return out.map((s) => s / w.length);
}

const scale = (v: Float64Array, s: number) => v.map((x) => x * s);
const add = (a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]);
const sub = (a: Float64Array, b: Float64Array) => a.map((x, i) => x - b[i]);

function mean(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

function dotRow(x: Float64Array, r: number, k: number, v: Float64Array): number {
  let s = 0;
  for (let a = 0; a < k; a++) s += x[r * k + a] * v[a];
  return s;
}
