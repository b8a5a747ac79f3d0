import { parseIsoDate } from '../normalize/values.ts';
import type { TableRow } from './csv-table.ts';
import type { ImportLog } from './import-log.ts';
import type { Orgs } from './orgs.ts';
import type { Students } from './students.ts';
import { openTable, type Table } from './table.ts';
import type { OneRosterEnrollment, OneRosterSession } from './types.ts';
import type { Users } from './users.ts';
import type { ZipEntry } from './zip-entries.ts';

const ENROLLMENT_COLUMNS = [
  { name: 'sourcedId', required: true },
  { name: 'status' },
  { name: 'classSourcedId', required: true },
  { name: 'schoolSourcedId', required: true },
  { name: 'userSourcedId', required: true },
  { name: 'role', required: true },
  { name: 'beginDate' },
  { name: 'endDate' },
];

/** A date cell: '' → null; a bad date is a problem (returns undefined). */
function optionalDate(t: Table, r: TableRow, name: string, log: ImportLog): string | null | undefined {
  const raw = t.get(r, name);
  if (raw === '') return null;
  const d = parseIsoDate(raw);
  if (d.ok) return d.value;
  log.problem(t.file, r.line, t.label(name), d.reason);
  return undefined;
}

/**
 * Read `enrollments.csv`, keeping students' rows (class enrollments of teachers are skipped). The
 * user and school must exist (else a problem), dates are YYYY-MM-DD, and beginDate must come
 * before endDate (OneRoster's endDate is exclusive).
 */
export function readEnrollments(
  entry: ZipEntry,
  users: Users,
  students: Students,
  orgs: Orgs,
  log: ImportLog,
): OneRosterEnrollment[] {
  const t = openTable(entry, ENROLLMENT_COLUMNS, log);
  if (!t) return [];
  const out: OneRosterEnrollment[] = [];
  const lines = new Map<string, number>();
  for (const r of t.records) {
    const sourcedId = t.get(r, 'sourcedId');
    const earlier = lines.get(sourcedId);
    if (earlier !== undefined) {
      log.problem(
        t.file,
        r.line,
        t.label('sourcedId'),
        `sourcedId '${sourcedId}' is used twice (first on line ${earlier})`,
      );
      continue;
    }
    lines.set(sourcedId, r.line);
    const userId = t.get(r, 'userSourcedId');
    const user = users.byId.get(userId);
    if (!user) {
      log.problem(
        t.file,
        r.line,
        t.label('userSourcedId'),
        `userSourcedId '${userId}' is not a user in users.csv`,
      );
      continue;
    }
    const student = students.primaryOf.get(userId);
    if (student === undefined || user.role !== 'student') continue;
    const school = t.get(r, 'schoolSourcedId');
    if (orgs.types.get(school) !== 'school') {
      log.problem(
        t.file,
        r.line,
        t.label('schoolSourcedId'),
        `schoolSourcedId '${school}' is not a school in orgs.csv`,
      );
      continue;
    }
    const beginDate = optionalDate(t, r, 'beginDate', log);
    const endDate = optionalDate(t, r, 'endDate', log);
    if (beginDate === undefined || endDate === undefined) continue;
    if (beginDate !== null && endDate !== null && endDate <= beginDate) {
      log.problem(
        t.file,
        r.line,
        t.label('endDate'),
        `endDate ${endDate} is not after beginDate ${beginDate} (endDate is exclusive)`,
      );
      continue;
    }
    out.push({
      sourcedId,
      studentSourcedId: student,
      schoolSourcedId: school,
      classSourcedId: t.get(r, 'classSourcedId'),
      role: t.get(r, 'role'),
      beginDate,
      endDate,
      line: r.line,
    });
  }
  return out;
}

const SESSION_COLUMNS = [
  { name: 'sourcedId', required: true },
  { name: 'status' },
  { name: 'title', required: true },
  { name: 'type', required: true },
  { name: 'startDate', required: true },
  { name: 'endDate', required: true },
  { name: 'parentSourcedId' },
  { name: 'schoolYear', required: true },
];

/** Read `academicSessions.csv`: terms and school years with YYYY-MM-DD dates and a 4-digit schoolYear. */
export function readAcademicSessions(entry: ZipEntry, log: ImportLog): OneRosterSession[] {
  const t = openTable(entry, SESSION_COLUMNS, log);
  if (!t) return [];
  const out: OneRosterSession[] = [];
  for (const r of t.records) {
    const startDate = optionalDate(t, r, 'startDate', log);
    const endDate = optionalDate(t, r, 'endDate', log);
    const schoolYear = t.get(r, 'schoolYear');
    if (!/^\d{4}$/.test(schoolYear)) {
      log.problem(
        t.file,
        r.line,
        t.label('schoolYear'),
        `schoolYear '${schoolYear}' must be the 4-digit year the school year ends`,
      );
      continue;
    }
    if (!startDate || !endDate) {
      if (startDate === null || endDate === null)
        log.problem(
          t.file,
          r.line,
          t.label(startDate === null ? 'startDate' : 'endDate'),
          'the date is empty',
        );
      continue;
    }
    if (endDate < startDate) {
      log.problem(t.file, r.line, t.label('endDate'), `endDate ${endDate} is before startDate ${startDate}`);
      continue;
    }
    const parent = t.get(r, 'parentSourcedId');
    out.push({
      sourcedId: t.get(r, 'sourcedId'),
      title: t.get(r, 'title'),
      type: t.get(r, 'type'),
      startDate,
      endDate,
      schoolYear,
      parentSourcedId: parent === '' ? null : parent,
      line: r.line,
    });
  }
  return out;
}
