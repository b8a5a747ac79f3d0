import { randomBytes } from 'node:crypto';
import { parseSeed, seedCommitment } from '../cohorts/study-definition.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import type { Db } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import { insertWaveSeed, listRandomizations, listWaveSeeds, lockStudy } from './assignment.store.ts';

export interface OpenWaveRequest {
  study: string;
  /** Hex seed of 32 to 128 digits; 128 random bits are generated when absent. */
  seed?: string;
  actor: string;
}

export interface OpenWaveResult {
  study: string;
  wave: number;
  /** H(S_w): publish it now; the seed itself stays sealed until the wave is randomized. */
  seedCommitment: string;
  openedAt: Date;
}

/**
 * Opens the next late wave w ≥ 2 of a randomized study (`pilot randomize open-wave`): draws its own
 * seed S_w (128 random bits unless supplied), records it sealed with its commitment H(S_w), and writes
 * an audit event carrying the commitment, in one transaction. Open the wave before registering its
 * late enrollees: S is public after wave 1, S_w is not, so nobody can compute a late enrollee's arm
 * before the wave is randomized.
 * @throws {AppError} NOT_FOUND (no such study), CONFLICT (not yet randomized, closed, or the next wave
 *   already open), BAD_INPUT (a seed that is not 32–128 hex digits or repeats a revealed seed)
 */
export async function openWave(
  db: Db,
  request: OpenWaveRequest,
  newSeed: () => string = () => randomBytes(16).toString('hex'),
): Promise<OpenWaveResult> {
  return db.kysely.transaction().execute(async (trx) => {
    const study = await lockStudy(trx, request.study);
    if (!study) throw new AppError('NOT_FOUND', `no study ${request.study}`);
    if (study.status === 'closed') throw new AppError('CONFLICT', `study ${study.slug} is closed`);
    const existing = await listRandomizations(trx, study.id);
    if (existing.length === 0) {
      throw new AppError(
        'CONFLICT',
        `study ${study.slug} has not been randomized: its first wave uses the study seed committed at creation`,
        { study: study.slug, reason: 'not_randomized' },
      );
    }
    const wave = existing.length + 1;
    const waves = await listWaveSeeds(trx, study.id);
    const open = waves.find((x) => x.wave === wave);
    if (open) {
      throw new AppError(
        'CONFLICT',
        `wave ${wave} of ${study.slug} is already open (seed commitment ${open.seedCommitment}); randomize it before opening another`,
        { study: study.slug, wave, reason: 'wave_open' },
      );
    }
    const seed = chooseWaveSeed(request.seed, newSeed, [study.seed, ...waves.map((x) => x.seed)]);
    const opened = await insertWaveSeed(trx, study.id, {
      wave,
      seed,
      seedCommitment: seedCommitment(seed),
      openedBy: request.actor,
    });
    await appendAuditEvent(trx, {
      actor: request.actor,
      action: 'open_wave',
      entity: `study:${study.slug}`,
      details: { wave, seed_commitment: opened.seedCommitment },
    });
    return { study: study.slug, wave, seedCommitment: opened.seedCommitment, openedAt: opened.openedAt };
  });
}

function chooseWaveSeed(supplied: string | undefined, newSeed: () => string, used: string[]): string {
  if (supplied === undefined) return newSeed();
  const parsed = parseSeed(supplied);
  if (!parsed.ok) throw new AppError('BAD_INPUT', `seed: ${parsed.reason}`, { field: 'seed' });
  if (used.includes(parsed.value)) {
    throw new AppError(
      'BAD_INPUT',
      "seed: a wave needs a seed of its own; this one is the study seed or an earlier wave's",
      { field: 'seed' },
    );
  }
  return parsed.value;
}
