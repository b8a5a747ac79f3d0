import { normalizePhone } from '../normalize/phone.ts';
import type { ImportLog } from './import-log.ts';
import type { Students } from './students.ts';
import type { CaregiverRole, OneRosterGuardian } from './types.ts';
import type { UserRecord, Users } from './users.ts';

export const CAREGIVER_ROLES: ReadonlySet<string> = new Set<CaregiverRole>([
  'parent',
  'guardian',
  'relative',
]);

/** A caregiver before households are attached. */
export type GuardianDraft = Omit<OneRosterGuardian, 'householdKey'>;

/**
 * The caregivers of users.csv: role `parent` (mother or father), `guardian` or `relative`. A phone
 * or sms number that is not a valid number is dropped with a warning (OneRoster is not Pilot's
 * source of contact details: the contacts file is), so one garbled number does not block a roster.
 */
export function buildGuardians(users: Users, log: ImportLog): GuardianDraft[] {
  const out: GuardianDraft[] = [];
  for (const u of users.all) {
    if (!CAREGIVER_ROLES.has(u.role)) continue;
    out.push({
      sourcedId: u.sourcedId,
      role: u.role as CaregiverRole,
      identifier: u.identifier === '' ? null : u.identifier,
      givenName: u.givenName,
      familyName: u.familyName,
      email: u.email === '' ? null : u.email,
      phone: phoneOrNull(u.phone, u, 'phone', users, log),
      sms: phoneOrNull(u.sms, u, 'sms', users, log),
      studentSourcedIds: [],
      line: u.line,
    });
  }
  return out;
}

function phoneOrNull(
  raw: string,
  u: UserRecord,
  column: 'phone' | 'sms',
  users: Users,
  log: ImportLog,
): string | null {
  if (raw === '') return null;
  const r = normalizePhone(raw);
  if (r.ok) {
    if (r.note) log.warn(users.file, u.line, users.label(column), r.note);
    return r.value;
  }
  log.warn(users.file, u.line, users.label(column), `${r.reason}; the ${column} number is left out`);
  return null;
}

/**
 * Link students and caregivers through `agentSourcedIds`, which producers fill on the student row,
 * on the caregiver row, or both: every mention is one two-way link, deduplicated. Each id must name
 * a user in users.csv (else a problem), a student's agents must be caregivers, and a caregiver's
 * agents must be students (else a problem: a teacher or another student listed as an agent would
 * otherwise be messaged as a caregiver). Agents on other roles' rows are ignored with a warning.
 * Mentions of a merged student's other sourcedIds resolve to its primary sourcedId.
 *
 * @returns each caregiver's `studentSourcedIds` filled in; returns the links as [student, guardian] pairs.
 */
export function linkAgents(
  users: Users,
  students: Students,
  guardians: GuardianDraft[],
  log: ImportLog,
): Array<[string, string]> {
  const byGuardian = new Map(guardians.map((g) => [g.sourcedId, g]));
  const seen = new Set<string>();
  const links: Array<[string, string]> = [];
  const add = (studentId: string, guardianId: string): void => {
    const student = students.primaryOf.get(studentId);
    const guardian = byGuardian.get(guardianId);
    if (student === undefined || guardian === undefined) return; // a student refused for another problem
    const key = `${student}\u0000${guardianId}`;
    if (seen.has(key)) return;
    seen.add(key);
    links.push([student, guardianId]);
    guardian.studentSourcedIds.push(student);
  };
  const column = users.label('agentSourcedIds');
  for (const u of users.all) {
    if (u.agentSourcedIds.length === 0) continue;
    const isStudent = u.role === 'student';
    if (!isStudent && !CAREGIVER_ROLES.has(u.role)) {
      log.warn(
        users.file,
        u.line,
        column,
        `agentSourcedIds on a '${u.role}' row are ignored; Pilot reads agents of students and caregivers only`,
      );
      continue;
    }
    for (const agentId of u.agentSourcedIds) {
      const agent = users.byId.get(agentId);
      if (!agent) {
        log.problem(
          users.file,
          u.line,
          column,
          `agentSourcedIds lists '${agentId}', which is not a user in users.csv`,
        );
      } else if (isStudent && !CAREGIVER_ROLES.has(agent.role)) {
        log.problem(
          users.file,
          u.line,
          column,
          `agentSourcedIds lists '${agentId}' (line ${agent.line}), whose role is '${agent.role}', not parent, guardian or relative`,
        );
      } else if (!isStudent && agent.role !== 'student') {
        log.problem(
          users.file,
          u.line,
          column,
          `agentSourcedIds of a ${u.role} lists '${agentId}' (line ${agent.line}), whose role is '${agent.role}'; a caregiver's agents must be students`,
        );
      } else if (isStudent) add(u.sourcedId, agentId);
      else add(agentId, u.sourcedId);
    }
  }
  return links;
}
