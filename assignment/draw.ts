import { parseArms, type ArmSpec, type ParsedArms } from './arms.ts';
import { blockCounts, blockOffset } from './block-counts.ts';
import { compareCodePoints, riSeed, sha256, unitPreimage } from './protocol.ts';

/** A unit to randomize: its key and the key of its block. */
export interface DrawUnit {
  key: string;
  blockKey: string;
}

/** How many units of a block went to each arm (counts in declared arm order). */
export interface BlockTally {
  blockKey: string;
  n: number;
  counts: number[];
}

export interface Draw {
  /** Arm names in declared order. */
  arms: string[];
  /** Index into `arms` of each unit's arm, aligned with the input units. */
  armOf: Uint16Array;
  /** Blocks in code-point order of their keys. */
  blocks: BlockTally[];
  /** The ordering hash of each unit: bytes 32·i … 32·i+31 are H("pilot-v1|" + S + "|unit|" + key_i). */
  digests: Uint8Array;
}

/**
 * Draws one assignment by protocol `pilot-v1` (DESIGN.md §4 steps 3–5): within each block, units are
 * ordered by H("pilot-v1|" + S + "|unit|" + key) as an unsigned big-endian integer (ties by key in
 * code-point order), the block's arm counts come from {@link blockCounts}, and the first c₁ units of
 * the order get arm 1, the next c₂ arm 2, and so on. The result depends only on the seed, the set of
 * (key, block) pairs and the arms, never on the order of `units`.
 *
 * Pass the wave's own seed (S for wave 1, S_w for a later wave); the randomization-inference engine draws permutation j with
 * {@link drawPermutation}, which is this function with seed S + "|ri" + j.
 *
 * Reference: randomizr `block_ra` (complete random assignment within blocks, exact probabilities).
 * @throws {RangeError} on duplicate unit keys or invalid arms (caller mistakes).
 * @example drawAssignment('s', [{ key: 'a', blockKey: '' }, { key: 'b', blockKey: '' }], arms).armOf
 *   // one unit in each of two 0.5 arms; which one is fixed by the seed
 */
export function drawAssignment(
  seed: string,
  units: readonly DrawUnit[],
  arms: readonly ArmSpec[] | ParsedArms,
): Draw {
  const parsed = 'millionths' in arms ? arms : parseArms(arms);
  const n = units.length;
  const digests = new Uint8Array(32 * n);
  const h0 = new Uint32Array(n);
  const h1 = new Uint32Array(n);
  const blockIndex = new Map<string, number>();
  const blockKeys: string[] = [];
  const sizes: number[] = [];
  const blockOf = new Int32Array(n);
  const prefix = unitPreimage(seed, '');
  for (let i = 0; i < n; i++) {
    const unit = units[i];
    const d = sha256(prefix + unit.key);
    digests.set(d, 32 * i);
    h0[i] = d.readUInt32BE(0);
    h1[i] = d.readUInt32BE(4);
    let b = blockIndex.get(unit.blockKey);
    if (b === undefined) {
      b = blockKeys.length;
      blockIndex.set(unit.blockKey, b);
      blockKeys.push(unit.blockKey);
      sizes.push(0);
    }
    blockOf[i] = b;
    sizes[b]++;
  }
  // Bucket the units by block (a counting sort), then order each block's segment by hash.
  const starts = new Int32Array(sizes.length + 1);
  for (let b = 0; b < sizes.length; b++) starts[b + 1] = starts[b] + sizes[b];
  const fill = starts.slice(0, sizes.length);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[blockOf[i]]++] = i;
  const byHash = (a: number, b: number): number =>
    h0[a] - h0[b] || h1[a] - h1[b] || compareDigests(digests, a, b) || compareKeys(units, a, b);

  const armOf = new Uint16Array(n);
  const tallies: BlockTally[] = new Array(sizes.length);
  for (let b = 0; b < sizes.length; b++) {
    const segment = order.subarray(starts[b], starts[b + 1]);
    segment.sort(byHash);
    const counts = blockCounts(segment.length, parsed.millionths, blockOffset(seed, blockKeys[b]));
    let pos = 0;
    for (let k = 0; k < counts.length; k++) {
      for (let c = 0; c < counts[k]; c++) armOf[segment[pos++]] = k;
    }
    tallies[b] = { blockKey: blockKeys[b], n: segment.length, counts };
  }
  tallies.sort((x, y) => compareCodePoints(x.blockKey, y.blockKey));
  return { arms: [...parsed.names], armOf, blocks: tallies, digests };
}

/**
 * Randomization-inference permutation j of a design: the same protocol, units and blocks, with seed
 * S + "|ri" + j (S being the seed the real assignment used). Returns arm indices aligned with `units`.
 * @example drawPermutation(seed, units, arms, 1) // Uint16Array of arm indices
 */
export function drawPermutation(
  seed: string,
  units: readonly DrawUnit[],
  arms: readonly ArmSpec[] | ParsedArms,
  j: number,
): Uint16Array {
  return drawAssignment(riSeed(seed, j), units, arms).armOf;
}

/** Hex of unit i's ordering hash. */
export function orderHashHex(draw: Pick<Draw, 'digests'>, i: number): string {
  return Buffer.from(draw.digests.buffer, draw.digests.byteOffset + 32 * i, 32).toString('hex');
}

function compareDigests(digests: Uint8Array, a: number, b: number): number {
  for (let i = 8; i < 32; i++) {
    const d = digests[32 * a + i] - digests[32 * b + i];
    if (d !== 0) return d;
  }
  return 0;
}

function compareKeys(units: readonly DrawUnit[], a: number, b: number): number {
  const c = compareCodePoints(units[a].key, units[b].key);
  if (c === 0) throw new RangeError(`unit key ${units[a].key} appears twice`);
  return c;
}
