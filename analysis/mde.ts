import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * Minimum detectable effect (MDE) for planning a two-arm trial: the smallest true effect that a test
 * at level α detects with the given power. MDE = M · SE, where the multiplier is
 * M = q(1 − α/2) + q(power) for a two-sided test (q(1 − α) + q(power) one-sided), q being the standard
 * normal or Student-t quantile, and SE is the standard error of the impact estimate in σ units.
 */

export interface MdeOptions {
  /** test level; default 0.05 */
  alpha?: number;
  /** default 0.8 */
  power?: number;
  /** default 2 */
  tails?: 1 | 2;
  /** share of units (or clusters) assigned to treatment; default 0.5 */
  treatmentShare?: number;
  /** outcome standard deviation; default 1, giving the MDE in standard deviations */
  sd?: number;
  /** 'normal' (large-sample) or 't' (df as below); default 'normal' */
  distribution?: 'normal' | 't';
}

export interface MdeResult {
  mde: number;
  multiplier: number;
  standardError: number;
  /** degrees of freedom of the t multiplier, or Infinity for the normal one */
  df: number;
}

/**
 * Multiplier M of the MDE: q(1 − α/tails) + q(power) from N(0,1), or from t(df) when df is finite.
 *
 * Reference: Bloom (1995), "Minimum detectable effects: a simple way to report the statistical power
 * of experimental designs", Evaluation Review 19:547–556. Matches R `qnorm(1 - a/2) + qnorm(power)`
 * and `qt(1 - a/2, df) + qt(power, df)`.
 *
 * @example
 * mdeMultiplier(0.05, 0.8, 2, Infinity); // => 2.8015852 (1.959964 + 0.8416212)
 * mdeMultiplier(0.05, 0.8, 2, 38); // => 2.8755769
 */
export function mdeMultiplier(alpha: number, power: number, tails: 1 | 2, df: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be in (0, 1)');
  if (!(power > 0 && power < 1)) throw new RangeError('power must be in (0, 1)');
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive: ${df}`);
  const q = (p: number) => (Number.isFinite(df) ? tQuantile(p, df) : normalQuantile(p, 0, 1));
  return q(1 - alpha / tails) + q(power);
}

/**
 * MDE of an individually randomized trial with N units:
 * MDE = M · σ · √((1 − R²) / (P(1 − P) N)), with R² the share of outcome variance explained by
 * covariates and, for the t multiplier, df = N − 2 − covariates.
 *
 * Reference: Bloom (2006), "The core analytics of randomized experiments for social research",
 * MDRC working paper, eq. 7.
 *
 * @throws {RangeError} on N < 3, R² outside [0, 1) or a share outside (0, 1)
 * @example
 * individualMde({ n: 41500 }).mde; // => 0.027504882 (SD units)
 */
export function individualMde(
  design: { n: number; r2?: number; covariates?: number } & MdeOptions,
): MdeResult {
  const { n, r2 = 0, covariates = 0 } = design;
  const o = withDefaults(design);
  if (!(Number.isInteger(n) && n >= 3)) throw new RangeError('n must be an integer ≥ 3');
  checkR2(r2);
  const df = o.distribution === 't' ? n - 2 - covariates : Infinity;
  const standardError = o.sd * Math.sqrt((1 - r2) / (o.p * (1 - o.p) * n));
  const multiplier = mdeMultiplier(o.alpha, o.power, o.tails, df);
  return { mde: multiplier * standardError, multiplier, standardError, df };
}

/**
 * MDE of a cluster-randomized trial with J clusters of n units and intraclass correlation ρ:
 * MDE = M · σ · √( ρ(1 − R²₂)/(P(1 − P)J) + (1 − ρ)(1 − R²₁)/(P(1 − P)Jn) ),
 * with R²₂, R²₁ the shares of cluster- and unit-level variance explained by covariates and, for the
 * t multiplier, df = J − 2 − clusterCovariates.
 *
 * Reference: Bloom (2006), eq. 20; Schochet (2008), "Statistical power for random assignment
 * evaluations of education programs", JEBS 33:62–87. J-PAL's power-calculation guide gives the same.
 *
 * @example
 * clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05 }).mde; // => 0.21610376
 * clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05, distribution: 't' }).mde; // => 0.2218112
 * clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05, r2Cluster: 0.5, r2Individual: 0.5 }).mde; // => 0.15280843
 */
export function clusterMde(
  design: {
    clusters: number;
    clusterSize: number;
    icc: number;
    r2Cluster?: number;
    r2Individual?: number;
    clusterCovariates?: number;
  } & MdeOptions,
): MdeResult {
  const { clusters: J, clusterSize: n, icc, r2Cluster = 0, r2Individual = 0, clusterCovariates = 0 } = design;
  const o = withDefaults(design);
  if (!(Number.isInteger(J) && J >= 3)) throw new RangeError('clusters must be an integer ≥ 3');
  if (!(n > 0)) throw new RangeError('clusterSize must be positive');
  if (!(icc >= 0 && icc <= 1)) throw new RangeError('icc must be in [0, 1]');
  checkR2(r2Cluster);
  checkR2(r2Individual);
  const pq = o.p * (1 - o.p);
  const variance = (icc * (1 - r2Cluster)) / (pq * J) + ((1 - icc) * (1 - r2Individual)) / (pq * J * n);
  const df = o.distribution === 't' ? J - 2 - clusterCovariates : Infinity;
  const standardError = o.sd * Math.sqrt(variance);
  const multiplier = mdeMultiplier(o.alpha, o.power, o.tails, df);
  return { mde: multiplier * standardError, multiplier, standardError, df };
}

function withDefaults(o: MdeOptions) {
  const p = o.treatmentShare ?? 0.5;
  if (!(p > 0 && p < 1)) throw new RangeError('treatmentShare must be in (0, 1)');
  const sd = o.sd ?? 1;
  if (!(sd > 0)) throw new RangeError('sd must be positive');
  return {
    alpha: o.alpha ?? 0.05,
    power: o.power ?? 0.8,
    tails: o.tails ?? 2,
    p,
    sd,
    distribution: o.distribution ?? 'normal',
  };
}

function checkR2(r2: number): void {
  if (!(r2 >= 0 && r2 < 1)) throw new RangeError(`R² must be in [0, 1): ${r2}`);
}
