import { encodeFactor } from './factor-codes.ts';
import type { FactorInput } from './types.ts';

/**
 * The complete (or block-complete, cluster-complete) random assignments that hold each block's
 * number of treated units (clusters) at its observed value: the reference set of an exact
 * randomization test, as `ri2::conduct_ri` enumerates for `declare_ra(N, m)` or
 * `declare_ra(blocks, block_m, clusters)` when the set is small.
 */
export interface CompleteDesign {
  /** number of rows (students) */
  rows: number;
  /** randomized unit (cluster) of each row, 0..units−1; each row is its own unit without clusters */
  unitOfRow: Int32Array;
  units: number;
  /** units of each block, in block order */
  unitsByBlock: Int32Array[];
  /** treated units per block, as observed */
  treatedByBlock: number[];
}

export type CompleteDesignOutcome =
  | { ok: true; design: CompleteDesign }
  | { ok: false; reason: 'treatment-varies-within-cluster' | 'cluster-spans-blocks'; message: string };

/**
 * Reads the design from the data: units are clusters (or rows), blocks as given (or one block), and
 * the number treated in each block as observed.
 *
 * @throws {RangeError} on a treatment other than 0/1 or columns of different lengths
 * @example
 * completeDesignFromData([0, 1, 1, 0]); // one block, 4 units, 2 treated
 */
export function completeDesignFromData(
  treatment: ArrayLike<number>,
  blocks?: FactorInput,
  clusters?: FactorInput,
): CompleteDesignOutcome {
  const n = treatment.length;
  for (let i = 0; i < n; i++)
    if (treatment[i] !== 0 && treatment[i] !== 1) throw new RangeError(`treatment must be 0/1 (row ${i})`);
  const blockCodes = blocks ? encodeFactor(blocks) : { codes: new Int32Array(n), levels: [''] };
  const unitOfRow = clusters ? encodeFactor(clusters).codes : Int32Array.from({ length: n }, (_, i) => i);
  if (blockCodes.codes.length !== n || unitOfRow.length !== n)
    throw new RangeError('treatment, blocks and clusters differ in length');
  const units = n === 0 ? 0 : Math.max(...unitOfRow) + 1;
  const unitTreatment = new Int8Array(units).fill(-1);
  const unitBlock = new Int32Array(units).fill(-1);
  for (let i = 0; i < n; i++) {
    const u = unitOfRow[i];
    if (unitTreatment[u] === -1) unitTreatment[u] = treatment[i];
    else if (unitTreatment[u] !== treatment[i]) {
      return {
        ok: false,
        reason: 'treatment-varies-within-cluster',
        message: `treatment varies within cluster ${String(u)}`,
      };
    }
    if (unitBlock[u] === -1) unitBlock[u] = blockCodes.codes[i];
    else if (unitBlock[u] !== blockCodes.codes[i]) {
      return {
        ok: false,
        reason: 'cluster-spans-blocks',
        message: `a cluster spans blocks ${unitBlock[u]} and ${blockCodes.codes[i]}`,
      };
    }
  }
  const members: number[][] = blockCodes.levels.map(() => []);
  const treatedByBlock = blockCodes.levels.map(() => 0);
  for (let u = 0; u < units; u++) {
    members[unitBlock[u]].push(u);
    treatedByBlock[unitBlock[u]] += unitTreatment[u];
  }
  return {
    ok: true,
    design: {
      rows: n,
      unitOfRow,
      units,
      unitsByBlock: members.map((m) => Int32Array.from(m)),
      treatedByBlock,
    },
  };
}

/**
 * Number of assignments in the reference set: Π_b C(n_b, m_b).
 *
 * @example
 * countCompleteAssignments(completeDesignFromData([0, 0, 0, 0, 1, 1, 1, 1]).design); // => 70
 */
export function countCompleteAssignments(design: CompleteDesign): number {
  let count = 1;
  for (let b = 0; b < design.unitsByBlock.length; b++) {
    count *= combinations(design.unitsByBlock[b].length, design.treatedByBlock[b]);
    if (count > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return count;
}

/**
 * C(n, k), exact while it is a safe integer and Infinity beyond (the count is only compared with the
 * number of draws). Iterative, each step an exact integer (no rounding); the
 * recursive library version overflowed the stack on tens of thousands of clusters.
 *
 * @example
 * combinations(8, 4); // => 70
 */
export function combinations(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const m = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= m; i++) {
    // C(n−m+i, i) = c·(n−m+i)/i is an integer, so with g = gcd(c, i), i/g divides n−m+i: every
    // operation below is exact in doubles.
    const g = gcd(c, i);
    c = (c / g) * ((n - m + i) / (i / g));
    if (c > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return c;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Every assignment of the reference set, as a row-level 0/1 vector. Blocks vary like an odometer,
 * each block's treated units running through the combinations in lexicographic order. The yielded
 * array is reused: read it before asking for the next one.
 *
 * @example
 * [...enumerateCompleteAssignments(design)].length === countCompleteAssignments(design)
 */
export function* enumerateCompleteAssignments(design: CompleteDesign): Generator<Uint8Array> {
  const blocks = design.unitsByBlock.length;
  const choice = design.unitsByBlock.map((_, b) =>
    Int32Array.from({ length: design.treatedByBlock[b] }, (_, k) => k),
  );
  const unitZ = new Uint8Array(design.units);
  const rowZ = new Uint8Array(design.rows);
  for (;;) {
    unitZ.fill(0);
    for (let b = 0; b < blocks; b++) for (const k of choice[b]) unitZ[design.unitsByBlock[b][k]] = 1;
    for (let i = 0; i < design.rows; i++) rowZ[i] = unitZ[design.unitOfRow[i]];
    yield rowZ;
    let b = 0;
    while (b < blocks && !nextCombination(choice[b], design.unitsByBlock[b].length)) {
      // this block wrapped around: reset it to its first combination and carry to the next block
      for (let k = 0; k < choice[b].length; k++) choice[b][k] = k;
      b++;
    }
    if (b === blocks) return;
  }
}

/** Advances a k-combination of 0..n−1 in lexicographic order; false when it was the last one. */
function nextCombination(c: Int32Array, n: number): boolean {
  const k = c.length;
  let i = k - 1;
  while (i >= 0 && c[i] === n - k + i) i--;
  if (i < 0) return false;
  c[i]++;
  for (let j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
  return true;
}
