import { describe, it, expect } from '@jest/globals';
import { parseOneRosterZip } from '../../../../../cohorts/imports/oneroster/parse-oneroster-zip.ts';
import type {
  OneRosterParseResult,
  OneRosterRoster,
} from '../../../../../cohorts/imports/oneroster/types.ts';
import { rosterFiles11, rosterFiles12, zipRoster } from '../../../../fixtures/oneroster/sample-roster.ts';

function parsed(result: OneRosterParseResult): OneRosterRoster {
  if (!result.ok)
    throw new Error(
      `expected a roster, got problems:\n${result.problems.map((p) => `${p.file}:${p.line} ${p.column}: ${p.reason}`).join('\n')}`,
    );
  return result;
}

describe.each([
  ['1.1', rosterFiles11],
  ['1.2', rosterFiles12],
])('parseOneRosterZip on a clean OneRoster %s export', (version, files) => {
  const roster = parsed(parseOneRosterZip(zipRoster(files()), 'oneroster.zip'));

  it('reads the version, the district and its schools with NCES ids', () => {
    expect(roster.version).toBe(version);
    expect(roster.district).toEqual({
      sourcedId: 'd1',
      name: 'Pine Hollow School District',
      identifier: '2300001',
      leaid: '2300001',
    });
    expect(roster.schools.map((s) => [s.sourcedId, s.ncesId])).toEqual([
      ['sch1', '230000100001'],
      ['sch2', '230000100002'],
    ]);
  });

  it('reads the students with normalized grades and person keys', () => {
    expect(roster.students.map((s) => [s.sourcedId, s.personKey, s.schoolSourcedId, s.grade])).toEqual([
      ['s1', '000101', 'sch1', 'KG'],
      ['s2', '000102', 'sch1', '03'],
      ['s3', '000103', 'sch2', '09'],
      ['s4', '000104', 'sch2', '10'],
    ]);
    expect(roster.students[0].stateId).toBe('ME0000101');
  });

  it('merges one person under two sourcedIds (same identifier) and reports it', () => {
    const dee = roster.students.find((s) => s.personKey === '000104')!;
    expect(dee.sourcedIds).toEqual(['s4', 's4-b']);
    expect(dee.schoolSourcedIds).toEqual(['sch2', 'sch1']);
    const warning = roster.warnings.find((w) => w.reason.includes("'s4-b' is the same person as 's4'"));
    expect(warning).toMatchObject({ file: 'oneroster.zip:users.csv', line: 10, column: 'sourcedId' });
  });

  it('maps race flags and sex (Hispanic wins; two races are multiple)', () => {
    const by = new Map(roster.students.map((s) => [s.sourcedId, s]));
    expect([by.get('s1')!.raceEthnicity, by.get('s1')!.sex, by.get('s1')!.birthDate]).toEqual([
      'HI7',
      'F',
      '2020-03-14',
    ]);
    expect(by.get('s2')!.raceEthnicity).toBe('MU7');
    expect(by.get('s3')!.raceEthnicity).toBe('BL7');
    expect([by.get('s4')!.raceEthnicity, by.get('s4')!.sex]).toEqual([null, null]);
  });

  it('links caregivers in both directions, once per pair', () => {
    const by = new Map(roster.guardians.map((g) => [g.sourcedId, g]));
    expect(by.get('g1')!.studentSourcedIds.sort()).toEqual(['s1', 's2']);
    expect(by.get('g2')!.studentSourcedIds).toEqual(['s3']);
    expect(by.get('g3')!.studentSourcedIds).toEqual(['s1']);
    expect([by.get('g1')!.role, by.get('g2')!.role, by.get('g3')!.role]).toEqual([
      'parent',
      'guardian',
      'relative',
    ]);
    expect(roster.students.find((s) => s.sourcedId === 's1')!.guardianSourcedIds.sort()).toEqual([
      'g1',
      'g3',
    ]);
  });

  it('normalizes caregiver phone numbers to E.164', () => {
    const g1 = roster.guardians.find((g) => g.sourcedId === 'g1')!;
    expect([g1.phone, g1.sms, g1.email]).toEqual(['+12075550134', '+12075550134', 'pat@example.org']);
    expect(roster.guardians.find((g) => g.sourcedId === 'g2')!.phone).toBe('+12075550199');
  });

  it('derives households from shared caregivers', () => {
    const key = new Map(roster.students.map((s) => [s.sourcedId, s.householdKey]));
    expect(key.get('s1')).toBe('g:g1');
    expect(key.get('s2')).toBe('g:g1');
    expect(key.get('s3')).toBe('g:g2');
    expect(key.get('s4')).toBe('s:s4');
    expect(roster.guardians.map((g) => g.householdKey)).toEqual(['g:g1', 'g:g2', 'g:g1']);
  });

  it("keeps students' enrollments (merged ids resolved, teachers skipped) and sessions", () => {
    expect(
      roster.enrollments.map((e) => [
        e.sourcedId,
        e.studentSourcedId,
        e.schoolSourcedId,
        e.beginDate,
        e.endDate,
      ]),
    ).toEqual([
      ['e1', 's1', 'sch1', '2025-08-25', '2026-06-12'],
      ['e3', 's3', 'sch2', '2025-08-25', null],
      ['e4', 's4', 'sch1', '2025-08-25', '2026-01-16'],
    ]);
    expect(roster.academicSessions).toEqual([
      {
        sourcedId: 'y2026',
        title: '2025-2026',
        type: 'schoolYear',
        startDate: '2025-08-20',
        endDate: '2026-06-15',
        schoolYear: '2026',
        parentSourcedId: null,
        line: 2,
      },
    ]);
  });

  it('reports the KG-level note only for grades that needed one', () => {
    expect(roster.warnings.some((w) => w.column === 'grades')).toBe(false);
  });
});
