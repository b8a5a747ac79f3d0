import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Transaction } from 'kysely';
import type { Db, Session } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import type { Database } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { csvRecords, decodeStream } from './csv-records.ts';
import { createLineDecoder } from './text-decoding.ts';
import type { DistrictReference } from './district-reference.ts';
import { MERGES, STAGE_KEYS } from './import-merges.ts';
import { bindHeader, copyField, ProblemSink, type ImportWarning } from './import-problems.ts';
import { attendanceDailyRows } from './import-rows/attendance-daily-rows.ts';
import { attendanceMonthlyRows } from './import-rows/attendance-monthly-rows.ts';
import { calendarRows } from './import-rows/calendar-rows.ts';
import { contactRows } from './import-rows/contact-rows.ts';
import { enrollmentRows } from './import-rows/enrollment-rows.ts';
import type { ImportKind, RowReader, StagedValue } from './import-rows/row-reader.ts';
import { schoolRows } from './import-rows/school-rows.ts';
import { studentRows } from './import-rows/student-rows.ts';
import {
  analyzeStage,
  conflictingContacts,
  createStage,
  duplicateKeys,
  findImport,
  insertHouseholds,
  insertImport,
  linkCaregivers,
  loadDistrictReference,
  lockDistrictImports,
  mergeStaged,
  overlappingEnrollments,
  releaseSavepoint,
  rollbackToSavepoint,
  savepoint,
  setImportCounts,
  spreadPhoneOptOuts,
} from './import.store.ts';
import { oneRosterContactRows, oneRosterSchoolRows, oneRosterStudentRows } from './oneroster-staging.ts';
import { parseOneRosterZip } from './oneroster/parse-oneroster-zip.ts';
import { requireDistrict } from './study.service.ts';

/** What the user asks for: `pilot import KIND` (attendance = daily or monthly, told apart by header). */
export type RequestedKind = 'roster' | 'schools' | 'contacts' | 'calendar' | 'enrollment' | 'attendance';

export interface ImportRequest {
  study: string;
  leaid: string;
  kind: RequestedKind;
  path: string;
  /** Daily attendance lists only absences. */
  exceptions?: boolean;
  encoding?: 'utf-8' | 'windows-1252';
}

export interface ImportSummary {
  kind: ImportKind;
  file: string;
  sha256: string;
  status: 'imported' | 'already_imported';
  importId: number;
  rowsRead: number;
  inserted: number;
  replaced: number;
  unchanged: number;
  warnings: ImportWarning[];
}

export type ProgressFn = (done: number, total: number) => void;

type Trx = Transaction<Database>;
type Counts = { inserted: number; replaced: number };

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function firstBytes(path: string, n: number): Promise<Buffer> {
  for await (const chunk of createReadStream(path, { start: 0, end: n - 1 })) return chunk as Buffer;
  return Buffer.alloc(0);
}

/**
 * The header of a CSV file (its first non-blank line), decoded by the same rules as the rows, so a
 * UTF-16 or undecodable header is refused for its encoding; null when the file holds no header.
 */
async function headerLine(path: string, encoding: ImportRequest['encoding']): Promise<string[] | null> {
  const file = basename(path);
  const head = await firstBytes(path, 4096);
  const decoder = createLineDecoder(file, { encoding });
  const results = head.length < 4096 ? [decoder.push(head), decoder.end()] : [decoder.push(head)];
  let text = '';
  for (const r of results) {
    if (!r.ok) {
      if (text.trim() !== '') break; // the header itself decoded; the row stream reports the bad byte
      throw new AppError('BAD_INPUT', `${file}: ${r.problem.reason}`, { problems: [r.problem] });
    }
    text += r.text;
  }
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  return line === undefined ? null : line.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
}

/** Which stored kind a request is, looking at the file where the request leaves it open. */
async function resolveKind(req: ImportRequest): Promise<ImportKind | 'oneroster'> {
  if (req.kind === 'roster') {
    const magic = await firstBytes(req.path, 4);
    return ZIP_MAGIC.every((b, i) => magic[i] === b) ? 'oneroster' : 'roster';
  }
  if (req.kind === 'attendance') {
    const file = basename(req.path);
    const header = await headerLine(req.path, req.encoding);
    if (header === null) {
      throw new AppError('BAD_INPUT', `${file}: the file is empty; nothing was imported`, {
        problems: [{ file, line: 1, column: null, reason: 'the file is empty; it needs a header row and data rows' }],
      });
    }
    if (header.includes('month')) return 'attendance_monthly';
    if (header.includes('date')) return 'attendance_daily';
    throw new AppError('BAD_INPUT', `cannot tell ${file} apart: an attendance file has a date column (daily) or a month column (monthly)`, {
      problems: [{ file, line: 1, column: null, reason: 'header has neither date nor month' }],
    });
  }
  return req.kind;
}

