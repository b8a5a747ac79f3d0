import type { ArmSpec } from './arms.ts';
import { assignmentSha256, rosterSha256 } from './digests.ts';
import { drawAssignment, orderHashHex } from './draw.ts';
import { compareCodePoints, sha256Hex, waveSeed } from './protocol.ts';
import type { BlockCount } from './randomize-wave.ts';

/** What is stored for one wave: its record, its units and its frozen roster. */
export interface StoredWave {
  wave: number;
  arms: ArmSpec[];
  rosterSha256: string;
  assignmentSha256: string;
  blockCounts: BlockCount[];
  /** students the record says were registered in the wave */
  students: number;
  units: { unitKey: string; blockKey: string; arm: string; hash: string }[];
  /** students registered in the wave, with the block of their unit */
  members: { studentKey: string; unitKey: string; blockKey: string }[];
}

export interface Mismatch {
  wave: number | null;
  kind:
    | 'seed_commitment'
    | 'roster_size'
    | 'arm'
    | 'order_hash'
    | 'assignment_sha256'
    | 'roster_sha256'
    | 'block_counts';
  message: string;
}

/**
 * Re-derives every stored wave from the seed and the frozen roster (units with their blocks) and lists
 * every difference from what is stored: the seed against its commitment, each unit's arm and ordering
 * hash, the block counts and both fingerprints. An empty list means the assignment is exactly what
 * protocol `pilot-v1` gives.
 * @example verifyWaves(seed, commitment, waves) // [] when verified
 */
export function verifyWaves(seed: string, seedCommitment: string, waves: readonly StoredWave[]): Mismatch[] {
  const out: Mismatch[] = [];
  if (sha256Hex(seed) !== seedCommitment) {
    out.push({
      wave: null,
      kind: 'seed_commitment',
      message: `SHA-256 of the seed is not the published commitment ${seedCommitment}`,
    });
  }
  for (const w of waves) {
    const draw = drawAssignment(
      waveSeed(seed, w.wave),
      w.units.map((u) => ({ key: u.unitKey, blockKey: u.blockKey })),
      w.arms,
    );
    const derived = w.units.map((u, i) => ({ unitKey: u.unitKey, arm: draw.arms[draw.armOf[i]] }));
    w.units.forEach((u, i) => {
      if (derived[i].arm !== u.arm) {
        out.push({
          wave: w.wave,
          kind: 'arm',
          message: `unit ${u.unitKey} is stored as ${u.arm}, the protocol gives ${derived[i].arm}`,
        });
      }
      if (orderHashHex(draw, i) !== u.hash)
        out.push({
          wave: w.wave,
          kind: 'order_hash',
          message: `unit ${u.unitKey} has a wrong ordering hash`,
        });
    });
    const sha = assignmentSha256(derived);
    if (sha !== w.assignmentSha256) {
      out.push({
        wave: w.wave,
        kind: 'assignment_sha256',
        message: `re-derived assignment SHA-256 is ${sha}, the record says ${w.assignmentSha256}`,
      });
    }
    const stored = assignmentSha256(w.units);
    if (stored !== w.assignmentSha256) {
      out.push({
        wave: w.wave,
        kind: 'assignment_sha256',
        message: `stored assignment SHA-256 is ${stored}, the record says ${w.assignmentSha256}`,
      });
    }
    if (w.members.length !== w.students) {
      out.push({
        wave: w.wave,
        kind: 'roster_size',
        message: `${w.members.length} roster rows join a unit, the record says ${w.students} students`,
      });
    }
    const roster = rosterSha256(w.members);
    if (roster !== w.rosterSha256) {
      out.push({
        wave: w.wave,
        kind: 'roster_sha256',
        message: `roster SHA-256 is ${roster}, the record says ${w.rosterSha256}`,
      });
    }
    const counts = draw.blocks.map((b) => `${b.blockKey}:${b.n}:${b.counts.join('/')}`);
    const recorded = [...w.blockCounts]
      .sort((a, b) => compareCodePoints(a.blockKey, b.blockKey))
      .map((b) => `${b.blockKey}:${b.n}:${draw.arms.map((a) => b.counts[a] ?? 0).join('/')}`);
    if (counts.join('\n') !== recorded.join('\n')) {
      out.push({ wave: w.wave, kind: 'block_counts', message: 'block counts differ from the record' });
    }
  }
  return out;
}
