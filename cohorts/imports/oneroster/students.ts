import { normalizeStudentGrade } from '../normalize/grade.ts';
import type { ImportLog } from './import-log.ts';
import type { Orgs } from './orgs.ts';
import type { OneRosterStudent } from './types.ts';
import type { UserRecord, Users } from './users.ts';

/** A student before demographics and households are attached. */
export type StudentDraft = Omit<
  OneRosterStudent,
  'sex' | 'raceEthnicity' | 'birthDate' | 'householdKey' | 'guardianSourcedIds'
>;

export interface Students {
  list: StudentDraft[];
  /** Every student sourcedId → the primary sourcedId of the person it was merged into. */
  primaryOf: Map<string, string>;
}

function personKeyOf(u: UserRecord): { key: string; source: OneRosterStudent['personKeySource'] } {
  if (u.identifier !== '') return { key: u.identifier, source: 'identifier' };
  if (u.stateId !== null) return { key: u.stateId, source: 'userIds' };
  return { key: u.sourcedId, source: 'sourcedId' };
}

/** Keys that identify one person across sourcedIds: the identifier and the state id, when present. */
function identityKeys(u: UserRecord): string[] {
  const keys: string[] = [];
  if (u.identifier !== '') keys.push(`identifier\u0000${u.identifier}`);
  if (u.stateId !== null) keys.push(`state id\u0000${u.stateId}`);
  return keys;
}

/**
 * The students of users.csv (role `student`), each with a school and a normalized grade.
 *
 * Split identities: exporters that derive sourcedIds from school-scoped keys (Ed-Fi's OneRoster
 * service uses md5 of the natural key) list one child under several sourcedIds. Students with the
 * same `identifier`, or the same state id in `userIds`, are merged into one, the first by
 * line being primary; the merge is reported as a warning, and a disagreement in grade too.
 */
export function buildStudents(users: Users, orgs: Orgs, log: ImportLog): Students {
  const list: StudentDraft[] = [];
  const byKey = new Map<string, StudentDraft>();
  const primaryOf = new Map<string, string>();
  const orgsColumn = users.label('orgSourcedIds');
  for (const u of users.all) {
    if (u.role !== 'student') continue;
    const schools: string[] = [];
    for (const org of u.orgSourcedIds) {
      const type = orgs.types.get(org);
      if (type === undefined) log.problem(users.file, u.line, orgsColumn, `org '${org}' is not in orgs.csv`);
      else if (type === 'school') schools.push(org);
    }
    if (schools.length === 0 && u.orgSourcedIds.every((o) => orgs.types.has(o))) {
      log.problem(users.file, u.line, orgsColumn, `student '${u.sourcedId}' belongs to no school org`);
    }
    const grade = gradeOf(u, users, log);
    if (schools.length === 0 || grade === null) continue;
    const { key, source } = personKeyOf(u);
    if (source === 'sourcedId') {
      log.warn(
        users.file,
        u.line,
        users.label('identifier'),
        'student has no identifier and no state id in userIds; its sourcedId is used as its key',
        'no-identifier',
      );
    }
    const keys = identityKeys(u);
    const matched = keys.find((k) => byKey.has(k));
    const existing = matched === undefined ? undefined : byKey.get(matched);
    if (matched !== undefined && existing) {
      mergeInto(existing, u, schools, grade, matched.replace('\u0000', " '") + "'", users, log);
      for (const k of keys) if (!byKey.has(k)) byKey.set(k, existing);
      primaryOf.set(u.sourcedId, existing.sourcedId);
      continue;
    }
    const draft: StudentDraft = {
      sourcedId: u.sourcedId,
      sourcedIds: [u.sourcedId],
      personKey: key,
      personKeySource: source,
      identifier: u.identifier === '' ? null : u.identifier,
      stateId: u.stateId,
      givenName: u.givenName,
      familyName: u.familyName,
      schoolSourcedId: schools[0],
      schoolSourcedIds: schools,
      grade,
      line: u.line,
    };
    list.push(draft);
    for (const k of keys) byKey.set(k, draft);
    primaryOf.set(u.sourcedId, u.sourcedId);
  }
  return { list, primaryOf };
}

function mergeInto(
  s: StudentDraft,
  u: UserRecord,
  schools: string[],
  grade: StudentDraft['grade'],
  sameKey: string,
  users: Users,
  log: ImportLog,
): void {
  s.sourcedIds.push(u.sourcedId);
  for (const school of schools) if (!s.schoolSourcedIds.includes(school)) s.schoolSourcedIds.push(school);
  log.warn(
    users.file,
    u.line,
    users.label('sourcedId'),
    `sourcedId '${u.sourcedId}' is the same person as '${s.sourcedId}' (line ${s.line}; same ${sameKey}); merged into one student`,
  );
  if (grade !== s.grade) {
    log.warn(
      users.file,
      u.line,
      users.label('grades'),
      `grade '${grade}' differs from '${s.grade}' on line ${s.line} for the same student; '${s.grade}' is kept`,
    );
  }
}

function gradeOf(u: UserRecord, users: Users, log: ImportLog): StudentDraft['grade'] | null {
  const column = users.label('grades');
  if (u.grades.length === 0) {
    log.problem(
      users.file,
      u.line,
      column,
      `student '${u.sourcedId}' has no grade; Pilot needs each student's grade (PK, KG, 01–12)`,
    );
    return null;
  }
  const result = normalizeStudentGrade(u.grades[0]);
  if (!result.ok) {
    log.problem(users.file, u.line, column, result.reason);
    return null;
  }
  if (result.note) log.warn(users.file, u.line, column, result.note);
  if (u.grades.length > 1) {
    log.warn(
      users.file,
      u.line,
      column,
      `student lists several grades (${u.grades.join(', ')}); the first, '${result.value}', is used`,
      'several-grades',
    );
  }
  return result.value;
}
