/**
 * Running sums of the Bell–McCaffrey degrees of freedom of one coefficient (see cr2-variance.ts):
 *
 *   df = (Σ_h (a_h − ‖z_h‖²))² / (Σ_h a_h² − 2 Σ_h a_h‖z_h‖² + ‖Σ_h z_h z_hᵀ‖²_F),
 *
 * where z_h has p basis entries and one entry per absorbed fixed-effect level the cluster touches.
 * ‖S‖²_F is split into its basis block (dense p × p), basis × level block (dense p × F), and the
 * level × level block (diagonal, plus a sparse map for clusters that span several levels).
 */
export class DfAccumulator {
  private numerator = 0;
  private sumA2 = 0;
  private sumAZ = 0;
  private readonly basisBlock: Float64Array;
  private readonly crossBlock: Float64Array;
  private readonly levelDiagonal: Float64Array;
  private readonly levelOffDiagonal = new Map<number, number>();
  /** scratch: the indices of a z's nonzero basis entries */
  private readonly nonzero: Int32Array;

  constructor(
    private readonly p: number,
    private readonly levelCount: number,
  ) {
    this.basisBlock = new Float64Array(p * p);
    this.crossBlock = new Float64Array(p * levelCount);
    this.levelDiagonal = new Float64Array(levelCount);
    this.nonzero = new Int32Array(p);
  }

  /** z: basis entries first, then one per entry of `levels` (global level ids). */
  add(a: number, z: Float64Array, levels: readonly number[]): void {
    const { p } = this;
    let zz = 0;
    for (let j = 0; j < z.length; j++) zz += z[j] * z[j];
    this.numerator += a - zz;
    this.sumA2 += a * a;
    this.sumAZ += a * zz;
    // Only the nonzero basis entries (a household of one arm has none in the other arm's columns): a
    // product with a zero entry is ±0, and adding ±0 changes no sum here (they start at +0 and so are
    // never −0). With a non-finite entry every product is added, as written.
    const nonzero = this.nonzero;
    let count = 0;
    for (let i = 0; i < p; i++) if (z[i] !== 0 || !Number.isFinite(zz)) nonzero[count++] = i;
    for (let x = 0; x < count; x++) {
      const i = nonzero[x];
      const zi = z[i];
      for (let y = 0; y < count; y++) {
        const j = nonzero[y];
        this.basisBlock[i * p + j] += zi * z[j];
      }
    }
    for (let l = 0; l < levels.length; l++) {
      const f = levels[l];
      const zf = z[p + l];
      for (let x = 0; x < count; x++) {
        const i = nonzero[x];
        this.crossBlock[i * this.levelCount + f] += z[i] * zf;
      }
      this.levelDiagonal[f] += zf * zf;
      for (let l2 = l + 1; l2 < levels.length; l2++) this.addOffDiagonal(f, levels[l2], zf * z[p + l2]);
    }
  }

  private addOffDiagonal(f: number, g: number, value: number): void {
    const key = f < g ? f * this.levelCount + g : g * this.levelCount + f;
    this.levelOffDiagonal.set(key, (this.levelOffDiagonal.get(key) ?? 0) + value);
  }

  df(): number {
    let frobenius =
      sumOfSquares(this.basisBlock) + 2 * sumOfSquares(this.crossBlock) + sumOfSquares(this.levelDiagonal);
    for (const v of this.levelOffDiagonal.values()) frobenius += 2 * v * v;
    const denominator = this.sumA2 - 2 * this.sumAZ + frobenius;
    return (this.numerator * this.numerator) / denominator;
  }
}

function sumOfSquares(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
