import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/types.ts';
import type { DistrictReference, EnrollmentWindow } from './district-reference.ts';
import { duplicateKeyConflict } from './import-copy.store.ts';

type Trx = Transaction<Database>;

/** Loads what rows of one district are checked against, inside the import's transaction. */
export async function loadDistrictReference(
  trx: Trx,
  districtId: number,
  leaid: string,
  parts: { students?: boolean; enrollments?: boolean; calendars?: boolean },
): Promise<DistrictReference> {
  const ref: DistrictReference = {
    leaid,
    schools: new Map(),
    students: new Map(),
    enrollments: new Map(),
    calendars: new Map(),
  };
  const schools = await trx
    .selectFrom('school')
    .select(['id', 'school_key'])
    .where('district_id', '=', districtId)
    .execute();
  for (const s of schools) ref.schools.set(s.school_key, s.id);
  if (parts.students) {
    // Every lookup goes through the district's index entries, so loading one district's reference
    // costs the same however many districts the database holds.
    const rows = await trx
      .selectFrom('student as s')
      .innerJoin('household as h', (j) =>
        j.onRef('h.id', '=', 's.household_id').on('h.district_id', '=', districtId),
      )
      .select(['s.id', 's.sis_id', 's.school_id', 'h.household_key'])
      .where('s.district_id', '=', districtId)
      .execute();
    for (const r of rows)
      ref.students.set(r.sis_id, { id: r.id, schoolId: r.school_id, householdKey: r.household_key });
  }
  if (parts.enrollments) {
    const rows = await trx
      .selectFrom('enrollment as e')
      .select(['e.student_id', 'e.school_id', 'e.entry_date', 'e.exit_date'])
      .where(
        sql<boolean>`e.student_id = ANY (ARRAY(SELECT id FROM student WHERE district_id = ${districtId}))`,
      )
      .orderBy('e.entry_date')
      .execute();
    for (const r of rows) {
      const list: EnrollmentWindow[] = ref.enrollments.get(r.student_id) ?? [];
      list.push({ schoolId: r.school_id, entry: r.entry_date, exit: r.exit_date });
      ref.enrollments.set(r.student_id, list);
    }
  }
  if (parts.calendars) {
    const rows = await trx
      .selectFrom('calendar_day as c')
      .innerJoin('school as s', 's.id', 'c.school_id')
      .select(['c.school_id', 'c.date', 'c.instructional', 'c.day_fraction'])
      .where('s.district_id', '=', districtId)
      .execute();
    for (const r of rows) {
      let m = ref.calendars.get(r.school_id);
      if (!m) ref.calendars.set(r.school_id, (m = new Map()));
      m.set(r.date, { instructional: r.instructional, fraction: r.day_fraction });
    }
  }
  return ref;
}

export async function createStage(
  trx: Trx,
  name: string,
  columns: readonly (readonly [string, string])[],
): Promise<void> {
  const cols = [['line', 'integer'], ...columns].map(([n, t]) => `${n} ${t}`).join(', ');
  await sql.raw(`CREATE TEMP TABLE ${name} (${cols}) ON COMMIT DROP`).execute(trx);
}

/** Temporary tables are never auto-analyzed: give the planner row counts before joining big tables. */
export async function analyzeStage(trx: Trx, name: string): Promise<void> {
  await sql.raw(`ANALYZE ${name}`).execute(trx);
}

/** Keys that occur on more than one line of the staged file (at most `limit`), with `shown` (a SQL expression) of the first. */
export async function duplicateKeys(
  trx: Trx,
  stage: string,
  key: readonly string[],
  shown: string,
  limit = 50,
): Promise<{ shown: string; lines: number[] }[]> {
  const r = await sql<{ shown: string; lines: number[] }>`
    SELECT min(${sql.raw(shown)}) AS shown, array_agg(line ORDER BY line) AS lines
    FROM ${sql.table(stage)} GROUP BY ${sql.raw(key.join(', '))} HAVING count(*) > 1 ORDER BY min(line) LIMIT ${limit}`.execute(
    trx,
  );
  return r.rows;
}

