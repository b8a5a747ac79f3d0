/**
 * Bias-reduced linearization (CR2) cluster-robust covariance with Bell–McCaffrey / Satterthwaite
 * degrees of freedom per coefficient, as estimatr 1.0.0's `lm_robust(se_type = "CR2")` and
 * clubSandwich's `coef_test(vcovCR(fit, type = "CR2"), test = "Satterthwaite")` (working model I):
 *
 *   A_h = (I − H_hh)^{−1/2}  (symmetric pseudo-inverse square root, eigenvalues ≤ 1e-12 → 0)
 *   V   = (XᵀX)⁻¹ [Σ_h X_hᵀA_h e_h e_hᵀA_h X_h] (XᵀX)⁻¹
 *   p_h = (I − H)_{·h} A_h X_h (XᵀX)⁻¹ e_k,   df_k = (Σ_h p_hᵀp_h)² / Σ_h Σ_g (p_hᵀp_g)².
 *
 * Nothing of size N × N or G × G is formed. With H = ŪŪᵀ (Ū = the orthonormal basis Q of X,
 * plus one column d_f/√n_f per absorbed fixed-effect level) every quantity of cluster h is a
 * function of the small Gram matrix G_h = Ū_hᵀŪ_h and of Ū_hᵀe_h:
 *   A_h = I + Ū_h K_h Ū_hᵀ (see `inverseSqrtComplementKernel`),
 *   u_h = A_h X_h (XᵀX)⁻¹e_k = Ū_h d_h with d_h = (I + K_h G_h) c_k, c_k = R⁻ᵀe_k,
 *   p_hᵀp_g = δ_hg a_h − z_hᵀz_g with a_h = d_hᵀG_h d_h and z_h = Ū_hᵀu_h = G_h d_h,
 * so Σ_h Σ_g (p_hᵀp_g)² = Σ_h a_h² − 2Σ_h a_h‖z_h‖² + ‖Σ_h z_h z_hᵀ‖²_F, an O(N·p²) computation.
 *
 * References: Bell & McCaffrey (2002), Survey Methodology 28(2); Pustejovsky & Tipton (2018),
 * J. Business & Economic Statistics 36(4); Imbens & Kolesár (2016), REStat 98(4).
 */
import { addOuter, sandwich } from './dense-matrix.ts';
import type { GroupedRows } from './factor-codes.ts';
import type { CoefficientVariance } from './heteroskedasticity-robust-variance.ts';
import type { AbsorbedFactor, LeastSquaresFit } from './least-squares.ts';
import { EigenWorkspace, inverseSqrtComplementKernel, inverseSqrtPsdInto } from './symmetric-eigen.ts';
import { DfAccumulator } from './cr2-df-accumulator.ts';

/**
 * @example
 * // lm_robust(mpg ~ hp, mtcars, clusters = cyl, se_type = "CR2"): SE(hp) 0.026524621, df 1.3937055
 */
export function cr2Variance(
  fit: LeastSquaresFit,
  clusters: GroupedRows,
  /** 1 for each coefficient whose degrees of freedom are wanted (default all); the others get NaN. */
  dfMask?: Uint8Array,
): CoefficientVariance {
  const { p, absorbed } = fit;
  const meat = new Float64Array(p * p);
  const dfs = Array.from({ length: p }, (_, k) =>
    dfMask && !dfMask[k] ? null : new DfAccumulator(p, absorbed ? absorbed.levelCount : 0),
  );
  const block = new ClusterBlock(fit);
  const small = new SmallCluster(fit);
  for (let h = 0; h < clusters.groupCount; h++) {
    const from = clusters.start[h];
    const to = clusters.start[h + 1];
    if (to === from) continue;
    if (to - from < p) {
      // Fewer rows than coefficients: the n_h × n_h form is cheaper than the m × m one.
      small.add(clusters.order, from, to, meat, dfs);
      continue;
    }
    block.load(clusters.order, from, to);
    const kernel = inverseSqrtComplementKernel(block.gram, block.m);
    addOuter(meat, block.adjustedScore(kernel), p);
    for (let k = 0; k < p; k++) {
      const acc = dfs[k];
      if (acc) block.addDfTerms(kernel, fit.rInv, k, acc);
    }
  }
  const vcov = sandwich(fit.rInv, meat, p);
  return { vcov, df: Float64Array.from(dfs, (acc) => (acc ? acc.df() : NaN)) };
}

