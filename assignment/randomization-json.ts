/**
 * The snake_case JSON of randomization results (`pilot randomize … --json`, and the server's
 * answers): one serializer per result type, so every interface shows the same names. Pure.
 */
import type { BalanceRow } from '../analysis/balance-table.ts';
import type { BalanceComparison } from './assignment-balance.ts';
import type { RandomizationShow, RandomizeResult, WaveRecord } from './assignment.service.ts';
import type { Mismatch } from './verify.ts';

export function recordJson(w: WaveRecord) {
  return {
    wave: w.wave,
    algorithm: w.algorithm,
    version: w.version,
    seed_derivation: w.seedDerivation,
    seed: w.seed,
    seed_commitment: w.seedCommitment,
    seed_committed_at: w.seedCommittedAt?.toISOString() ?? null,
    locked_at: w.lockedAt.toISOString(),
    actor: w.actor,
    units: w.units,
    students: w.students,
    roster_sha256: w.rosterSha256,
    assignment_sha256: w.assignmentSha256,
    block_counts: w.blockCounts.map((b) => ({ block_key: b.blockKey, n: b.n, counts: b.counts })),
    warnings: w.warnings,
  };
}

export function rowJson(r: BalanceRow) {
  return {
    covariate: r.covariate,
    level: r.level,
    mean_treatment: r.meanTreatment,
    mean_control: r.meanControl,
    n_treatment: r.nTreatment,
    n_control: r.nControl,
    missing_treatment: r.missingTreatment,
    missing_control: r.missingControl,
    smd: r.smd.kind === 'ok' ? r.smd.smd : null,
    band: r.smd.kind === 'ok' ? r.smd.band : r.smd.reason,
  };
}

export function balanceJson(c: BalanceComparison) {
  return {
    arm: c.arm,
    control: c.control,
    overall: c.overall.map(rowJson),
    by_district: c.byDistrict.map((d) => ({ district_leaid: d.districtLeaid, rows: d.rows.map(rowJson) })),
  };
}

export function randomizeJson(r: RandomizeResult) {
  return {
    study: r.study,
    randomization_id: r.randomizationId,
    wave: r.wave,
    algorithm: r.algorithm,
    version: r.version,
    units: r.units,
    students: r.students,
    inherited_students: r.inheritedStudents,
    roster_sha256: r.rosterSha256,
    assignment_sha256: r.assignmentSha256,
    block_counts: r.blocks.map((b) => ({ block_key: b.blockKey, n: b.n, counts: b.counts })),
    warnings: r.warnings,
    balance: r.balance.map(balanceJson),
    balance_summary: r.balanceSummary,
  };
}

/** The study's randomization record (`pilot randomize show --json`). */
export function randomizationShowJson(r: RandomizationShow) {
  return {
    study: r.study,
    algorithm: r.algorithm,
    version: r.randomizations[0]?.version ?? null,
    unit: r.unit,
    block_by: r.blockBy,
    arms: r.arms,
    seed: r.seed,
    seed_commitment: r.seedCommitment,
    seed_revealed_at: r.seedRevealedAt?.toISOString() ?? null,
    randomizations: r.randomizations.map(recordJson),
    open_waves: r.openWaves.map((w) => ({
      wave: w.wave,
      seed_commitment: w.seedCommitment,
      opened_at: w.openedAt.toISOString(),
      opened_by: w.openedBy,
    })),
  };
}

/** The outcome of re-deriving every assignment (`pilot randomize verify --json`). */
export function verificationJson(r: { study: string; waves: number; units: number; mismatches: Mismatch[] }) {
  return {
    study: r.study,
    waves: r.waves,
    units: r.units,
    verified: r.mismatches.length === 0,
    mismatches: r.mismatches,
  };
}
