import { strToU8, zipSync } from 'fflate';
import { csvText } from '../csv/csv-writer.ts';
import { opaqueId } from './opaque-id.ts';
import { ENTITY_FILES, ONEROSTER_HEADERS, WRITTEN } from './oneroster-headers.ts';
import { sortedStudents } from './district-files.ts';
import type { Contact, DistrictPlan, Household, RaceCode, Roster, SchoolCalendar, Student } from './types.ts';

type Row = (string | number | boolean | null)[];

/** Race flags of a RACE7 code; Hispanic students are given a race as OneRoster requires (mostly white). */
function raceFlags(race: RaceCode, studentId: string): { flags: boolean[]; hispanic: boolean } {
  const f = [race === 'AM7', race === 'AS7', race === 'BL7', race === 'PI7', race === 'WH7', race === 'MU7'];
  if (race === 'MU7') {
    f[4] = true; // two or more: white and one other, chosen by the SIS number's last digit
    f[Number(studentId.slice(-1)) % 3 === 0 ? 0 : 2] = true;
  }
  if (race === 'HI7') f[Number(studentId.slice(-1)) < 8 ? 4 : 0] = true;
  return { flags: f, hispanic: race === 'HI7' };
}

/** Homeroom class of a school and grade. */
function classId(plan: DistrictPlan, schoolId: string, grade: string): string {
  return opaqueId(`${plan.leaid}:class:${schoolId}:${grade}`);
}

function usersRows(plan: DistrictPlan, roster: Roster): Row[] {
  const byStudent = new Map(roster.students.map((s) => [s.studentId, s]));
  const byContact = new Map(roster.contacts.map((c) => [c.contactId, c]));
  const byHousehold = new Map(roster.households.map((h) => [h.householdId, h]));
  const studentAgents = new Map<string, string[]>();
  const contactAgents = new Map<string, string[]>();
  for (const h of roster.households) {
    const kids = h.studentIds.map((id) => byStudent.get(id) as Student);
    const adults = h.contactIds.map((id) => byContact.get(id) as Contact);
    if (h.agentSide !== 'guardian')
      for (const k of kids)
        studentAgents.set(
          k.studentId,
          adults.map((a) => a.sourcedId),
        );
    if (h.agentSide !== 'student')
      for (const a of adults)
        contactAgents.set(
          a.contactId,
          kids.map((k) => k.sourcedId),
        );
  }
  const rows: Row[] = sortedStudents(roster).map((s) => [
    s.sourcedId,
    '',
    '',
    'true',
    s.schoolId,
    'student',
    `${s.firstName}.${s.lastName}${s.studentId}`.toLowerCase(),
    '',
    s.firstName,
    s.lastName,
    '',
    s.studentId,
    '',
    '',
    '',
    (studentAgents.get(s.studentId) ?? []).join(','),
    s.grade,
    '',
  ]);
  for (const c of roster.contacts) {
    const h = byHousehold.get(c.householdId) as Household;
    const orgs = [...new Set(h.studentIds.map((id) => (byStudent.get(id) as Student).schoolId))]
      .sort()
      .join(',');
    rows.push([
      c.sourcedId,
      '',
      '',
      'true',
      orgs,
      c.relationship,
      c.contactId.toLowerCase(),
      '',
      c.firstName,
      c.lastName,
      '',
      c.contactId,
      c.email,
      c.smsConsent ? c.phone : '',
      c.phone,
      (contactAgents.get(c.contactId) ?? []).join(','),
      '',
      '',
    ]);
  }
  return rows;
}

/**
 * A OneRoster 1.1 bulk CSV export of one district: manifest, academic session, orgs (district and
 * schools with their NCES ids as `identifier`; school sourcedIds are the local school ids the
 * calendar and enrollment files use), homeroom courses and classes, users (students with their SIS
 * number as `identifier` and an opaque sourcedId; caregivers with role parent/guardian/relative),
 * demographics and homeroom enrollments (endDate exclusive). Guardian links sit in
 * `agentSourcedIds` on the student rows for some households, on the caregiver rows for others,
 * and on both for a few.
 */