/**
 * A cluster with fewer rows n_h than coefficients, in the n_h-dimensional form: H_hh = Ū_hŪ_hᵀ,
 * A_h = (I − H_hh)^{−1/2} from the eigen-decomposition of the n_h × n_h block (eigenvalues at or below
 * 1e-12 give 0, as in `inverseSqrtComplementKernel`, whose m × m form gives the same A_h), the meat's
 * term Q_hᵀA_h e_h, and for each coefficient k: u_h = A_h Q_h c_k, a_h = ‖u_h‖², z_h = Ū_hᵀu_h. With
 * many small clusters (households) and many coefficients (Lin with block indicators) this costs
 * O(n_h² + n_h·m) per coefficient instead of O(m²), and an n_h × n_h eigen-decomposition instead of m × m.
 */
class SmallCluster {
  private readonly p: number;
  private readonly localOfLevel: Int32Array;
  /** Q row-major (n × p), made on first use: a cluster's rows are read together (same values and sums) */
  private qRows: Float64Array | null = null;
  private readonly workspace = new EigenWorkspace();
  private readonly buffers = new Map<string, Float64Array>();
  private readonly zOfWidth = new Map<number, Float64Array>();
  private readonly levels: number[] = [];

  constructor(private readonly fit: LeastSquaresFit) {
    this.p = fit.p;
    this.localOfLevel = new Int32Array(fit.absorbed ? fit.absorbed.levelCount : 0).fill(-1);
  }

  private get rows(): Float64Array {
    if (this.qRows) return this.qRows;
    const { n, p, q } = this.fit;
    const out = new Float64Array(n * p);
    for (let a = 0; a < p; a++) {
      const qa = q[a];
      for (let i = 0; i < n; i++) out[i * p + a] = qa[i];
    }
    return (this.qRows = out);
  }

  add(
    order: Int32Array,
    from: number,
    to: number,
    meat: Float64Array,
    dfs: readonly (DfAccumulator | null)[],
  ): void {
    const { p, fit } = this;
    const { residuals, rInv, absorbed } = fit;
    const qr = this.rows;
    const n = to - from;
    const rows = order.subarray(from, to);
    const levels = this.levels;
    levels.length = 0;
    const localLevel = this.scratch('localLevel', n);
    if (absorbed) {
      for (let r = 0; r < n; r++) {
        const f = absorbed.codes[rows[r]];
        if (this.localOfLevel[f] < 0) {
          this.localOfLevel[f] = levels.length;
          levels.push(f);
        }
        localLevel[r] = this.localOfLevel[f];
      }
      for (const f of levels) this.localOfLevel[f] = -1;
    }
    // I − H_hh
    const complement = this.scratch('complement', n * n);
    for (let r = 0; r < n; r++) {
      for (let t = r; t < n; t++) {
        let h = 0;
        const ir = rows[r] * p;
        const it = rows[t] * p;
        for (let a = 0; a < p; a++) h += qr[ir + a] * qr[it + a];
        if (absorbed && localLevel[r] === localLevel[t]) {
          const sf = absorbed.inverseSqrtSize[levels[localLevel[r]]];
          h += sf * sf;
        }
        const v = (r === t ? 1 : 0) - h;
        complement[r * n + t] = v;
        complement[t * n + r] = v;
      }
    }
    const adjust = inverseSqrtPsdInto(complement, n, this.workspace); // A_h
    const e = this.scratch('e', n);
    for (let r = 0; r < n; r++) e[r] = residuals[rows[r]];
    const ae = applySquareInto(adjust, e, n, this.scratch('ae', n));
    const score = this.scratch('score', p);
    for (let a = 0; a < p; a++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += qr[rows[r] * p + a] * ae[r];
      score[a] = s;
    }
    addOuter(meat, score, p);
    const w = this.scratch('w', n);
    const u = this.scratch('u', n);
    const m = p + levels.length;
    // z by its length (DfAccumulator.add reads z.length entries)
    let z = this.zOfWidth.get(m);
    if (!z) this.zOfWidth.set(m, (z = new Float64Array(m)));
    for (let k = 0; k < p; k++) {
      const acc = dfs[k];
      if (!acc) continue;
      w.fill(0, 0, n);
      for (let j = 0; j < p; j++) {
        const c = rInv[k * p + j];
        if (c === 0) continue;
        for (let r = 0; r < n; r++) w[r] += qr[rows[r] * p + j] * c;
      }
      applySquareInto(adjust, w, n, u);
      let a2 = 0;
      for (let r = 0; r < n; r++) a2 += u[r] * u[r];
      z.fill(0);
      for (let a = 0; a < p; a++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += qr[rows[r] * p + a] * u[r];
        z[a] = s;
      }
      if (absorbed)
        for (let r = 0; r < n; r++)
          z[p + localLevel[r]] += absorbed.inverseSqrtSize[levels[localLevel[r]]] * u[r];
      acc.add(a2, z, levels);
    }
  }

