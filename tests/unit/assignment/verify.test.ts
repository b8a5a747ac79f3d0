import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { PILOT_V1, type AssignmentAlgorithm } from '../../../assignment/algorithms.ts';
import { derivedWaveSeed } from '../../../assignment/protocol.ts';
import { randomizeWave } from '../../../assignment/randomize-wave.ts';
import type { RosterStudent } from '../../../assignment/roster.ts';
import { verifyWaves, type StoredWave } from '../../../assignment/verify.ts';

const H = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const S = '00112233445566778899aabbccddeeff';
const S2 = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const study = { seed: S, seedCommitment: H(S) };
const arms = [
  { name: 'control', probability: '0.5' },
  { name: 'treatment', probability: '0.5' },
];

function students(prefix: string, n: number): RosterStudent[] {
  return Array.from({ length: n }, (_, i) => ({
    studentId: i + 1,
    districtLeaid: '3600001',
    sisId: `${prefix}${i}`,
    schoolKey: 'east',
    schoolNcesId: '360000100001',
    householdKey: `${prefix}H${i}`,
    grade: ['KG', '03', '07', '10'][i % 4],
    sex: null,
    raceEthnicity: null,
    englishLearner: null,
    disability: null,
    lowIncome: null,
    priorYearAbsenceRate: null,
  }));
}

/** The stored form of a wave randomized with `seed` (what the store gives back to verify). */
function stored(wave: number, seed: string, over: Partial<StoredWave> = {}): StoredWave {
  const r = randomizeWave({
    seed,
    wave,
    unit: 'student',
    arms,
    blockBy: ['grade_band'],
    students: students('s', 24),
  });
  if (!r.ok) throw new Error(r.message);
  const w = r.value;
  return {
    wave,
    algorithm: w.algorithm,
    version: w.version,
    seedDerivation: w.seedDerivation,
    seed: wave === 1 ? null : seed,
    seedCommitment: wave === 1 ? null : H(seed),
    arms,
    rosterSha256: w.rosterSha256,
    assignmentSha256: w.assignmentSha256,
    blockCounts: w.blocks,
    students: w.members.length,
    units: w.units.map((u) => ({ unitKey: u.unitKey, blockKey: u.blockKey, arm: u.arm, hash: u.orderHash })),
    members: w.members,
    ...over,
  };
}

describe('verifyWaves: each wave from its own seed', () => {
  it('re-derives wave 2 from S_2, recorded as "S_2" with its commitment', () => {
    const w2 = stored(2, S2);
    expect(w2.seedDerivation).toBe('S_2');
    expect(verifyWaves(study, [stored(1, S), w2])).toEqual([]);
  });

  it('does not re-derive wave 2 from S: the draw with S + "|wave2" is not the stored one', () => {
    const w2 = stored(2, S2);
    const fromS = verifyWaves(study, [
      { ...w2, seed: derivedWaveSeed(S, 2), seedCommitment: H(derivedWaveSeed(S, 2)) },
    ]);
    expect(fromS.map((m) => m.kind)).toContain('assignment_sha256');
  });

  it('reports a wave seed that is withheld or does not match the commitment made at opening', () => {
    const w2 = stored(2, S2);
    expect(verifyWaves(study, [{ ...w2, seed: null }])).toEqual([
      expect.objectContaining({ wave: 2, kind: 'wave_seed' }),
    ]);
    expect(verifyWaves(study, [{ ...w2, seedCommitment: H('another seed') }])).toEqual([
      expect.objectContaining({ wave: 2, kind: 'wave_seed', message: expect.stringMatching(/commitment/) }),
    ]);
  });

  it('still verifies a record of the earlier draft, whose wave seed was S + "|wave<w>"', () => {
    const legacy = stored(2, derivedWaveSeed(S, 2), {
      seedDerivation: 'S + "|wave2"',
      seed: null,
      seedCommitment: null,
    });
    expect(verifyWaves(study, [legacy])).toEqual([]);
  });

  it('refuses a seed derivation the protocol does not define', () => {
    expect(verifyWaves(study, [stored(2, S2, { seedDerivation: 'S_3' })])).toEqual([
      expect.objectContaining({ wave: 2, kind: 'wave_seed' }),
    ]);
  });
});

describe('verifyWaves: the algorithm is the one the record names', () => {
  // A hypothetical later protocol that orders units the other way round: a different draw for the same seed.
  const pilotV2: AssignmentAlgorithm = {
    algorithm: 'pilot-v2',
    version: 2,
    derive(seed, units, a) {
      const d = PILOT_V1.derive(seed, units, a);
      return { ...d, arms: d.arms.map((x) => (x === 'control' ? 'treatment' : 'control')) };
    },
  };

  it('a pilot-v1 record is re-derived by pilot-v1 even when a newer algorithm is known', () => {
    expect(verifyWaves(study, [stored(1, S)], [pilotV2, PILOT_V1])).toEqual([]);
  });

  it('the same units claimed as pilot-v2 do not verify (the version is not ignored)', () => {
    const claimed = stored(1, S, { algorithm: 'pilot-v2', version: 2 });
    const kinds = verifyWaves(study, [claimed], [pilotV2, PILOT_V1]).map((m) => m.kind);
    expect(kinds).toContain('arm');
    expect(kinds).toContain('assignment_sha256');
  });

  it('an unknown algorithm or version is reported, never re-derived by another', () => {
    expect(verifyWaves(study, [stored(1, S, { version: 7 })])).toEqual([
      {
        wave: 1,
        kind: 'algorithm',
        message: 'the record names pilot-v1 version 7, which this version of Pilot cannot re-derive',
      },
    ]);
  });

  it('checks the study seed against its commitment', () => {
    expect(verifyWaves({ seed: S, seedCommitment: H('x') }, [stored(1, S)])).toEqual([
      expect.objectContaining({ wave: null, kind: 'seed_commitment' }),
    ]);
  });
});