function readerFor(kind: ImportKind, ref: DistrictReference, req: ImportRequest): RowReader {
  switch (kind) {
    case 'schools': return schoolRows(ref);
    case 'roster': return studentRows(ref);
    case 'contacts': return contactRows(ref);
    case 'calendar': return calendarRows(ref);
    case 'enrollment': return enrollmentRows(ref);
    case 'attendance_daily': return attendanceDailyRows(ref, { exceptions: req.exceptions ?? false });
    case 'attendance_monthly': return attendanceMonthlyRows(ref);
  }
}

const NEEDS: Record<ImportKind, { students?: boolean; enrollments?: boolean; calendars?: boolean }> = {
  schools: {},
  roster: {},
  contacts: { students: true },
  calendar: {},
  enrollment: { students: true },
  attendance_daily: { students: true, enrollments: true, calendars: true },
  attendance_monthly: { students: true, calendars: true },
};

/** Kinds whose new rows may be copied straight into their table (no staging) when nothing conflicts. */
const DIRECT_TABLE: Partial<Record<ImportKind, string>> = {
  attendance_daily: 'attendance_day',
  attendance_monthly: 'attendance_month',
};

const UNIQUE_VIOLATION = '23505';

/**
 * The common case of a large attendance file, fast: every row is new (a first load, or the next month).
 * Rows are validated as they stream and copied straight into the table, inside a savepoint. If any row
 * collides with a stored row or another row of the file, the primary key stops the copy, the savepoint
 * is rolled back, and the caller takes the staged path, which locates duplicates by line and records
 * replaced rows. Returns null in that case.
 */
async function importDirect(
  session: Session,
  trx: Trx,
  table: string,
  kind: ImportKind,
  ref: DistrictReference,
  req: ImportRequest,
  importId: number,
  progress?: ProgressFn,
): Promise<{ rowsRead: number; counts: Counts; sink: ProblemSink } | null> {
  const sink = new ProblemSink(basename(req.path));
  await savepoint(trx, 'direct_copy');
  try {
    const rowsRead = await stageCsv(session, { table, direct: true, importId }, readerFor(kind, ref, req), req, sink, progress);
    if (sink.failed) refuse(sink, sink.file);
    await releaseSavepoint(trx, 'direct_copy');
    return { rowsRead, counts: { inserted: rowsRead, replaced: 0 }, sink };
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await rollbackToSavepoint(trx, 'direct_copy');
    return null;
  }
}

function refuse(sink: ProblemSink, file: string): never {
  const more = sink.problemCount - sink.problems.length;
  throw new AppError(
    'BAD_INPUT',
    `${file}: ${sink.problemCount} problem${sink.problemCount === 1 ? '' : 's'}; nothing was imported${more > 0 ? ` (first ${sink.problems.length} listed)` : ''}`,
    { problems: sink.problems, warnings: sink.warnings },
  );
}

/**
 * Where validated rows are copied: a staging table (each row keeps its line number), or straight into
 * the final table with the import's id when no row can conflict (see importDirect).
 */
type CopyTarget = { table: string; direct: false } | { table: string; direct: true; importId: number };

/** Streams the CSV through the reader into the target table; returns rows read. */
async function stageCsv(session: Session, target: CopyTarget, reader: RowReader, req: ImportRequest, sink: ProblemSink, progress?: ProgressFn): Promise<number> {
  const total = (await stat(req.path)).size;
  let done = 0;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(req.path, { highWaterMark: 1 << 20 })) {
      done += (chunk as Buffer).length;
      progress?.(done, total);
      yield chunk as Buffer;
    }
  }
  let rows = 0;
  async function* lines(): AsyncGenerator<string> {
    const text = decodeStream(bytes(), sink.file, { encoding: req.encoding }, (p) => sink.problem(p.line, p.column, p.reason));
    let header = null;
    for await (const batch of csvRecords(text, (line, reason) => sink.problem(line, null, reason))) {
      let out = '';
      for (const rec of batch) {
        if (header === null) {
          header = bindHeader(rec.fields, reader.required, reader.optional, sink);
          if (header === null) return;
          continue;
        }
        rows++;
        if (rec.fields.length !== header.width) {
          sink.problem(rec.line, null, `line has ${rec.fields.length} fields but the header has ${header.width}`);
          continue;
        }
        const values = reader.read(rec, header, sink);
        if (values === null || sink.failed) continue;
        out += target.direct ? `${values.map(copyField).join(',')},${target.importId}\n` : `${rec.line},${values.map(copyField).join(',')}\n`;
      }
      if (out) yield out;
    }
    if (header === null && sink.problemCount === 0) sink.problem(1, null, 'the file is empty; it needs a header row and data rows');
    else if (header !== null && rows === 0 && sink.problemCount === 0) sink.problem(2, null, 'the file has a header row but no data rows');
  }
  const columns = reader.stageColumns.map(([n]) => n);
  await session.copyCsv(target.table, target.direct ? [...columns, 'import_id'] : ['line', ...columns], lines());
  reader.finish?.(sink);
  return rows;
}