/** Serializes imports into one district until the transaction ends (key space: 'pilot.import', district). */
export async function lockDistrictImports(trx: Trx, districtId: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('pilot.import'), ${districtId}::int)`.execute(trx);
}

export async function findImport(
  trx: Trx,
  districtId: number,
  kind: string,
  sha256: string,
): Promise<{ id: number; imported_at: Date } | undefined> {
  return trx
    .selectFrom('import_file')
    .select(['id', 'imported_at'])
    .where('district_id', '=', districtId)
    .where('kind', '=', kind)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
}

export async function insertImport(
  trx: Trx,
  v: {
    districtId: number;
    kind: string;
    sha256: string;
    fileName: string;
    rowsRead: number;
    warnings: unknown[];
  },
): Promise<number> {
  const r = await trx
    .insertInto('import_file')
    .values({
      district_id: v.districtId,
      kind: v.kind,
      sha256: v.sha256,
      file_name: v.fileName,
      rows_read: v.rowsRead,
      rows_inserted: 0,
      rows_replaced: 0,
      rows_unchanged: 0,
      warnings: JSON.stringify(v.warnings),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function setImportCounts(
  trx: Trx,
  id: number,
  c: { rowsRead: number; inserted: number; replaced: number; unchanged: number },
): Promise<void> {
  await trx
    .updateTable('import_file')
    .set({
      rows_read: c.rowsRead,
      rows_inserted: c.inserted,
      rows_replaced: c.replaced,
      rows_unchanged: c.unchanged,
    })
    .where('id', '=', id)
    .execute();
}

/** The warnings an import was accepted with, kept on its import_file row. */
export async function setImportWarnings(trx: Trx, id: number, warnings: readonly unknown[]): Promise<void> {
  await trx
    .updateTable('import_file')
    .set({ warnings: JSON.stringify(warnings) })
    .where('id', '=', id)
    .execute();
}

export async function savepoint(trx: Trx, name: string): Promise<void> {
  await sql.raw(`SAVEPOINT ${name}`).execute(trx);
}

export async function releaseSavepoint(trx: Trx, name: string): Promise<void> {
  await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(trx);
}

export async function rollbackToSavepoint(trx: Trx, name: string): Promise<void> {
  await sql.raw(`ROLLBACK TO SAVEPOINT ${name}`).execute(trx);
}

/** How staged rows become rows of a table: its natural key and the columns a later file may replace. */
export interface MergeSpec {
  table: string;
  key: readonly string[];
  /** The key columns a row_revision's row_key is made of (default: key). */
  rowKey?: readonly string[];
  /** Columns left out of a revision's `previous` besides import_id (what the row key already implies). */
  omitFromPrevious?: readonly string[];
  values: readonly string[];
  /** A SELECT producing the key and value columns (from the stage, joined as needed). */
  source: string;
}

/**
 * Upserts the staged rows into spec.table by natural key. A row whose values change keeps its old
 * values in row_revision (which import replaced it, and what it held); identical rows are left alone;
 * nothing absent from the file is deleted. Returns rows inserted and replaced.
 */
export async function mergeStaged(
  trx: Trx,
  spec: MergeSpec,
  importId: number,
): Promise<{ inserted: number; replaced: number }> {
  const keyCols = spec.key.join(', ');
  const valCols = spec.values.join(', ');
  const on = spec.key.map((k) => `t.${k} = s.${k}`).join(' AND ');
  const differs = `(${spec.values.map((v) => `t.${v}`).join(', ')}) IS DISTINCT FROM (${spec.values.map((v) => `s.${v}`).join(', ')})`;
  const revisions = await sql`
    INSERT INTO row_revision (import_id, table_name, row_key, previous, previous_import_id)
    SELECT ${importId}, ${spec.table}, concat_ws(':', ${sql.raw((spec.rowKey ?? spec.key).map((k) => `t.${k}::text`).join(', '))}),
           to_jsonb(t) - ${sql.raw(['import_id', ...(spec.omitFromPrevious ?? [])].map((c) => `'${c}'`).join(' - '))}, t.import_id
    FROM ${sql.table(spec.table)} t JOIN (${sql.raw(spec.source)}) s ON ${sql.raw(on)}
    WHERE ${sql.raw(differs)}`.execute(trx);
  const replaced = Number(revisions.numAffectedRows ?? 0);
  const upsert = await sql`
    INSERT INTO ${sql.table(spec.table)} (${sql.raw(keyCols)}, ${sql.raw(valCols)}, import_id)
    SELECT ${sql.raw(keyCols)}, ${sql.raw(valCols)}, ${importId}::int FROM (${sql.raw(spec.source)}) s
    ON CONFLICT (${sql.raw(keyCols)}) DO UPDATE SET ${sql.raw(spec.values.map((v) => `${v} = EXCLUDED.${v}`).join(', '))}, import_id = EXCLUDED.import_id
    WHERE (${sql.raw(spec.values.map((v) => `${spec.table}.${v}`).join(', '))}) IS DISTINCT FROM (${sql.raw(spec.values.map((v) => `EXCLUDED.${v}`).join(', '))})`.execute(
    trx,
  );
  const written = Number(upsert.numAffectedRows ?? 0);
  return { inserted: written - replaced, replaced };
}

export async function insertHouseholds(trx: Trx, districtId: number, stage: string): Promise<void> {
  await sql`INSERT INTO household (district_id, household_key)
            SELECT DISTINCT ${districtId}::int, household_key FROM ${sql.table(stage)}
            ON CONFLICT (district_id, household_key) DO NOTHING`.execute(trx);
}

/** Contact ids whose rows disagree about the person (name, phone, household, …). */
export async function conflictingContacts(
  trx: Trx,
  stage: string,
): Promise<{ key: string; lines: number[] }[]> {
  const r = await sql<{ key: string; lines: number[] }>`
    SELECT contact_key AS key, array_agg(line ORDER BY line) AS lines FROM ${sql.table(stage)}
    GROUP BY contact_key
    HAVING count(DISTINCT (household_key, relationship, first_name, last_name, phone_e164, email, language, sms_consent, opt_out_at, opt_out_channel)) > 1
    ORDER BY min(line) LIMIT 50`.execute(trx);
  return r.rows;
}

export async function linkCaregivers(trx: Trx, districtId: number, stage: string): Promise<void> {
  await sql`INSERT INTO caregiver_student (caregiver_id, student_id)
            SELECT c.id, s.student_id FROM ${sql.table(stage)} s
            JOIN caregiver c ON c.district_id = ${districtId} AND c.contact_key = s.contact_key
            ON CONFLICT DO NOTHING`.execute(trx);
}

/** Applies an opt-out to every staged contact sharing the opted-out phone number; returns how many. */
export async function spreadPhoneOptOuts(trx: Trx, stage: string): Promise<number> {
  const r = await sql`
    UPDATE ${sql.table(stage)} s SET opt_out_at = o.opt_out_at, opt_out_channel = o.opt_out_channel
    FROM (SELECT DISTINCT ON (phone_e164) phone_e164, opt_out_at, opt_out_channel FROM ${sql.table(stage)}
          WHERE phone_e164 IS NOT NULL AND opt_out_at IS NOT NULL ORDER BY phone_e164, opt_out_at) o
    WHERE s.phone_e164 = o.phone_e164 AND s.opt_out_at IS NULL`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Each opted-out phone number of the district's caregivers, with its earliest opt-out. */
const optedOutNumbers = (districtId: number) => sql`
  SELECT DISTINCT ON (phone_e164) phone_e164, opt_out_at, opt_out_channel FROM caregiver
  WHERE district_id = ${districtId} AND phone_e164 IS NOT NULL AND opt_out_at IS NOT NULL
  ORDER BY phone_e164, opt_out_at`;

/**
 * Before a contacts merge: a stored opt-out is never undone by a file that leaves it blank (an export
 * that says nothing is not a new consent), and a staged contact whose phone number a stored caregiver
 * of the district opted out is opted out too. Returns how many staged rows each rule changed.
 */
export async function keepStoredOptOuts(
  trx: Trx,
  districtId: number,
  stage: string,
): Promise<{ kept: number; byNumber: number }> {
  const kept = await sql`
    UPDATE ${sql.table(stage)} s SET opt_out_at = c.opt_out_at, opt_out_channel = c.opt_out_channel
    FROM caregiver c
    WHERE c.district_id = ${districtId} AND c.contact_key = s.contact_key
      AND c.opt_out_at IS NOT NULL AND s.opt_out_at IS NULL`.execute(trx);
  const byNumber = await sql`
    UPDATE ${sql.table(stage)} s SET opt_out_at = o.opt_out_at, opt_out_channel = o.opt_out_channel
    FROM (${optedOutNumbers(districtId)}) o
    WHERE s.phone_e164 = o.phone_e164 AND s.opt_out_at IS NULL`.execute(trx);
  return { kept: Number(kept.numAffectedRows ?? 0), byNumber: Number(byNumber.numAffectedRows ?? 0) };
}

/**
 * After a merge of caregivers: caregivers of the district whose phone number is now opted out are
 * opted out too (the earliest opt-out of the number). A change to a row the import did not write is
 * kept in row_revision as the import's; rows it wrote (a OneRoster zip carries no opt-out) are simply
 * completed. Returns how many rows changed.
 */
export async function spreadOptOutsToStored(trx: Trx, districtId: number, importId: number): Promise<number> {
  const r = await sql`
    WITH opted AS (${optedOutNumbers(districtId)}), targets AS (
      SELECT c.* FROM caregiver c JOIN opted o ON o.phone_e164 = c.phone_e164
      WHERE c.district_id = ${districtId} AND c.opt_out_at IS NULL
    ), revisions AS (
      INSERT INTO row_revision (import_id, table_name, row_key, previous, previous_import_id)
      SELECT ${importId}, 'caregiver', concat_ws(':', t.district_id::text, t.contact_key), to_jsonb(t) - 'import_id', t.import_id
      FROM targets t WHERE t.import_id IS DISTINCT FROM ${importId}
    )
    UPDATE caregiver c SET opt_out_at = o.opt_out_at, opt_out_channel = o.opt_out_channel, import_id = ${importId}
    FROM targets t JOIN opted o ON o.phone_e164 = t.phone_e164
    WHERE c.id = t.id`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Staged enrollment windows that overlap a stored window of the same student under another key (another
 * school, or another entry date: a corrected entry date is a new window, and nothing is deleted).
 */
export async function overlapsStoredEnrollments(trx: Trx, stage: string): Promise<number[]> {
  const r = await sql<{ line: number }>`
    SELECT DISTINCT s.line FROM ${sql.table(stage)} s
    JOIN enrollment e ON e.student_id = s.student_id AND NOT (e.school_id = s.school_id AND e.entry_date = s.entry_date)
     AND e.entry_date <= coalesce(s.exit_date, 'infinity'::date) AND s.entry_date <= coalesce(e.exit_date, 'infinity'::date)
    ORDER BY s.line`.execute(trx);
  return r.rows.map((x) => x.line);
}

/** Enrollment windows of one student in the file that overlap each other. */
export async function overlappingEnrollments(trx: Trx, stage: string): Promise<{ lines: number[] }[]> {
  const r = await sql<{ lines: number[] }>`
    SELECT ARRAY[a.line, b.line] AS lines FROM ${sql.table(stage)} a JOIN ${sql.table(stage)} b
      ON a.student_id = b.student_id AND a.line < b.line
     AND a.entry_date <= coalesce(b.exit_date, 'infinity'::date) AND b.entry_date <= coalesce(a.exit_date, 'infinity'::date)
    ORDER BY a.line LIMIT 50`.execute(trx);
  return r.rows;
}

/**
 * Students of this district whose state id is also on another district's roster in the same study
 * (a transfer, or one child enrolled twice): the first randomization stands, so they are reported.
 */
export async function sharedStateIds(
  trx: Trx,
  districtId: number,
): Promise<{ count: number; example: string | null }> {
  const r = await sql<{ count: number; example: string | null }>`
    SELECT count(*)::int AS count, min(s.state_id) AS example
    FROM student s
    JOIN district d ON d.id = s.district_id
    WHERE s.district_id = ${districtId} AND s.state_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM student o JOIN district od ON od.id = o.district_id
                  WHERE o.state_id = s.state_id AND o.district_id <> s.district_id AND od.study_id = d.study_id)`.execute(
    trx,
  );
  return r.rows[0];
}

/** Whether the district's attendance_day partition exists yet (migration 004). */
export async function hasAttendancePartition(trx: Trx, districtId: number): Promise<boolean> {
  const r = await sql<{
    t: string | null;
  }>`SELECT to_regclass(${`attendance_day_d${districtId}`})::text AS t`.execute(trx);
  return r.rows[0].t !== null;
}

/**
 * Creates an unattached, unindexed partition for the district's first bulk load, of one import's rows;
 * returns its name.
 */
export async function newAttendancePartition(
  trx: Trx,
  districtId: number,
  importId: number,
): Promise<string> {
  const r = await sql<{
    t: string;
  }>`SELECT attendance_day_new_partition(${districtId}::int, ${importId}::int) AS t`.execute(trx);
  return r.rows[0].t;
}

/**
 * Indexes, checks and attaches a partition made by newAttendancePartition.
 * @throws {AppError} CONFLICT (reason duplicate_key) when two rows share a key
 */
export async function attachAttendancePartition(trx: Trx, districtId: number): Promise<void> {
  try {
    await sql`SELECT attendance_day_attach_partition(${districtId}::int)`.execute(trx);
  } catch (error) {
    throw duplicateKeyConflict(error, 'attendance_day');
  }
}

/** Makes sure rows of the district can be written through attendance_day (importId: the import under way). */
export async function ensureAttendancePartition(
  trx: Trx,
  districtId: number,
  importId: number,
): Promise<void> {
  if (await hasAttendancePartition(trx, districtId)) return;
  await newAttendancePartition(trx, districtId, importId);
  await attachAttendancePartition(trx, districtId);
}
