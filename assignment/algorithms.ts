import type { ArmSpec } from './arms.ts';
import { drawAssignment, orderHashHex, type DrawUnit } from './draw.ts';
import { ALGORITHM, ALGORITHM_VERSION } from './protocol.ts';

/** What an algorithm gives for one wave: each unit's arm and ordering hash, and the block counts. */
export interface Derivation {
  /** Arm of each unit, aligned with the input units. */
  arms: string[];
  /** Hex ordering hash of each unit, aligned with the input units. */
  orderHashes: string[];
  /** Blocks in code-point order of their keys, with units per arm in declared arm order. */
  blocks: { blockKey: string; n: number; counts: number[] }[];
}

/**
 * An assignment algorithm a randomization record can name by (algorithm, version). Verification
 * looks the record's pair up here and never falls back to the newest one, so a record drawn by
 * `pilot-v1` version 1 is re-derived by exactly that code even after a `pilot-v2` exists (STYLE.md §3:
 * old versions stay callable).
 */
export interface AssignmentAlgorithm {
  algorithm: string;
  version: number;
  derive(seed: string, units: readonly DrawUnit[], arms: readonly ArmSpec[]): Derivation;
}

/** Protocol `pilot-v1`, version 1 (DESIGN.md §4; draw.ts). */
export const PILOT_V1: AssignmentAlgorithm = {
  algorithm: ALGORITHM,
  version: ALGORITHM_VERSION,
  derive(seed, units, arms) {
    const draw = drawAssignment(seed, units, arms);
    return {
      arms: Array.from(draw.armOf, (k) => draw.arms[k]),
      orderHashes: units.map((_, i) => orderHashHex(draw, i)),
      blocks: draw.blocks,
    };
  },
};

/** Every algorithm this version of Pilot can re-derive. */
export const ALGORITHMS: readonly AssignmentAlgorithm[] = [PILOT_V1];

/** The algorithm a record names, or null when this Pilot does not know that (algorithm, version). */
export function findAlgorithm(
  algorithms: readonly AssignmentAlgorithm[],
  algorithm: string,
  version: number,
): AssignmentAlgorithm | null {
  return algorithms.find((a) => a.algorithm === algorithm && a.version === version) ?? null;
}