async function stageRows(session: Session, stage: string, columns: readonly (readonly [string, string])[], rows: { line: number; values: StagedValue[] }[]): Promise<void> {
  const text = rows.map((r) => `${r.line},${r.values.map(copyField).join(',')}\n`).join('');
  await session.copyCsv(stage, ['line', ...columns.map(([n]) => n)], [text]);
}

async function checkDuplicates(trx: Trx, stage: string, kind: ImportKind, sink: ProblemSink): Promise<void> {
  const check = STAGE_KEYS[kind];
  for (const d of await duplicateKeys(trx, stage, check.key, check.shown)) {
    sink.problem(d.lines[1], check.column, `the same ${check.what} (${d.shown}) appears on lines ${d.lines.join(', ')}`);
  }
}

/** Merges one staged kind into its tables; returns counts. */
async function mergeKind(trx: Trx, kind: ImportKind, stage: string, districtId: number, importId: number, sink: ProblemSink): Promise<Counts> {
  switch (kind) {
    case 'schools':
      return mergeStaged(trx, MERGES.school(stage, districtId), importId);
    case 'roster':
      await insertHouseholds(trx, districtId, stage);
      return mergeStaged(trx, MERGES.student(stage, districtId), importId);
    case 'contacts': {
      const spread = await spreadPhoneOptOuts(trx, stage);
      if (spread > 0) sink.warn(`opt-out applied to ${spread} other contact row(s) sharing an opted-out phone number`);
      const c = await mergeStaged(trx, MERGES.caregiver(stage, districtId), importId);
      await linkCaregivers(trx, districtId, stage);
      return c;
    }
    case 'calendar':
      return mergeStaged(trx, MERGES.calendar_day(stage), importId);
    case 'enrollment':
      return mergeStaged(trx, MERGES.enrollment(stage), importId);
    case 'attendance_daily':
      return mergeStaged(trx, MERGES.attendance_day(stage), importId);
    case 'attendance_monthly':
      return mergeStaged(trx, MERGES.attendance_month(stage), importId);
  }
}

async function fileChecks(trx: Trx, kind: ImportKind, stage: string, sink: ProblemSink): Promise<void> {
  await checkDuplicates(trx, stage, kind, sink);
  if (kind === 'contacts') {
    for (const c of await conflictingContacts(trx, stage)) {
      sink.problem(c.lines[1], 'contact_id', `contact ${c.key} is described differently on lines ${c.lines.join(', ')} (one caregiver, one set of details)`);
    }
  }
  if (kind === 'enrollment') {
    for (const o of await overlappingEnrollments(trx, stage)) {
      sink.problem(o.lines[1], 'entry_date', `this enrollment window overlaps the one on line ${o.lines[0]} for the same student`);
    }
  }
}

/**
 * Imports one district file in one transaction keyed by its SHA-256: the same file twice changes
 * nothing; a file with any problem changes nothing and is refused with every problem located by file,
 * line and column; rows replace earlier rows with the same natural key, and what they replaced is kept.
 */
