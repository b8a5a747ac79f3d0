import type { Transaction } from 'kysely';
import { appendAuditEvent } from '../db/audit.store.ts';
import type { Db } from '../db/connection.ts';
import { refreshPlannerStatistics } from '../db/planner-statistics.store.ts';
import type { Database } from '../db/types.ts';
import { AppError } from '../errors.ts';
import {
  assignmentBalance,
  summarizeBalance,
  type BalanceComparison,
  type BalanceSummary,
} from './assignment-balance.ts';
import {
  copyAssignments,
  exportRows,
  findStudyForRandomization,
  insertRandomization,
  listRandomizations,
  listWaveSeeds,
  loadAssignedUnits,
  loadNewStudents,
  loadStoredMembers,
  loadStoredUnits,
  lockStudy,
  newStudentsRegisteredBefore,
  revealSeed,
  revealWaveSeed,
  type ExportRow,
  type RandomizationRecord,
  type StudyForRandomization,
  type WaveSeed,
} from './assignment.store.ts';
import { pooledBlocks, unanalysableDesign, unanalysableMessage } from './analysable-design.ts';
import { derivedWaveSeed } from './protocol.ts';
import { randomizeWave, type AssignmentWarning, type BlockCount } from './randomize-wave.ts';
import { verifyWaves, type Mismatch, type StoredWave } from './verify.ts';

export type { ExportRow, RandomizationRecord } from './assignment.store.ts';

export interface RandomizeRequest {
  study: string;
  /** Omit for the first randomization; late enrollees are wave 2, 3, … (each once, opened first by openWave). */
  wave?: number;
  actor: string;
}

export interface RandomizeResult {
  study: string;
  randomizationId: number;
  wave: number;
  algorithm: string;
  version: number;
  units: number;
  students: number;
  inheritedStudents: number;
  blocks: BlockCount[];
  rosterSha256: string;
  assignmentSha256: string;
  warnings: AssignmentWarning[];
  balance: BalanceComparison[];
  balanceSummary: BalanceSummary[];
}

/**
 * Randomizes one wave of a study, atomically: in one transaction it locks the study row, checks that
 * the wave has not been randomized, draws the assignment (protocol `pilot-v1`, pure) with the wave's
 * seed (the study seed S for wave 1; for a late wave w ≥ 2 the seed S_w committed when the wave was
 * opened, see {@link openWave}), stores the record, every unit and the frozen roster, reveals the
 * wave's seed and appends an audit event. A concurrent or repeated request gets
 * `AppError('CONFLICT')` and changes nothing. Late enrollees registered before their wave was opened
 * are randomized with a `registered_before_wave_opened` warning in the record.
 *
 * Also `pilot demo`'s randomization: the study's own unit and block_by are used (household, blocked
 * by district and grade band in the demo), and `balanceSummary` gives the WWC bands of each arm.
 * @throws {AppError} NOT_FOUND (no such study), CONFLICT (already randomized, closed, a late wave not
 *   opened, or nothing new to randomize), BAD_INPUT (wrong wave number, a roster the protocol cannot use)
 */