  /** A scratch array of at least `size` entries (reused from cluster to cluster: most are households of a few students). */
  private scratch(
    name: 'localLevel' | 'complement' | 'e' | 'ae' | 'score' | 'w' | 'u',
    size: number,
  ): Float64Array {
    let b = this.buffers.get(name);
    if (!b || b.length < size) this.buffers.set(name, (b = new Float64Array(Math.max(16, 2 * size))));
    return b;
  }
}

/** a (n × n) times x into out; out is returned. */
function applySquareInto(a: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
    out[i] = s;
  }
  return out;
}

/** Ū_hᵀŪ_h and Ū_hᵀe_h of one cluster, with the fixed-effect levels it touches. */
class ClusterBlock {
  m = 0;
  gram = new Float64Array(0);
  score = new Float64Array(0);
  /** Global fixed-effect level of each local fixed-effect column. */
  levels: number[] = [];
  private readonly p: number;
  private readonly localOfLevel: Int32Array;

  constructor(private readonly fit: LeastSquaresFit) {
    this.p = fit.p;
    this.localOfLevel = new Int32Array(fit.absorbed ? fit.absorbed.levelCount : 0).fill(-1);
  }

  load(order: Int32Array, from: number, to: number): void {
    const { p, fit } = this;
    const absorbed = fit.absorbed;
    this.levels.length = 0;
    if (absorbed) this.collectLevels(absorbed, order, from, to);
    const m = p + this.levels.length;
    this.m = m;
    if (this.gram.length !== m * m) {
      this.gram = new Float64Array(m * m);
      this.score = new Float64Array(m);
    } else {
      this.gram.fill(0);
      this.score.fill(0);
    }
    const { gram, score } = this;
    const q = fit.q;
    for (let t = from; t < to; t++) {
      const i = order[t];
      const e = fit.residuals[i];
      for (let a = 0; a < p; a++) {
        const ua = q[a][i];
        score[a] += ua * e;
        for (let b = a; b < p; b++) gram[a * m + b] += ua * q[b][i];
      }
      if (absorbed) this.addFixedEffectEntries(absorbed, i, e);
    }
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) gram[a * m + b] = gram[b * m + a];
    for (const f of this.levels) this.localOfLevel[f] = -1;
  }

  private collectLevels(absorbed: AbsorbedFactor, order: Int32Array, from: number, to: number): void {
    for (let t = from; t < to; t++) {
      const f = absorbed.codes[order[t]];
      if (this.localOfLevel[f] < 0) {
        this.localOfLevel[f] = this.p + this.levels.length;
        this.levels.push(f);
      }
    }
  }

  /** Column of level f has entries 1/√n_f on that level's rows (symmetric fill happens in load). */
  private addFixedEffectEntries(absorbed: AbsorbedFactor, i: number, e: number): void {
    const { p, gram, score, m } = this;
    const f = absorbed.codes[i];
    const s = absorbed.inverseSqrtSize[f];
    const l = this.localOfLevel[f];
    for (let a = 0; a < p; a++) gram[a * m + l] += this.fit.q[a][i] * s;
    gram[l * m + l] += s * s;
    score[l] += s * e;
  }

  /** U_hᵀA_h e_h = (r + G K r) restricted to the basis columns. */
  adjustedScore(kernel: Float64Array): Float64Array {
    const { m, p, gram, score } = this;
    const kr = matVec(kernel, score, m);
    const gkr = matVec(gram, kr, m);
    const out = new Float64Array(p);
    for (let a = 0; a < p; a++) out[a] = score[a] + gkr[a];
    return out;
  }

  /** Add cluster h's a_h and z_h for coefficient k. */
  addDfTerms(kernel: Float64Array, rInv: Float64Array, k: number, acc: DfAccumulator): void {
    const { m, p, gram } = this;
    const c = new Float64Array(m);
    for (let j = 0; j < p; j++) c[j] = rInv[k * p + j];
    const kgc = matVec(kernel, matVec(gram, c, m), m);
    for (let j = 0; j < m; j++) kgc[j] += c[j];
    const z = matVec(gram, kgc, m);
    let a = 0;
    for (let j = 0; j < m; j++) a += kgc[j] * z[j];
    acc.add(a, z, this.levels);
  }
}

function matVec(a: Float64Array, x: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[i * m + j] * x[j];
    out[i] = s;
  }
  return out;
}
