import type { ArmSpec } from '../assignment/arms.ts';
import { drawPermutation, type DrawUnit } from '../assignment/draw.ts';
import { compareCodePoints, riSeed, sha256, unitPreimage } from '../assignment/protocol.ts';
import type { CompleteDesign } from './exact-assignments.ts';

/**
 * Randomization-inference draws that follow the study's own assignment protocol (DESIGN.md §4 step 7):
 * permutation j re-runs `pilot-v1` on the same units, blocks and arms with seed S + "|ri" + j, and
 * each row (student) takes its unit's (household's) arm. Two-arm designs only: the test compares the
 * treatment arm with the control arm.
 */
export interface ProtocolDrawerInput {
  /** the seed the real assignment used (the wave's seed for a late wave) */
  seed: string;
  /** the randomized units with their block keys, as randomized */
  units: readonly DrawUnit[];
  arms: readonly ArmSpec[];
  /** name of the arm coded 1 */
  treatmentArm: string;
  /** index into `units` of each analysed row */
  unitOfRow: Int32Array;
}

/**
 * A drawer j ↦ row-level 0/1 treatment vector of protocol permutation j, for `sampledAssignments`.
 *
 * @throws {RangeError} on more or fewer than two arms, an unknown treatment arm or a row whose unit
 *   index is out of range
 * @example
 * const draw = protocolTreatmentDrawer({ seed, units, arms, treatmentArm: 'treatment', unitOfRow });
 * randomizationTest({ outcome, treatment, assignments: sampledAssignments(draw, 1000), exact: false });
 */
export function protocolTreatmentDrawer(input: ProtocolDrawerInput): (j: number) => Uint8Array {
  const { seed, units, arms, treatmentArm, unitOfRow } = input;
  if (arms.length !== 2) throw new RangeError('randomization inference compares exactly two arms');
  const treated = arms.findIndex((a) => a.name === treatmentArm);
  if (treated < 0) throw new RangeError(`unknown treatment arm ${treatmentArm}`);
  for (let i = 0; i < unitOfRow.length; i++) {
    if (!(unitOfRow[i] >= 0 && unitOfRow[i] < units.length)) throw new RangeError(`row ${i} has no unit`);
  }
  return (j: number) => {
    const armOf = drawPermutation(seed, units, arms, j);
    const z = new Uint8Array(unitOfRow.length);
    for (let i = 0; i < z.length; i++) z[i] = armOf[unitOfRow[i]] === treated ? 1 : 0;
    return z;
  };
}

/**
 * Draws for data that carry no study record (e.g. `pilot estimate` on a CSV): permutation j keeps each
 * block's observed number of treated units and, as `pilot-v1` steps 3 and 5 do, orders the block's
 * units by H("pilot-v1|" + S + "|ri" + j + "|unit|" + key) (ties by key) and treats the first m_b.
 * Each draw is a uniformly random block-complete assignment, reproducible from S and the unit keys.
 *
 * @param unitKeys key of each unit of `design` (e.g. the cluster label), distinct
 * @throws {RangeError} when the keys do not match the design's units or repeat
 * @example
 * const draw = observedCountsDrawer(design, ['h1', 'h2', 'h3', 'h4'], 'my-seed');
 * draw(1); // row-level 0/1 with the observed treated count in every block
 */
export function observedCountsDrawer(
  design: CompleteDesign,
  unitKeys: readonly string[],
  seed: string,
): (j: number) => Uint8Array {
  if (unitKeys.length !== design.units)
    throw new RangeError(`expected ${design.units} unit keys, got ${unitKeys.length}`);
  if (new Set(unitKeys).size !== unitKeys.length) throw new RangeError('unit keys repeat');
  return (j: number) => {
    const prefix = unitPreimage(riSeed(seed, j), '');
    const unitZ = new Uint8Array(design.units);
    design.unitsByBlock.forEach((members, b) => {
      const hashed = Array.from(members, (u) => ({ u, h: sha256(prefix + unitKeys[u]) }));
      hashed.sort((x, y) => Buffer.compare(x.h, y.h) || compareCodePoints(unitKeys[x.u], unitKeys[y.u]));
      for (let k = 0; k < design.treatedByBlock[b]; k++) unitZ[hashed[k].u] = 1;
    });
    return Uint8Array.from(design.unitOfRow, (u) => unitZ[u]);
  };
}