export async function randomizeStudy(db: Db, request: RandomizeRequest): Promise<RandomizeResult> {
  const done = await db.withSession((session) =>
    session.db.transaction().execute(async (trx) => {
      const study = await lockStudy(trx, request.study);
      if (!study) throw new AppError('NOT_FOUND', `no study ${request.study}`);
      const existing = await listRandomizations(trx, study.id);
      const wave = chooseWave(study, existing, request.wave);
      const opened = wave > 1 ? await requireOpenWave(trx, study, wave) : null;
      const students = await loadNewStudents(trx, study.id);
      const assigned = wave > 1 ? await loadAssignedUnits(trx, study.id) : new Map();
      const outcome = randomizeWave({
        seed: opened ? opened.seed : study.seed,
        wave,
        unit: study.unit,
        arms: study.arms,
        blockBy: study.blockBy,
        students,
        assignedUnits: assigned,
      });
      if (!outcome.ok) {
        const code = outcome.reason === 'empty_roster' && wave > 1 ? 'CONFLICT' : 'BAD_INPUT';
        throw new AppError(code, `cannot randomize ${study.slug}: ${outcome.message}`, {
          reason: outcome.reason,
          studentKeys: outcome.studentKeys,
        });
      }
      const w = outcome.value;
      // Refuse, before anything is written or the seed revealed, a design the blocked difference
      // in means could not estimate (docs/decisions/0007-refuse-unanalysable-blocked-designs.md).
      const armNames = w.arms.map((a) => a.name);
      const refused = unanalysableDesign(
        pooledBlocks([...assigned.values(), ...w.units], armNames),
        armNames,
      );
      if (refused)
        throw new AppError(
          'BAD_INPUT',
          `cannot randomize ${study.slug}: ${unanalysableMessage(refused, study.blockBy)}`,
          {
            reason: 'unanalysable_design',
            arms: refused.arms,
            blocks: refused.blocksWithBoth,
            singleArmBlocks: refused.singleArmBlocks,
          },
        );
      if (opened) {
        const early = await newStudentsRegisteredBefore(trx, study.id, wave);
        if (early.count > 0) w.warnings.push(registeredEarly(wave, early));
      }
      const id = await insertRandomization(trx, study.id, w, request.actor).catch((error: unknown) => {
        throw error instanceof AppError && error.code === 'CONFLICT' ? conflict(study.slug, wave) : error;
      });
      await copyAssignments(trx, session, id, study.id, w);
      await revealSeed(trx, study.id);
      if (opened) await revealWaveSeed(trx, study.id, wave);
      await appendAuditEvent(trx, {
        actor: request.actor,
        action: 'randomize',
        entity: `study:${study.slug}`,
        details: {
          randomization_id: id,
          wave,
          algorithm: w.algorithm,
          version: w.version,
          seed_derivation: w.seedDerivation,
          seed_commitment: opened ? opened.seedCommitment : study.seedCommitment,
          units: w.units.length,
          students: w.members.length,
          roster_sha256: w.rosterSha256,
          assignment_sha256: w.assignmentSha256,
        },
      });
      return { id, w, students };
    }),
  );
  const { id, w, students } = done;
  await refreshPlannerStatistics(db.kysely, ['assignment', 'assignment_member']);
  const armOf = new Map(w.members.map((m) => [m.studentId, m.arm]));
  const balance = assignmentBalance(
    students.map((s) => ({ ...s, arm: armOf.get(s.studentId)! })),
    w.arms.map((a) => a.name),
  );
  return {
    study: request.study,
    randomizationId: id,
    wave: w.wave,
    algorithm: w.algorithm,
    version: w.version,
    units: w.units.length,
    students: w.members.length,
    inheritedStudents: w.members.filter((m) => m.inherited).length,
    blocks: w.blocks,
    rosterSha256: w.rosterSha256,
    assignmentSha256: w.assignmentSha256,
    warnings: w.warnings,
    balance,
    balanceSummary: summarizeBalance(balance),
  };
}

/** The opened wave w ≥ 2 whose committed seed draws it. @throws {AppError} CONFLICT when not opened */
async function requireOpenWave(
  trx: Transaction<Database>,
  study: StudyForRandomization,
  wave: number,
): Promise<WaveSeed> {
  const opened = (await listWaveSeeds(trx, study.id)).find((x) => x.wave === wave);
  if (!opened) {
    throw new AppError(
      'CONFLICT',
      `wave ${wave} of ${study.slug} has not been opened: its seed must be committed (randomize open-wave) before its late enrollees are registered`,
      { study: study.slug, wave, reason: 'wave_not_open' },
    );
  }
  return opened;
}

function registeredEarly(wave: number, early: { count: number; studentKeys: string[] }): AssignmentWarning {
  return {
    code: 'registered_before_wave_opened',
    message: `${early.count} student(s) of wave ${wave} were registered before the wave's seed was committed`,
    students: early.count,
    studentKeys: early.studentKeys,
  };
}

function conflict(slug: string, wave: number): AppError {
  return new AppError('CONFLICT', `study ${slug} wave ${wave} is already randomized`, { study: slug, wave });
}

function chooseWave(
  study: StudyForRandomization,
  existing: RandomizationRecord[],
  requested: number | undefined,
): number {
  if (study.status === 'closed') throw new AppError('CONFLICT', `study ${study.slug} is closed`);
  const next = existing.length + 1;
  if (requested === undefined) {
    if (existing.length > 0) {
      throw new AppError(
        'CONFLICT',
        `study ${study.slug} is already randomized; late enrollees form wave ${next}, opened first (randomize open-wave)`,
        {
          study: study.slug,
          wave: 1,
        },
      );
    }
    return 1;
  }
  if (!Number.isInteger(requested) || requested < 1)
    throw new AppError('BAD_INPUT', `wave must be a positive integer`);
  if (requested < next) throw conflict(study.slug, requested);
  if (requested > next)
    throw new AppError('BAD_INPUT', `the next wave of ${study.slug} is ${next}, not ${requested}`);
  return requested;
}

/** A wave's record with the seed it was drawn with (once revealed) and that seed's commitment. */
export interface WaveRecord extends RandomizationRecord {
  /** The wave's seed: S for wave 1, S_w for a later one (null only if somehow still sealed). */
  seed: string | null;
  /** H(seed) as published before the draw: the study's commitment for wave 1, H(S_w) for a later wave; null for a record of the earlier draft whose seed was derived from S. */
  seedCommitment: string | null;
  /** When that commitment was recorded: the study's creation, or the wave's opening. */
  seedCommittedAt: Date | null;
}

export interface RandomizationShow {
  study: string;
  algorithm: string;
  unit: string;
  blockBy: string[];
  arms: { name: string; probability: string }[];
  seedCommitment: string;
  /** The seed, once revealed by the first randomization; null before. */
  seed: string | null;
  seedRevealedAt: Date | null;
  randomizations: WaveRecord[];
  /** Waves opened and not yet randomized: their commitments (seeds sealed). */
  openWaves: { wave: number; seedCommitment: string; openedAt: Date; openedBy: string }[];
}

