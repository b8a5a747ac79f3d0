import { sql, type Kysely, type Transaction } from 'kysely';
import type { Session } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
import { AppError } from '../errors.ts';
import type { ArmSpec } from './arms.ts';
import { csvField } from './csv-field.ts';
import type { RosterStudent, UnitType } from './roster.ts';
import type { AssignmentWarning, BlockCount, WaveResult } from './randomize-wave.ts';

/** The study as randomization needs it (the seed stays inside services until it is revealed). */
export interface StudyForRandomization {
  id: number;
  slug: string;
  status: string;
  unit: UnitType;
  arms: ArmSpec[];
  blockBy: string[];
  seed: string;
  seedCommitment: string;
  seedRevealedAt: Date | null;
  algorithm: string;
  createdAt: Date;
}

/** A late wave's own seed (migration 005): committed when opened, revealed when randomized. */
export interface WaveSeed {
  wave: number;
  seed: string;
  seedCommitment: string;
  openedBy: string;
  openedAt: Date;
  revealedAt: Date | null;
}

export interface RandomizationRecord {
  id: number;
  wave: number;
  algorithm: string;
  version: number;
  seedDerivation: string;
  unit: UnitType;
  blockBy: string[];
  arms: ArmSpec[];
  blockCounts: BlockCount[];
  units: number;
  students: number;
  rosterSha256: string;
  assignmentSha256: string;
  warnings: AssignmentWarning[];
  actor: string;
  lockedAt: Date;
}

/** One stored assignment row per student, joined to the unit's arm and block. */
export interface StoredMember {
  wave: number;
  studentKey: string;
  unitKey: string;
  unitWave: number;
  blockKey: string;
  arm: string;
  hash: string;
}

export interface StoredUnit {
  wave: number;
  unitKey: string;
  blockKey: string;
  arm: string;
  hash: string;
}

export interface ExportRow {
  unit_key: string;
  student_id: string;
  district_leaid: string;
  block_key: string;
  arm: string;
  wave: number;
}

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

const UNIQUE_VIOLATION = '23505';

function studyQuery(db: Db, slug: string) {
  return db
    .selectFrom('study')
    .select([
      'id',
      'slug',
      'status',
      'unit',
      'arms',
      'block_by',
      'seed',
      'seed_commitment',
      'seed_revealed_at',
      'algorithm',
      'created_at',
    ])
    .where('slug', '=', slug);
}

type StudyRow = NonNullable<Awaited<ReturnType<ReturnType<typeof studyQuery>['executeTakeFirst']>>>;

function toStudy(r: StudyRow): StudyForRandomization {
  return {
    id: r.id,
    slug: r.slug,
    status: r.status,
    unit: r.unit,
    arms: r.arms,
    blockBy: r.block_by,
    seed: r.seed,
    seedCommitment: r.seed_commitment,
    seedRevealedAt: r.seed_revealed_at === null ? null : new Date(r.seed_revealed_at),
    algorithm: r.algorithm,
    createdAt: new Date(r.created_at),
  };
}

/** Locks the study row until the transaction ends (SELECT … FOR UPDATE): one randomizer at a time. */
export async function lockStudy(trx: Trx, slug: string): Promise<StudyForRandomization | null> {
  const r = await studyQuery(trx, slug).forUpdate().executeTakeFirst();
  return r ? toStudy(r) : null;
}

export async function findStudyForRandomization(db: Db, slug: string): Promise<StudyForRandomization | null> {
  const r = await studyQuery(db, slug).executeTakeFirst();
  return r ? toStudy(r) : null;
}

/** Every randomization of a study, by wave. */
export async function listRandomizations(db: Db, studyId: number): Promise<RandomizationRecord[]> {
  const rows = await db
    .selectFrom('randomization')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('wave')
    .execute();
  return rows.map((x) => ({
    id: x.id,
    wave: x.wave,
    algorithm: x.algorithm,
    version: x.version,
    seedDerivation: x.seed_derivation,
    unit: x.unit,
    blockBy: x.block_by,
    arms: x.arms,
    blockCounts: x.block_counts.map((b) => ({ blockKey: b.block_key, n: b.n, counts: b.counts })),
    units: x.units,
    students: x.students,
    rosterSha256: x.roster_sha256,
    assignmentSha256: x.assignment_sha256,
    warnings: x.warnings as AssignmentWarning[],
    actor: x.actor,
    lockedAt: new Date(x.locked_at),
  }));
}

/** The opened waves w ≥ 2 of a study with their seeds (sealed or revealed), by wave. */
export async function listWaveSeeds(db: Db, studyId: number): Promise<WaveSeed[]> {
  const rows = await db
    .selectFrom('randomization_wave')
    .select(['wave', 'seed', 'seed_commitment', 'opened_by', 'opened_at', 'revealed_at'])
    .where('study_id', '=', studyId)
    .orderBy('wave')
    .execute();
  return rows.map((r) => ({
    wave: r.wave,
    seed: r.seed,
    seedCommitment: r.seed_commitment,
    openedBy: r.opened_by,
    openedAt: new Date(r.opened_at),
    revealedAt: r.revealed_at === null ? null : new Date(r.revealed_at),
  }));
}

