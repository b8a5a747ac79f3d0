import { sql, type Kysely, type Transaction } from 'kysely';
import type { Session } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
import type { ArmSpec } from './arms.ts';
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

export interface ExportRow {
  unit_key: string;
  student_id: string;
  district_leaid: string;
  block_key: string;
  arm: string;
  wave: number;
}

type Db = Kysely<Database>;

const STUDY_COLUMNS = sql`id, slug, status, unit, arms, block_by, seed, seed_commitment, seed_revealed_at, algorithm`;

function toStudy(r: Record<string, unknown>): StudyForRandomization {
  return {
    id: r.id as number,
    slug: r.slug as string,
    status: r.status as string,
    unit: r.unit as UnitType,
    arms: r.arms as ArmSpec[],
    blockBy: r.block_by as string[],
    seed: r.seed as string,
    seedCommitment: r.seed_commitment as string,
    seedRevealedAt: r.seed_revealed_at ? new Date(r.seed_revealed_at as string) : null,
    algorithm: r.algorithm as string,
  };
}

/** Locks the study row until the transaction ends (SELECT … FOR UPDATE): one randomizer at a time. */
export async function lockStudy(
  trx: Transaction<Database>,
  slug: string,
): Promise<StudyForRandomization | null> {
  const r = await sql<
    Record<string, unknown>
  >`SELECT ${STUDY_COLUMNS} FROM study WHERE slug = ${slug} FOR UPDATE`.execute(trx);
  return r.rows[0] ? toStudy(r.rows[0]) : null;
}

export async function findStudyForRandomization(db: Db, slug: string): Promise<StudyForRandomization | null> {
  const r = await sql<
    Record<string, unknown>
  >`SELECT ${STUDY_COLUMNS} FROM study WHERE slug = ${slug}`.execute(db);
  return r.rows[0] ? toStudy(r.rows[0]) : null;
}

/** Every randomization of a study, by wave. */
export async function listRandomizations(db: Db, studyId: number): Promise<RandomizationRecord[]> {
  const r = await sql<Record<string, unknown>>`
    SELECT * FROM randomization WHERE study_id = ${studyId} ORDER BY wave`.execute(db);
  return r.rows.map((x) => ({
    id: x.id as number,
    wave: x.wave as number,
    algorithm: x.algorithm as string,
    version: x.version as number,
    seedDerivation: x.seed_derivation as string,
    unit: x.unit as UnitType,
    blockBy: x.block_by as string[],
    arms: x.arms as ArmSpec[],
    blockCounts: (x.block_counts as { block_key: string; n: number; counts: Record<string, number> }[]).map(
      (b) => ({
        blockKey: b.block_key,
        n: b.n,
        counts: b.counts,
      }),
    ),
    units: x.units as number,
    students: x.students as number,
    rosterSha256: x.roster_sha256 as string,
    assignmentSha256: x.assignment_sha256 as string,
    warnings: x.warnings as AssignmentWarning[],
    actor: x.actor as string,
    lockedAt: new Date(x.locked_at as string),
  }));
}

/** Students of the study's districts not yet in any wave's roster. */
export async function loadNewStudents(trx: Transaction<Database>, studyId: number): Promise<RosterStudent[]> {
  const r = await sql<Record<string, unknown>>`
    SELECT s.id, d.nces_leaid, s.sis_id, sc.school_key, sc.nces_id, h.household_key, s.grade, s.sex,
           s.race_ethnicity, s.english_learner, s.disability, s.low_income, s.prior_year_absence_rate
      FROM student s
      JOIN district d ON d.id = s.district_id
      JOIN school sc ON sc.id = s.school_id
      JOIN household h ON h.id = s.household_id
     WHERE d.study_id = ${studyId}
       AND NOT EXISTS (SELECT 1 FROM assignment_member m WHERE m.study_id = ${studyId} AND m.student_id = s.id)`.execute(
    trx,
  );
  return r.rows.map((x) => ({
    studentId: x.id as number,
    districtLeaid: x.nces_leaid as string,
    sisId: x.sis_id as string,
    schoolKey: x.school_key as string,
    schoolNcesId: (x.nces_id as string | null) ?? null,
    householdKey: x.household_key as string,
    grade: x.grade as string,
    sex: (x.sex as string | null) ?? null,
    raceEthnicity: (x.race_ethnicity as string | null) ?? null,
    englishLearner: (x.english_learner as boolean | null) ?? null,
    disability: (x.disability as boolean | null) ?? null,
    lowIncome: (x.low_income as boolean | null) ?? null,
    priorYearAbsenceRate: (x.prior_year_absence_rate as number | null) ?? null,
  }));
}

