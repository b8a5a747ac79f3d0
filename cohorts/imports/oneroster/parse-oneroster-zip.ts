import { buildGuardians, linkAgents } from './caregivers.ts';
import { readDemographics } from './demographics-file.ts';
import { readAcademicSessions, readEnrollments } from './enrollments.ts';
import { householdKeys } from './households.ts';
import { ImportLog } from './import-log.ts';
import { readManifest, type Manifest } from './manifest.ts';
import { readOrgs } from './orgs.ts';
import { buildStudents } from './students.ts';
import type { OneRosterParseResult, OneRosterStudent } from './types.ts';
import { readUsers } from './users.ts';
import { readZipEntries, type OneRosterFileName, type ZipEntry } from './zip-entries.ts';

/**
 * Parse a OneRoster 1.1 or 1.2 bulk CSV zip into the roster Pilot imports: the district, its
 * schools, students (grade normalized, demographics attached, split identities merged), caregivers
 * linked two-way through `agentSourcedIds`, derived households, student enrollments and academic
 * sessions. Pure: the bytes in, a result out.
 *
 * Every problem names the inner file (`oneroster.zip:users.csv`), the line (0 = the file or zip
 * as a whole, 1 = the header), the column as written in the file, and the reason. Any problem makes
 * the result `{ ok: false }`, so the importer changes nothing; warnings never block. Files read:
 * manifest.csv, orgs.csv, users.csv (required); roles.csv (1.2); demographics.csv, enrollments.csv,
 * academicSessions.csv (optional). Classes, courses and gradebook files are not read.
 *
 * @param fileName the zip's name as the user gave it, used to label problems
 */
export function parseOneRosterZip(bytes: Uint8Array, fileName: string): OneRosterParseResult {
  const log = new ImportLog();
  const fail = (): OneRosterParseResult => ({
    ok: false,
    problems: log.allProblems(),
    warnings: log.warnings(),
  });
  const zip = readZipEntries(bytes, fileName);
  if (!zip.ok) {
    log.problem(zip.problem.file, zip.problem.line, zip.problem.column, zip.problem.reason);
    return fail();
  }
  const manifestEntry = zip.entries.get('manifest.csv');
  if (!manifestEntry) {
    log.problem(
      fileName,
      0,
      null,
      'the zip has no manifest.csv: a OneRoster CSV export starts with one (propertyName,value)',
    );
    return fail();
  }
  const manifest = readManifest(manifestEntry, log);
  if (!manifest) return fail();
  const pick = (name: OneRosterFileName, required: boolean): ZipEntry | undefined =>
    pickEntry(zip.entries, manifest, manifestEntry.label, fileName, name, required, log);
  const orgsEntry = pick('orgs.csv', true);
  const usersEntry = pick('users.csv', true);
  const rolesEntry = manifest.version === '1.2' ? pick('roles.csv', false) : undefined;
  if (log.failed || !orgsEntry || !usersEntry) return fail();

  const orgs = readOrgs(orgsEntry, log);
  const users = readUsers(usersEntry, rolesEntry, manifest.version, log);
  if (!orgs || !users) return fail();
  const students = buildStudents(users, orgs, log);
  const guardians = buildGuardians(users, log);
  const links = linkAgents(users, students, guardians, log);
  const demographicsEntry = pick('demographics.csv', false);
  const demographics = demographicsEntry
    ? readDemographics(demographicsEntry, users, students, log)
    : new Map();
  const enrollmentsEntry = pick('enrollments.csv', false);
  const enrollments = enrollmentsEntry ? readEnrollments(enrollmentsEntry, users, students, orgs, log) : [];
  const sessionsEntry = pick('academicSessions.csv', false);
  const academicSessions = sessionsEntry ? readAcademicSessions(sessionsEntry, log) : [];
  if (log.failed) return fail();

  const households = householdKeys(
    students.list.map((s) => s.sourcedId),
    links,
  );
  const guardiansOf = new Map<string, string[]>();
  for (const [s, g] of links) guardiansOf.set(s, [...(guardiansOf.get(s) ?? []), g]);
  const studentsOut: OneRosterStudent[] = students.list.map((s) => {
    const d = demographics.get(s.sourcedId);
    const linked = guardiansOf.get(s.sourcedId) ?? [];
    if (linked.length === 0) {
      log.warn(
        users.file,
        s.line,
        users.label('agentSourcedIds'),
        'student has no caregiver linked through agentSourcedIds; it forms a household alone',
        'no-caregiver',
      );
    }
    return {
      ...s,
      sex: d?.sex ?? null,
      raceEthnicity: d?.raceEthnicity ?? null,
      birthDate: d?.birthDate ?? null,
      householdKey: households.students.get(s.sourcedId)!,
      guardianSourcedIds: linked,
    };
  });
  return {
    ok: true,
    version: manifest.version,
    district: orgs.district,
    schools: orgs.schools,
    students: studentsOut,
    guardians: guardians.map((g) => ({
      ...g,
      householdKey: households.guardians.get(g.sourcedId) ?? `g:${g.sourcedId}`,
    })),
    enrollments,
    academicSessions,
    warnings: log.warnings(),
  };
}

/**
 * The entry for one file, reconciling the zip with the manifest: a file the manifest calls
 * `absent` is ignored (with a warning if present anyway); a file it calls `bulk` must be in the
 * zip; a file present but not in the manifest is read with a warning; a required file must exist.
 */
function pickEntry(
  entries: Map<OneRosterFileName, ZipEntry>,
  manifest: Manifest,
  manifestLabel: string,
  zipName: string,
  name: OneRosterFileName,
  required: boolean,
  log: ImportLog,
): ZipEntry | undefined {
  const entity = name.slice(0, -4);
  const mode = manifest.modes.get(entity);
  const entry = entries.get(name);
  if (mode === 'delta') return undefined; // already a problem
  if (mode === 'absent') {
    if (required)
      log.problem(manifestLabel, 0, 'value', `file.${entity} is 'absent', but Pilot needs ${name}`);
    else if (entry)
      log.warn(entry.label, 0, null, `the manifest says file.${entity} is absent; ${name} is ignored`);
    return undefined;
  }
  if (!entry) {
    if (mode === 'bulk' || required) {
      log.problem(
        zipName,
        0,
        null,
        `${name} is missing from the zip${mode === 'bulk' ? ` although the manifest lists file.${entity} as bulk` : ''}`,
      );
    }
    return undefined;
  }
  if (mode === undefined)
    log.warn(manifestLabel, 0, null, `the manifest has no file.${entity} row; ${name} is read as bulk`);
  return entry;
}