export async function importFile(db: Db, req: ImportRequest, actor: string, progress?: ProgressFn): Promise<ImportSummary> {
  const { study, district } = await requireDistrict(db, req.study, req.leaid);
  const file = basename(req.path);
  const size = await stat(req.path).then((s) => s.size, () => -1);
  if (size < 0) throw new AppError('NOT_FOUND', `cannot read ${req.path}`);
  const kind = await resolveKind(req);
  const storedKind: ImportKind = kind === 'oneroster' ? 'roster' : kind;
  const sha256 = await sha256File(req.path);
  let sink = new ProblemSink(file);

  return db.withSession((session) =>
    session.db.transaction().execute(async (trx) => {
      // One import at a time per district: a concurrent request for the same file waits, then finds it imported.
      await lockDistrictImports(trx, district.id);
      const previous = await findImport(trx, district.id, storedKind, sha256);
      if (previous) {
        return { kind: storedKind, file, sha256, status: 'already_imported' as const, importId: previous.id, rowsRead: 0, inserted: 0, replaced: 0, unchanged: 0, warnings: [] };
      }
      let rowsRead: number;
      let counts: Counts;
      let importId: number;
      if (kind === 'oneroster') {
        ({ rowsRead, counts, importId } = await importOneRoster(session, trx, req, district, sha256, sink));
      } else {
        const ref = await loadDistrictReference(trx, district.id, district.leaid, NEEDS[kind]);
        importId = await insertImport(trx, { districtId: district.id, kind, sha256, fileName: file, rowsRead: 0, warnings: [] });
        const direct = DIRECT_TABLE[kind] ? await importDirect(session, trx, DIRECT_TABLE[kind], kind, ref, req, importId, progress) : null;
        if (direct) ({ rowsRead, counts, sink } = direct);
        else {
          sink = new ProblemSink(file);
          const reader = readerFor(kind, ref, req);
          const stage = `stage_${kind}`;
          await createStage(trx, stage, reader.stageColumns);
          rowsRead = await stageCsv(session, { table: stage, direct: false }, reader, req, sink, progress);
          if (sink.failed) refuse(sink, file);
          await analyzeStage(trx, stage);
          await fileChecks(trx, kind, stage, sink);
          if (sink.failed) refuse(sink, file);
          counts = await mergeKind(trx, kind, stage, district.id, importId, sink);
        }
      }
      const unchanged = rowsRead - counts.inserted - counts.replaced;
      await setImportCounts(trx, importId, { rowsRead, ...counts, unchanged: Math.max(0, unchanged) });
      await trx.updateTable('import_file').set({ warnings: JSON.stringify(sink.warnings) }).where('id', '=', importId).execute();
      await appendAuditEvent(trx, {
        actor,
        action: 'import',
        entity: `study:${study.slug}/district:${district.leaid}`,
        details: { kind: storedKind, file, sha256, rows_read: rowsRead, inserted: counts.inserted, replaced: counts.replaced, warnings: sink.warnings.length },
      });
      return { kind: storedKind, file, sha256, status: 'imported' as const, importId, rowsRead, ...counts, unchanged: Math.max(0, unchanged), warnings: sink.warnings };
    }),
  );
}

async function importOneRoster(
  session: Session,
  trx: Trx,
  req: ImportRequest,
  district: { id: number; leaid: string },
  sha256: string,
  sink: ProblemSink,
): Promise<{ rowsRead: number; counts: Counts; importId: number }> {
  const file = basename(req.path);
  const parsed = parseOneRosterZip(new Uint8Array(await readFile(req.path)), file);
  for (const w of parsed.warnings) sink.warn(`${w.file}: ${w.reason}`, w.line);
  if (!parsed.ok) {
    for (const p of parsed.problems) sink.problem(p.line, p.column, p.reason, p.file);
    refuse(sink, file);
  }
  if (parsed.district?.leaid && parsed.district.leaid !== district.leaid) {
    sink.problem(0, 'identifier', `the zip is for district ${parsed.district.leaid}, not ${district.leaid}`, `${file}:orgs.csv`);
    refuse(sink, file);
  }
  sink.warn('OneRoster has no preferred language or SMS consent: caregivers stored as English, no consent, until a contacts.csv says otherwise');
  const importId = await insertImport(trx, { districtId: district.id, kind: 'roster', sha256, fileName: file, rowsRead: 0, warnings: [] });
  const schoolReader = schoolRows({ leaid: district.leaid } as DistrictReference);
  await createStage(trx, 'stage_schools', schoolReader.stageColumns);
  await stageRows(session, 'stage_schools', schoolReader.stageColumns, oneRosterSchoolRows(parsed));
  const c1 = await mergeStaged(trx, MERGES.school('stage_schools', district.id), importId);

  let ref = await loadDistrictReference(trx, district.id, district.leaid, {});
  const byKey = new Map(parsed.schools.map((s) => [s.sourcedId, ref.schools.get(s.sourcedId)!]));
  const studentCols = studentRows(ref).stageColumns;
  await createStage(trx, 'stage_roster', studentCols);
  await stageRows(session, 'stage_roster', studentCols, oneRosterStudentRows(parsed, byKey));
  await insertHouseholds(trx, district.id, 'stage_roster');
  const c2 = await mergeStaged(trx, MERGES.student('stage_roster', district.id), importId);

  ref = await loadDistrictReference(trx, district.id, district.leaid, { students: true });
  const studentIds = new Map([...ref.students].map(([k, v]) => [k, v.id]));
  const contactCols = contactRows(ref).stageColumns;
  await createStage(trx, 'stage_contacts', contactCols);
  await stageRows(session, 'stage_contacts', contactCols, oneRosterContactRows(parsed, studentIds));
  const c3 = await mergeStaged(trx, MERGES.oneRosterCaregiver('stage_contacts', district.id), importId);
  await linkCaregivers(trx, district.id, 'stage_contacts');
  const rowsRead = parsed.schools.length + parsed.students.length + parsed.guardians.length;
  return { rowsRead, counts: { inserted: c1.inserted + c2.inserted + c3.inserted, replaced: c1.replaced + c2.replaced + c3.replaced }, importId };
}
