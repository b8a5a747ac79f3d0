import { ALGORITHMS, findAlgorithm, type AssignmentAlgorithm, type Derivation } from './algorithms.ts';
import type { ArmSpec } from './arms.ts';
import { assignmentSha256, rosterSha256 } from './digests.ts';
import { compareCodePoints, derivedWaveSeed, sha256Hex } from './protocol.ts';
import type { BlockCount } from './randomize-wave.ts';

/** What is stored for one wave: its record, its seed, its units and its frozen roster. */
export interface StoredWave {
  wave: number;
  /** The record's algorithm and version: the re-derivation uses exactly these. */
  algorithm: string;
  version: number;
  /** The record's seed derivation: "S" (study seed), "S_<w>" (the wave's own seed), or the earlier draft's `S + "|wave<w>"`. */
  seedDerivation: string;
  /** The wave's own seed S_w once revealed (null for wave 1, which uses S, or while sealed). */
  seed: string | null;
  /** H(S_w), recorded when the wave was opened (null for wave 1: the study's commitment covers S). */
  seedCommitment: string | null;
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
    | 'wave_seed'
    | 'algorithm'
    | 'roster_size'
    | 'arm'
    | 'order_hash'
    | 'assignment_sha256'
    | 'roster_sha256'
    | 'block_counts';
  message: string;
}

/**
 * Re-derives every stored wave from its seed and the frozen roster (units with their blocks) and lists
 * every difference from what is stored: the study seed against its commitment, each late wave's seed
 * against the commitment recorded when the wave was opened, each unit's arm and ordering hash, the
 * block counts and both fingerprints. Each wave is re-derived by the algorithm and version its record
 * names (a record naming one this Pilot does not know is reported, never re-derived by another), with
 * the seed its record's derivation names. An empty list means every wave is exactly what its protocol
 * gives.
 * @example verifyWaves({ seed, seedCommitment }, waves) // [] when verified
 */
export function verifyWaves(
  study: { seed: string; seedCommitment: string },
  waves: readonly StoredWave[],
  algorithms: readonly AssignmentAlgorithm[] = ALGORITHMS,
): Mismatch[] {
  const out: Mismatch[] = [];
  if (sha256Hex(study.seed) !== study.seedCommitment) {
    out.push({
      wave: null,
      kind: 'seed_commitment',
      message: `SHA-256 of the seed is not the published commitment ${study.seedCommitment}`,
    });
  }
  for (const w of waves) {
    const algorithm = findAlgorithm(algorithms, w.algorithm, w.version);
    if (!algorithm) {
      out.push({
        wave: w.wave,
        kind: 'algorithm',
        message: `the record names ${w.algorithm} version ${w.version}, which this version of Pilot cannot re-derive`,
      });
      continue;
    }
    const seed = waveSeedOf(study.seed, w, out);
    if (seed === null) continue;
    const derived = algorithm.derive(
      seed,
      w.units.map((u) => ({ key: u.unitKey, blockKey: u.blockKey })),
      w.arms,
    );
    compareUnits(w, derived, out);
    compareRecord(w, derived, out);
  }
  return out;
}

/** The seed a wave's record says it was drawn with, or null (with a mismatch) when it cannot be had. */
function waveSeedOf(studySeed: string, w: StoredWave, out: Mismatch[]): string | null {
  if (w.seedDerivation === 'S') return studySeed;
  if (w.seedDerivation === `S + "|wave${w.wave}"`) return derivedWaveSeed(studySeed, w.wave);
  if (w.seedDerivation !== `S_${w.wave}`) {
    out.push({
      wave: w.wave,
      kind: 'wave_seed',
      message: `the record's seed derivation ${JSON.stringify(w.seedDerivation)} is not one pilot-v1 defines`,
    });
    return null;
  }
  if (w.seed === null || w.seedCommitment === null) {
    out.push({
      wave: w.wave,
      kind: 'wave_seed',
      message: `wave ${w.wave} was drawn with its own seed, but no revealed seed and commitment are stored`,
    });
    return null;
  }
  if (sha256Hex(w.seed) !== w.seedCommitment) {
    out.push({
      wave: w.wave,
      kind: 'wave_seed',
      message: `SHA-256 of wave ${w.wave}'s seed is not the commitment ${w.seedCommitment} recorded when the wave was opened`,
    });
  }
  return w.seed;
}

function compareUnits(w: StoredWave, derived: Derivation, out: Mismatch[]): void {
  w.units.forEach((u, i) => {
    if (derived.arms[i] !== u.arm) {
      out.push({
        wave: w.wave,
        kind: 'arm',
        message: `unit ${u.unitKey} is stored as ${u.arm}, the protocol gives ${derived.arms[i]}`,
      });
    }
    if (derived.orderHashes[i] !== u.hash)
      out.push({ wave: w.wave, kind: 'order_hash', message: `unit ${u.unitKey} has a wrong ordering hash` });
  });
}

function compareRecord(w: StoredWave, derived: Derivation, out: Mismatch[]): void {
  const sha = assignmentSha256(w.units.map((u, i) => ({ unitKey: u.unitKey, arm: derived.arms[i] })));
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
  const names = w.arms.map((a) => a.name);
  const counts = derived.blocks.map((b) => `${b.blockKey}:${b.n}:${b.counts.join('/')}`);
  const recorded = [...w.blockCounts]
    .sort((a, b) => compareCodePoints(a.blockKey, b.blockKey))
    .map((b) => `${b.blockKey}:${b.n}:${names.map((a) => b.counts[a] ?? 0).join('/')}`);
  if (counts.join('\n') !== recorded.join('\n')) {
    out.push({ wave: w.wave, kind: 'block_counts', message: 'block counts differ from the record' });
  }
}
