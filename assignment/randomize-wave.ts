import { parseArms, type ArmSpec } from './arms.ts';
import { studentBlockKeys, type MissingBlockValue } from './block-keys.ts';
import { assignmentSha256, rosterSha256 } from './digests.ts';
import { drawAssignment, orderHashHex } from './draw.ts';
import { ALGORITHM, ALGORITHM_VERSION, seedDerivation } from './protocol.ts';
import type { RosterStudent, UnitType } from './roster.ts';
import { formUnits, type ClusterWarning } from './units.ts';

export interface WaveInput {
  /** The wave's own seed: the study seed S for wave 1, the seed S_w committed when wave w ≥ 2 was opened. */
  seed: string;
  wave: number;
  unit: UnitType;
  arms: readonly ArmSpec[];
  blockBy: readonly string[];
  /** Students registered in this wave (not in any earlier wave's roster). */
  students: readonly RosterStudent[];
  /** Units randomized in earlier waves: their arm and block (late siblings inherit them). */
  assignedUnits?: ReadonlyMap<string, { arm: string; blockKey: string }>;
}

export interface UnitAssignment {
  unitKey: string;
  blockKey: string;
  arm: string;
  /** Hex of the ordering hash H("pilot-v1|" + S_wave + "|unit|" + unitKey). */
  orderHash: string;
}

export interface MemberAssignment {
  studentId: number;
  studentKey: string;
  unitKey: string;
  blockKey: string;
  arm: string;
  inherited: boolean;
}

export interface BlockCount {
  blockKey: string;
  n: number;
  /** Units per arm, keys in declared arm order. */
  counts: Record<string, number>;
}

export type AssignmentWarning =
  | MissingBlockValue
  | ClusterWarning
  | { code: 'single_unit_block'; message: string; blockKeys: string[] }
  | { code: 'block_without_arm'; message: string; blocks: number; examples: string[] }
  | { code: 'registered_before_wave_opened'; message: string; students: number; studentKeys: string[] };

export interface WaveResult {
  algorithm: typeof ALGORITHM;
  version: typeof ALGORITHM_VERSION;
  wave: number;
  seedDerivation: string;
  unit: UnitType;
  blockBy: string[];
  arms: ArmSpec[];
  units: UnitAssignment[];
  members: MemberAssignment[];
  blocks: BlockCount[];
  rosterSha256: string;
  assignmentSha256: string;
  warnings: AssignmentWarning[];
}

export type WaveOutcome =
  | { ok: true; value: WaveResult }
  | { ok: false; reason: 'empty_roster' | 'missing_unit_key'; message: string; studentKeys?: string[] };

/**
 * Randomizes one wave of a study by protocol `pilot-v1` (DESIGN.md §4): block keys, units (clusters
 * and inherited late siblings), the draw, block counts and both fingerprints. Pure: the same input
 * always gives the same result, whatever the order of `students`.
 *
 * @throws {RangeError} for invalid arms, block variables or a wave below 1 (caller mistakes).
 * @returns `empty_roster` when there are no students, `missing_unit_key` when a school-randomized
 *   study has a school without an NCES id; otherwise the result with its typed warnings.
 */
export function randomizeWave(input: WaveInput): WaveOutcome {
  const parsed = parseArms(input.arms);
  const derivation = seedDerivation(input.wave);
  const seed = input.seed;
  if (input.students.length === 0)
    return { ok: false, reason: 'empty_roster', message: `wave ${input.wave} has no students to randomize` };
  const assigned = input.assignedUnits ?? new Map<string, { arm: string; blockKey: string }>();
  const blocks = studentBlockKeys(input.students, input.blockBy);
  const formed = formUnits(input.students, input.unit, blocks.keys, new Set(assigned.keys()));
  if (!formed.ok)
    return { ok: false, reason: formed.reason, message: formed.message, studentKeys: formed.studentKeys };

  const draw = drawAssignment(seed, formed.units, parsed);
  const units: UnitAssignment[] = formed.units.map((u, i) => ({
    unitKey: u.key,
    blockKey: u.blockKey,
    arm: draw.arms[draw.armOf[i]],
    orderHash: orderHashHex(draw, i),
  }));
  const byKey = new Map<string, { arm: string; blockKey: string }>(assigned);
  for (const u of units) byKey.set(u.unitKey, u);
  const members: MemberAssignment[] = formed.members.map((m) => {
    const u = byKey.get(m.unitKey)!;
    return {
      studentId: input.students[m.studentIndex].studentId,
      studentKey: m.studentKey,
      unitKey: m.unitKey,
      blockKey: u.blockKey,
      arm: u.arm,
      inherited: m.inherited,
    };
  });
  const blockCounts: BlockCount[] = draw.blocks.map((b) => ({
    blockKey: b.blockKey,
    n: b.n,
    counts: Object.fromEntries(draw.arms.map((a, k) => [a, b.counts[k]])),
  }));
  return {
    ok: true,
    value: {
      algorithm: ALGORITHM,
      version: ALGORITHM_VERSION,
      wave: input.wave,
      seedDerivation: derivation,
      unit: input.unit,
      blockBy: [...input.blockBy],
      arms: input.arms.map((a) => ({ name: a.name, probability: a.probability })),
      units,
      members,
      blocks: blockCounts,
      rosterSha256: rosterSha256(members),
      assignmentSha256: assignmentSha256(units),
      warnings: [...blocks.warnings, ...formed.warnings, ...blockWarnings(draw.blocks)],
    },
  };
}

function blockWarnings(blocks: { blockKey: string; n: number; counts: number[] }[]): AssignmentWarning[] {
  const out: AssignmentWarning[] = [];
  const single = blocks.filter((b) => b.n === 1).map((b) => b.blockKey);
  if (single.length > 0) {
    out.push({
      code: 'single_unit_block',
      message: `${single.length} block(s) hold a single unit; with no comparison inside its block, the blocked estimators leave such a unit out (blocks with one treated or one control unit are still estimated: docs/decisions/0005-small-block-deviation-variance.md)`,
      blockKeys: single,
    });
  }
  const lacking = blocks.filter((b) => b.n > 1 && b.counts.some((c) => c === 0)).map((b) => b.blockKey);
  if (lacking.length > 0) {
    out.push({
      code: 'block_without_arm',
      message: `${lacking.length} block(s) have no unit in some arm`,
      blocks: lacking.length,
      examples: lacking.slice(0, 20),
    });
  }
  return out;
}