/**
 * Opens wave w ≥ 2: stores its seed and commitment (the database checks H(seed) = commitment).
 * @throws {AppError} CONFLICT when the wave is already open
 */
export async function insertWaveSeed(
  trx: Trx,
  studyId: number,
  wave: { wave: number; seed: string; seedCommitment: string; openedBy: string },
): Promise<WaveSeed> {
  try {
    const r = await trx
      .insertInto('randomization_wave')
      .values({
        study_id: studyId,
        wave: wave.wave,
        seed: wave.seed,
        seed_commitment: wave.seedCommitment,
        opened_by: wave.openedBy,
      })
      .returning(['opened_at'])
      .executeTakeFirstOrThrow();
    return { ...wave, openedAt: new Date(r.opened_at), revealedAt: null };
  } catch (error) {
    throw uniqueConflict(error, `wave ${wave.wave} is already open`, { wave: wave.wave });
  }
}

/** Marks a wave's seed revealed (the only change its row allows). */
export async function revealWaveSeed(trx: Trx, studyId: number, wave: number): Promise<void> {
  await trx
    .updateTable('randomization_wave')
    .set({ revealed_at: sql<Date>`now()` })
    .where('study_id', '=', studyId)
    .where('wave', '=', wave)
    .where('revealed_at', 'is', null)
    .execute();
}

/** Students of the study's districts not yet in any wave's roster. */
export async function loadNewStudents(trx: Trx, studyId: number): Promise<RosterStudent[]> {
  const rows = await newStudents(trx, studyId)
    .innerJoin('school as sc', 'sc.id', 's.school_id')
    .innerJoin('household as h', 'h.id', 's.household_id')
    .select([
      's.id',
      'd.nces_leaid',
      's.sis_id',
      'sc.school_key',
      'sc.nces_id',
      'h.household_key',
      's.grade',
      's.sex',
      's.race_ethnicity',
      's.english_learner',
      's.disability',
      's.low_income',
      's.prior_year_absence_rate',
    ])
    .execute();
  return rows.map((x) => ({
    studentId: x.id,
    districtLeaid: x.nces_leaid,
    sisId: x.sis_id,
    schoolKey: x.school_key,
    schoolNcesId: x.nces_id,
    householdKey: x.household_key,
    grade: x.grade,
    sex: x.sex,
    raceEthnicity: x.race_ethnicity,
    englishLearner: x.english_learner,
    disability: x.disability,
    lowIncome: x.low_income,
    priorYearAbsenceRate: x.prior_year_absence_rate,
  }));
}

/**
 * Students not yet in any wave's roster who were registered before wave `wave` was opened (a wave's
 * seed should be committed before its enrollees are registered): how many, and up to `limit` of their
 * student keys. Compared in the database, at its full timestamp precision.
 */
export async function newStudentsRegisteredBefore(
  trx: Trx,
  studyId: number,
  wave: number,
  limit = 20,
): Promise<{ count: number; studentKeys: string[] }> {
  const before = newStudents(trx, studyId).where('s.enrolled_at', '<', (eb) =>
    eb
      .selectFrom('randomization_wave as w')
      .select('w.opened_at')
      .where('w.study_id', '=', studyId)
      .where('w.wave', '=', wave),
  );
  const count = await before.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const examples = await before
    .select(['d.nces_leaid', 's.sis_id'])
    .orderBy('d.nces_leaid')
    .orderBy(sql`s.sis_id collate "C"`)
    .limit(limit)
    .execute();
  return {
    count: Number(count.n),
    studentKeys: examples.map((e) => `student:${e.nces_leaid}:${e.sis_id}`),
  };
}

function newStudents(db: Db, studyId: number) {
  return db
    .selectFrom('student as s')
    .innerJoin('district as d', 'd.id', 's.district_id')
    .where('d.study_id', '=', studyId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('assignment_member as m')
            .select('m.student_id')
            .where('m.study_id', '=', studyId)
            .whereRef('m.student_id', '=', 's.id'),
        ),
      ),
    );
}

/** Units randomized in earlier waves: arm and block by unit key. */
export async function loadAssignedUnits(
  db: Db,
  studyId: number,
): Promise<Map<string, { arm: string; blockKey: string }>> {
  const rows = await db
    .selectFrom('assignment')
    .select(['unit_key', 'arm', 'block_key'])
    .where('study_id', '=', studyId)
    .execute();
  return new Map(rows.map((x) => [x.unit_key, { arm: x.arm, blockKey: x.block_key }]));
}

/**
 * Inserts the randomization record; the UNIQUE (study_id, wave) constraint is the backstop against a
 * second one.
 * @throws {AppError} CONFLICT when the wave already has a record
 */
