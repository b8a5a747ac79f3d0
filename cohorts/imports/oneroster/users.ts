import type { ImportLog } from './import-log.ts';
import type { OneRosterVersion } from './manifest.ts';
import { openTable, type ColumnSpec } from './table.ts';
import type { ZipEntry } from './zip-entries.ts';

/** One row of users.csv, with role and orgs resolved (from roles.csv in 1.2). */
export interface UserRecord {
  sourcedId: string;
  line: number;
  role: string;
  orgSourcedIds: string[];
  identifier: string;
  stateId: string | null;
  givenName: string;
  familyName: string;
  email: string;
  sms: string;
  phone: string;
  agentSourcedIds: string[];
  grades: string[];
}

export interface Users {
  file: string;
  byId: Map<string, UserRecord>;
  /** In file order. */
  all: UserRecord[];
  /** Column headers as written, for problems. */
  label(name: string): string;
}

/** A OneRoster list field: `"s1,s2"` → ['s1', 's2']. */
export function splitList(cell: string): string[] {
  if (cell === '') return [];
  return cell
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The state id among `userIds` (`{state:12345},{LDAP:jdoe}`): the first whose type mentions "state". */
export function stateIdOf(userIds: string): string | null {
  for (const m of userIds.matchAll(/\{\s*([^:{}]*?)\s*:\s*([^{}]*?)\s*\}/g)) {
    if (/state/i.test(m[1]) && m[2] !== '') return m[2];
  }
  return null;
}

function userColumns(version: OneRosterVersion, hasRoles: boolean): ColumnSpec[] {
  const roleInUsers = version === '1.1' || !hasRoles;
  return [
    { name: 'sourcedId', required: true },
    { name: 'status' },
    { name: 'orgSourcedIds', required: roleInUsers },
    { name: 'role', required: roleInUsers },
    { name: 'userIds', aliases: ['userId'] },
    { name: 'givenName', required: true },
    { name: 'familyName', required: true },
    { name: 'identifier' },
    { name: 'email' },
    { name: 'sms' },
    { name: 'phone' },
    { name: 'agentSourcedIds', aliases: ['agents'] },
    { name: 'grades' },
    { name: 'primaryOrgSourcedId' },
  ];
}

/**
 * Read `users.csv` (and, for 1.2, `roles.csv`, where a user's roles and orgs live). A duplicate
 * sourcedId is a problem. In 1.2 without roles.csv, `role`/`orgSourcedIds` columns in users.csv
 * are used with a warning; without either, the import is refused.
 */
export function readUsers(
  users: ZipEntry,
  roles: ZipEntry | undefined,
  version: OneRosterVersion,
  log: ImportLog,
): Users | null {
  const t = openTable(users, userColumns(version, roles !== undefined), log);
  if (!t) return null;
  if (version === '1.2' && roles === undefined) {
    log.warn(
      t.file,
      1,
      'role',
      'OneRoster 1.2 keeps roles in roles.csv, which the zip lacks; role and orgSourcedIds are read from users.csv',
    );
  }
  const byId = new Map<string, UserRecord>();
  const all: UserRecord[] = [];
  for (const r of t.records) {
    const sourcedId = t.get(r, 'sourcedId');
    if (sourcedId === '') {
      log.problem(t.file, r.line, t.label('sourcedId'), 'sourcedId is empty');
      continue;
    }
    const first = byId.get(sourcedId);
    if (first) {
      log.problem(
        t.file,
        r.line,
        t.label('sourcedId'),
        `sourcedId '${sourcedId}' is used twice (first on line ${first.line}); each user must have its own`,
      );
      continue;
    }
    const primaryOrg = t.get(r, 'primaryOrgSourcedId');
    const orgs = splitList(t.get(r, 'orgSourcedIds'));
    const user: UserRecord = {
      sourcedId,
      line: r.line,
      role: t.get(r, 'role').trim(),
      orgSourcedIds: primaryOrg !== '' ? [primaryOrg, ...orgs.filter((o) => o !== primaryOrg)] : orgs,
      identifier: t.get(r, 'identifier').trim(),
      stateId: stateIdOf(t.get(r, 'userIds')),
      givenName: t.get(r, 'givenName').trim(),
      familyName: t.get(r, 'familyName').trim(),
      email: t.get(r, 'email').trim(),
      sms: t.get(r, 'sms').trim(),
      phone: t.get(r, 'phone').trim(),
      agentSourcedIds: splitList(t.get(r, 'agentSourcedIds')),
      grades: splitList(t.get(r, 'grades')),
    };
    byId.set(sourcedId, user);
    all.push(user);
  }
  if (version === '1.2' && roles !== undefined) applyRoles(roles, byId, log);
  return { file: t.file, byId, all, label: (name) => t.label(name) };
}

const ROLE_COLUMNS: ColumnSpec[] = [
  { name: 'sourcedId' },
  { name: 'status' },
  { name: 'userSourcedId', required: true },
  { name: 'roleType', required: true },
  { name: 'role', required: true },
  { name: 'orgSourcedId', required: true },
];

/** 1.2: a user's role is its `primary` role; its orgs are the primary role's org, then the others. */
function applyRoles(entry: ZipEntry, byId: Map<string, UserRecord>, log: ImportLog): void {
  const t = openTable(entry, ROLE_COLUMNS, log);
  if (!t) return;
  const primaryLine = new Map<string, number>();
  for (const r of t.records) {
    const userId = t.get(r, 'userSourcedId');
    const user = byId.get(userId);
    if (!user) {
      log.problem(
        t.file,
        r.line,
        t.label('userSourcedId'),
        `userSourcedId '${userId}' is not a user in users.csv`,
      );
      continue;
    }
    const roleType = t.get(r, 'roleType');
    const org = t.get(r, 'orgSourcedId');
    if (roleType !== 'primary' && roleType !== 'secondary') {
      log.problem(t.file, r.line, t.label('roleType'), `roleType '${roleType}' must be primary or secondary`);
      continue;
    }
    if (roleType === 'primary') {
      const earlier = primaryLine.get(userId);
      if (earlier !== undefined) {
        log.problem(
          t.file,
          r.line,
          t.label('roleType'),
          `user '${userId}' has a second primary role (first on line ${earlier})`,
        );
        continue;
      }
      primaryLine.set(userId, r.line);
      user.role = t.get(r, 'role').trim();
      user.orgSourcedIds = [org, ...user.orgSourcedIds.filter((o) => o !== org)];
    } else {
      if (user.role === '') user.role = t.get(r, 'role').trim();
      if (!user.orgSourcedIds.includes(org)) user.orgSourcedIds.push(org);
    }
  }
  for (const user of byId.values()) {
    if (user.role === '') {
      log.warn(
        t.file,
        0,
        'userSourcedId',
        `user '${user.sourcedId}' (users.csv line ${user.line}) has no role in roles.csv; it is ignored`,
        'roles-missing',
      );
    }
  }
}
