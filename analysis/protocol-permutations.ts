import type { ArmSpec } from '../assignment/arms.ts';
import { drawPermutation, type DrawUnit } from '../assignment/draw.ts';

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