export async function insertRandomization(
  trx: Trx,
  studyId: number,
  w: WaveResult,
  actor: string,
): Promise<number> {
  const blockCounts = w.blocks.map((b) => ({ block_key: b.blockKey, n: b.n, counts: b.counts }));
  try {
    const r = await trx
      .insertInto('randomization')
      .values({
        study_id: studyId,
        wave: w.wave,
        algorithm: w.algorithm,
        version: w.version,
        seed_derivation: w.seedDerivation,
        unit: w.unit,
        block_by: JSON.stringify(w.blockBy),
        arms: JSON.stringify(w.arms),
        block_counts: JSON.stringify(blockCounts),
        units: w.units.length,
        students: w.members.length,
        roster_sha256: w.rosterSha256,
        assignment_sha256: w.assignmentSha256,
        warnings: JSON.stringify(w.warnings),
        actor,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  } catch (error) {
    throw uniqueConflict(error, `wave ${w.wave} is already randomized`, { wave: w.wave });
  }
}

/**
 * Bulk-copies every unit and roster row of the wave. `session` is the connection `trx` runs on (the
 * service opens the transaction on it), so the copy is part of the transaction.
 */
export async function copyAssignments(
  _trx: Trx,
  session: Session,
  randomizationId: number,
  studyId: number,
  w: WaveResult,
): Promise<void> {
  const head = `${randomizationId},${studyId},${w.wave},`;
  await session.copyCsv(
    'assignment',
    ['randomization_id', 'study_id', 'wave', 'unit_key', 'block_key', 'arm', 'hash'],
    chunks(
      w.units,
      (u) => `${head}${csvField(u.unitKey)},${csvField(u.blockKey)},${csvField(u.arm)},${u.orderHash}\n`,
    ),
  );
  await session.copyCsv(
    'assignment_member',
    ['randomization_id', 'study_id', 'wave', 'student_id', 'student_key', 'unit_key'],
    chunks(w.members, (m) => `${head}${m.studentId},${csvField(m.studentKey)},${csvField(m.unitKey)}\n`),
  );
}

/** Reveals the study seed (first wave) and marks the study randomized. */
export async function revealSeed(trx: Trx, studyId: number): Promise<void> {
  await trx
    .updateTable('study')
    .set({ status: 'randomized', seed_revealed_at: sql<Date>`coalesce(seed_revealed_at, now())` })
    .where('id', '=', studyId)
    .execute();
}

/** The frozen roster of every wave with each student's unit, block and arm. */
export async function loadStoredMembers(db: Db, studyId: number): Promise<StoredMember[]> {
  const rows = await db
    .selectFrom('assignment_member as m')
    .innerJoin('assignment as a', (j) =>
      j.onRef('a.study_id', '=', 'm.study_id').onRef('a.unit_key', '=', 'm.unit_key'),
    )
    .select([
      'm.wave',
      'm.student_key',
      'm.unit_key',
      'a.wave as unit_wave',
      'a.block_key',
      'a.arm',
      'a.hash',
    ])
    .where('m.study_id', '=', studyId)
    .execute();
  return rows.map((x) => ({
    wave: x.wave,
    studentKey: x.student_key,
    unitKey: x.unit_key,
    unitWave: x.unit_wave,
    blockKey: x.block_key,
    arm: x.arm,
    hash: x.hash,
  }));
}

/** Stored units of the study (every wave), including any without a member row. */
export async function loadStoredUnits(db: Db, studyId: number): Promise<StoredUnit[]> {
  const rows = await db
    .selectFrom('assignment')
    .select(['wave', 'unit_key', 'block_key', 'arm', 'hash'])
    .where('study_id', '=', studyId)
    .execute();
  return rows.map((x) => ({
    wave: x.wave,
    unitKey: x.unit_key,
    blockKey: x.block_key,
    arm: x.arm,
    hash: x.hash,
  }));
}

/** Rows of `pilot assignments export`, in code-point order of student key. */
export async function exportRows(
  db: Db,
  studyId: number,
  districtLeaid: string | null,
): Promise<ExportRow[]> {
  return db
    .selectFrom('assignment_member as m')
    .innerJoin('assignment as a', (j) =>
      j.onRef('a.study_id', '=', 'm.study_id').onRef('a.unit_key', '=', 'm.unit_key'),
    )
    .innerJoin('student as s', 's.id', 'm.student_id')
    .innerJoin('district as d', 'd.id', 's.district_id')
    .select([
      'a.unit_key',
      's.sis_id as student_id',
      'd.nces_leaid as district_leaid',
      'a.block_key',
      'a.arm',
      'm.wave',
    ])
    .where('m.study_id', '=', studyId)
    .$if(districtLeaid !== null, (q) => q.where('d.nces_leaid', '=', districtLeaid!))
    .orderBy(sql`m.student_key collate "C"`)
    .execute();
}

/** A unique violation as a CONFLICT; any other error unchanged. */
function uniqueConflict(error: unknown, message: string, details: Record<string, unknown>): unknown {
  return (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION
    ? new AppError('CONFLICT', message, details)
    : error;
}

function* chunks<T>(rows: readonly T[], line: (row: T) => string, size = 20000): Generator<string> {
  for (let i = 0; i < rows.length; i += size) {
    let text = '';
    const end = Math.min(rows.length, i + size);
    for (let j = i; j < end; j++) text += line(rows[j]);
    yield text;
  }
}