/** The randomization record of a study (`pilot randomize show`): seeds once revealed, commitments, waves. */
export async function showRandomization(db: Db, slug: string): Promise<RandomizationShow> {
  const study = await requireStudy(db, slug);
  const [records, waves] = await Promise.all([
    listRandomizations(db.kysely, study.id),
    listWaveSeeds(db.kysely, study.id),
  ]);
  const randomized = new Set(records.map((r) => r.wave));
  return {
    study: study.slug,
    algorithm: study.algorithm,
    unit: study.unit,
    blockBy: study.blockBy,
    arms: study.arms,
    seedCommitment: study.seedCommitment,
    seed: study.seedRevealedAt ? study.seed : null,
    seedRevealedAt: study.seedRevealedAt,
    randomizations: records.map((r) => waveRecord(study, r, waves)),
    openWaves: waves
      .filter((x) => !randomized.has(x.wave))
      .map((x) => ({
        wave: x.wave,
        seedCommitment: x.seedCommitment,
        openedAt: x.openedAt,
        openedBy: x.openedBy,
      })),
  };
}

function waveRecord(study: StudyForRandomization, r: RandomizationRecord, waves: WaveSeed[]): WaveRecord {
  if (r.seedDerivation === 'S') {
    return {
      ...r,
      seed: study.seedRevealedAt ? study.seed : null,
      seedCommitment: study.seedCommitment,
      seedCommittedAt: study.createdAt,
    };
  }
  const own = waves.find((x) => x.wave === r.wave);
  if (own) {
    return {
      ...r,
      seed: own.revealedAt ? own.seed : null,
      seedCommitment: own.seedCommitment,
      seedCommittedAt: own.openedAt,
    };
  }
  // A record of the earlier draft: its seed was S + "|wave<w>", public once S is.
  return {
    ...r,
    seed: study.seedRevealedAt ? derivedWaveSeed(study.seed, r.wave) : null,
    seedCommitment: null,
    seedCommittedAt: null,
  };
}

/** The revealed seed of a study, or null while it is still secret (for `pilot study show`). */
export async function revealedSeed(db: Db, slug: string): Promise<string | null> {
  const study = await requireStudy(db, slug);
  return study.seedRevealedAt ? study.seed : null;
}

/**
 * Re-derives every wave of a study from its seed and the stored roster (`pilot randomize verify`), by
 * the algorithm and version each record names, with each wave's own committed seed.
 * @returns the mismatches; empty when every stored assignment is exactly what the protocol gives
 * @throws {AppError} NOT_FOUND for an unknown or not yet randomized study
 */
export async function verifyRandomization(
  db: Db,
  slug: string,
): Promise<{ study: string; waves: number; units: number; mismatches: Mismatch[] }> {
  const study = await requireStudy(db, slug);
  const records = await listRandomizations(db.kysely, study.id);
  if (records.length === 0) throw new AppError('NOT_FOUND', `study ${slug} has not been randomized`);
  const [members, units, seeds] = await Promise.all([
    loadStoredMembers(db.kysely, study.id),
    loadStoredUnits(db.kysely, study.id),
    listWaveSeeds(db.kysely, study.id),
  ]);
  const waves: StoredWave[] = records.map((r) => {
    const own = seeds.find((x) => x.wave === r.wave);
    return {
      wave: r.wave,
      algorithm: r.algorithm,
      version: r.version,
      seedDerivation: r.seedDerivation,
      seed: own?.revealedAt ? own.seed : null,
      seedCommitment: own?.seedCommitment ?? null,
      arms: r.arms,
      rosterSha256: r.rosterSha256,
      assignmentSha256: r.assignmentSha256,
      blockCounts: r.blockCounts,
      students: r.students,
      units: units.filter((u) => u.wave === r.wave),
      members: members.filter((m) => m.wave === r.wave),
    };
  });
  return {
    study: slug,
    waves: records.length,
    units: units.length,
    mismatches: verifyWaves({ seed: study.seed, seedCommitment: study.seedCommitment }, waves),
  };
}

/** Rows of the assignment export, optionally for one district (LEAID). */
export async function exportAssignments(
  db: Db,
  slug: string,
  districtLeaid: string | null,
): Promise<ExportRow[]> {
  const study = await requireStudy(db, slug);
  const rows = await exportRows(db.kysely, study.id, districtLeaid);
  if (rows.length === 0 && (await listRandomizations(db.kysely, study.id)).length === 0) {
    throw new AppError('NOT_FOUND', `study ${slug} has not been randomized`);
  }
  return rows;
}

async function requireStudy(db: Db, slug: string): Promise<StudyForRandomization> {
  const study = await findStudyForRandomization(db.kysely, slug);
  if (!study) throw new AppError('NOT_FOUND', `no study ${slug}`);
  return study;
}