/** Units randomized in earlier waves: arm and block by unit key. */
export async function loadAssignedUnits(
  db: Db,
  studyId: number,
): Promise<Map<string, { arm: string; blockKey: string }>> {
  const r = await sql<{ unit_key: string; arm: string; block_key: string }>`
    SELECT unit_key, arm, block_key FROM assignment WHERE study_id = ${studyId}`.execute(db);
  return new Map(r.rows.map((x) => [x.unit_key, { arm: x.arm, blockKey: x.block_key }]));
}

/** Inserts the randomization record; the UNIQUE (study_id, wave) constraint is the backstop against a second one. */
export async function insertRandomization(
  trx: Transaction<Database>,
  studyId: number,
  w: WaveResult,
  actor: string,
): Promise<number> {
  const blockCounts = w.blocks.map((b) => ({ block_key: b.blockKey, n: b.n, counts: b.counts }));
  const r = await sql<{ id: number }>`
    INSERT INTO randomization (study_id, wave, algorithm, version, seed_derivation, unit, block_by, arms,
                               block_counts, units, students, roster_sha256, assignment_sha256, warnings, actor)
    VALUES (${studyId}, ${w.wave}, ${w.algorithm}, ${w.version}, ${w.seedDerivation}, ${w.unit},
            ${JSON.stringify(w.blockBy)}::jsonb, ${JSON.stringify(w.arms)}::jsonb, ${JSON.stringify(blockCounts)}::jsonb,
            ${w.units.length}, ${w.members.length}, ${w.rosterSha256}, ${w.assignmentSha256},
            ${JSON.stringify(w.warnings)}::jsonb, ${actor})
    RETURNING id`.execute(trx);
  return r.rows[0].id;
}

/** Bulk-copies every unit and roster row of the wave on the session's connection (inside its transaction). */
export async function copyAssignments(
  session: Session,
  randomizationId: number,
  studyId: number,
  w: WaveResult,
): Promise<void> {
  const head = `${randomizationId},${studyId},${w.wave},`;
  await session.copyCsv(
    'assignment',
    ['randomization_id', 'study_id', 'wave', 'unit_key', 'block_key', 'arm', 'hash'],
    chunks(w.units, (u) => `${head}${csv(u.unitKey)},${csv(u.blockKey)},${csv(u.arm)},${u.orderHash}\n`),
  );
  await session.copyCsv(
    'assignment_member',
    ['randomization_id', 'study_id', 'wave', 'student_id', 'student_key', 'unit_key'],
    chunks(w.members, (m) => `${head}${m.studentId},${csv(m.studentKey)},${csv(m.unitKey)}\n`),
  );
}

/** Reveals the seed (first wave) and marks the study randomized. */
export async function revealSeed(trx: Transaction<Database>, studyId: number): Promise<void> {
  await sql`UPDATE study SET status = 'randomized', seed_revealed_at = coalesce(seed_revealed_at, now())
             WHERE id = ${studyId}`.execute(trx);
}

/** The frozen roster of every wave with each student's unit, block and arm. */
export async function loadStoredMembers(db: Db, studyId: number): Promise<StoredMember[]> {
  const r = await sql<Record<string, unknown>>`
    SELECT m.wave, m.student_key, m.unit_key, a.wave AS unit_wave, a.block_key, a.arm, a.hash
      FROM assignment_member m JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
     WHERE m.study_id = ${studyId}`.execute(db);
  return r.rows.map((x) => ({
    wave: x.wave as number,
    studentKey: x.student_key as string,
    unitKey: x.unit_key as string,
    unitWave: x.unit_wave as number,
    blockKey: x.block_key as string,
    arm: x.arm as string,
    hash: x.hash as string,
  }));
}

/** Stored units of the study (every wave), including any without a member row. */
export async function loadStoredUnits(
  db: Db,
  studyId: number,
): Promise<{ wave: number; unitKey: string; blockKey: string; arm: string; hash: string }[]> {
  const r = await sql<{ wave: number; unit_key: string; block_key: string; arm: string; hash: string }>`
    SELECT wave, unit_key, block_key, arm, hash FROM assignment WHERE study_id = ${studyId}`.execute(db);
  return r.rows.map((x) => ({
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
  const r = await sql<ExportRow>`
    SELECT a.unit_key, s.sis_id AS student_id, d.nces_leaid AS district_leaid, a.block_key, a.arm, m.wave
      FROM assignment_member m
      JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
      JOIN student s ON s.id = m.student_id
      JOIN district d ON d.id = s.district_id
     WHERE m.study_id = ${studyId} AND (${districtLeaid}::text IS NULL OR d.nces_leaid = ${districtLeaid})
     ORDER BY m.student_key COLLATE "C"`.execute(db);
  return r.rows;
}

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csv(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function* chunks<T>(rows: readonly T[], line: (row: T) => string, size = 20000): Generator<string> {
  for (let i = 0; i < rows.length; i += size) {
    let text = '';
    const end = Math.min(rows.length, i + size);
    for (let j = i; j < end; j++) text += line(rows[j]);
    yield text;
  }
}