export function oneRosterFiles(
  plan: DistrictPlan,
  roster: Roster,
  calendar: SchoolCalendar,
  year: number,
): Record<string, string> {
  const session = opaqueId(`${plan.leaid}:session:${year}`);
  const first = calendar.days[0].date;
  const last = calendar.days[calendar.days.length - 1].date;
  const grades = (lo: number, hi: number) =>
    ['PK', 'KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].slice(lo, hi + 1);
  const dateAt = (p: number) => calendar.days[calendar.instructional[p]].date;
  const dayAfter = (iso: string) =>
    new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const manifest: Row[] = [
    ['manifest.version', '1.0'],
    ['oneroster.version', '1.1'],
    ['source.systemName', 'Pilot synthetic SIS'],
    ['source.systemCode', 'pilot-synth'],
    ...ENTITY_FILES.map((e): Row => [`file.${e}`, WRITTEN.has(e) ? 'bulk' : 'absent']),
  ];
  const courses: Row[] = [];
  const classes: Row[] = [];
  for (const s of plan.schools) {
    const course = opaqueId(`${plan.leaid}:course:${s.schoolId}`);
    const g = grades(s.lowGrade, s.highGrade);
    courses.push([
      course,
      '',
      '',
      session,
      'Homeroom',
      `HR-${s.schoolId}`,
      g.join(','),
      s.schoolId,
      'Homeroom',
      '',
    ]);
    for (const grade of g)
      classes.push([
        classId(plan, s.schoolId, grade),
        '',
        '',
        `Homeroom ${grade}`,
        grade,
        course,
        `HR-${grade}`,
        'homeroom',
        '',
        s.schoolId,
        session,
        '',
        '',
        '',
      ]);
  }
  const enrollments: Row[] = [];
  const demographics: Row[] = [];
  for (const s of sortedStudents(roster)) {
    s.windows.forEach((w, i) => {
      enrollments.push([
        opaqueId(`${s.sourcedId}:enrollment:${i}`),
        '',
        '',
        classId(plan, s.schoolId, s.grade),
        s.schoolId,
        s.sourcedId,
        'student',
        'true',
        dateAt(w.entry),
        w.exit === null ? '' : dayAfter(dateAt(w.exit)),
      ]);
    });
    const { flags, hispanic } = raceFlags(s.race, s.studentId);
    demographics.push([
      s.sourcedId,
      '',
      '',
      s.birthDate,
      s.sex === 'F' ? 'female' : 'male',
      ...flags.map(String),
      String(hispanic),
      '',
      '',
      '',
      '',
    ]);
  }
  return {
    'manifest.csv': csvText(ONEROSTER_HEADERS.manifest, manifest),
    'academicSessions.csv': csvText(ONEROSTER_HEADERS.academicSessions, [
      [session, '', '', `${year}-${year + 1}`, 'schoolYear', first, last, '', year + 1],
    ]),
    'orgs.csv': csvText(ONEROSTER_HEADERS.orgs, [
      [plan.leaid, '', '', plan.name, 'district', plan.leaid, ''],
      ...plan.schools.map((s): Row => [s.schoolId, '', '', s.name, 'school', s.ncesId, plan.leaid]),
    ]),
    'courses.csv': csvText(ONEROSTER_HEADERS.courses, courses),
    'classes.csv': csvText(ONEROSTER_HEADERS.classes, classes),
    'users.csv': csvText(ONEROSTER_HEADERS.users, usersRows(plan, roster)),
    'enrollments.csv': csvText(ONEROSTER_HEADERS.enrollments, enrollments),
    'demographics.csv': csvText(ONEROSTER_HEADERS.demographics, demographics),
  };
}

/**
 * The files zipped; entry times fixed to August 1 of the school year (as local wall time, so the
 * bytes do not depend on the time zone) to keep the archive byte-identical across runs.
 */
export function zipFiles(files: Record<string, string>, year: number): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const name of Object.keys(files)) entries[name] = strToU8(files[name]);
  return zipSync(entries, { level: 6, mtime: `${year}-08-01T00:00:00` });
}
