import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { strFromU8, unzipSync } from 'fflate';
import Papa from 'papaparse';
import { writeSyntheticStudy } from '../../../synth/synth.service.ts';
import { zipFiles } from '../../../synth/oneroster.ts';
import { readCsv, type Row } from './synth-output.ts';

const root = mkdtempSync(join(tmpdir(), 'pilot-synth-or-'));
let leaids: string[];
let zip: Record<string, Row[]>;
let names: string[];

function parse(bytes: Uint8Array): Row[] {
  return Papa.parse<Row>(strFromU8(bytes), { header: true, skipEmptyLines: true }).data;
}

beforeAll(async () => {
  await writeSyntheticStudy(root, {
    districts: 3,
    students: 1200,
    seed: 'oneroster',
    year: 2025,
    oneroster: 2,
    exceptions: false,
  });
  leaids = readCsv(join(root, 'districts.csv')).map((d) => d.nces_leaid);
  const entries = unzipSync(readFileSync(join(root, leaids[0], 'oneroster.zip')));
  names = Object.keys(entries);
  zip = Object.fromEntries(names.map((n) => [n, parse(entries[n])]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pilot synth --oneroster', () => {
  it('gives the first K districts a zip instead of schools/students/contacts, the others plain files', () => {
    for (const leaid of leaids.slice(0, 2)) {
      expect(() => readFileSync(join(root, leaid, 'oneroster.zip'))).not.toThrow();
      expect(() => readFileSync(join(root, leaid, 'students.csv'))).toThrow();
    }
    expect(() => readFileSync(join(root, leaids[2], 'oneroster.zip'))).toThrow();
    expect(readCsv(join(root, leaids[2], 'students.csv')).length).toBeGreaterThan(0);
  });

  it('holds the required OneRoster 1.1 bulk files, declared in the manifest', () => {
    for (const f of ['manifest.csv', 'orgs.csv', 'users.csv', 'demographics.csv', 'enrollments.csv'])
      expect(names).toContain(f);
    const manifest = new Map(zip['manifest.csv'].map((r) => [r.propertyName, r.value]));
    expect(manifest.get('oneroster.version')).toBe('1.1');
    for (const f of ['orgs', 'users', 'demographics', 'enrollments'])
      expect(manifest.get(`file.${f}`)).toBe('bulk');
    for (const name of names) expect(manifest.get(`file.${name.replace('.csv', '')}`) ?? 'bulk').toBe('bulk');
  });

  it('lists the district and its schools with NCES ids as identifiers', () => {
    const orgs = zip['orgs.csv'];
    const district = orgs.filter((o) => o.type === 'district');
    expect(district).toHaveLength(1);
    expect(district[0].identifier).toBe(leaids[0]);
    const schools = orgs.filter((o) => o.type === 'school');
    expect(schools.length).toBeGreaterThanOrEqual(1);
    for (const s of schools) {
      expect(s.identifier).toMatch(new RegExp(`^${leaids[0]}[0-9]{5}$`));
      expect(s.parentSourcedId).toBe(district[0].sourcedId);
    }
  });

  it('links guardians in agentSourcedIds in both directions, always to existing users of the right role', () => {
    const users = zip['users.csv'];
    const byId = new Map(users.map((u) => [u.sourcedId, u]));
    expect(byId.size).toBe(users.length);
    const students = users.filter((u) => u.role === 'student');
    const guardians = users.filter((u) => ['parent', 'guardian', 'relative'].includes(u.role));
    expect(students.length).toBeGreaterThan(0);
    expect(guardians.length).toBeGreaterThan(0);
    expect(students.every((s) => /^(PK|KG|0[1-9]|1[0-2])$/.test(s.grades) && s.identifier !== '')).toBe(true);
    const list = (u: Row) => (u.agentSourcedIds ? u.agentSourcedIds.split(',') : []);
    const onStudents = students.filter((s) => list(s).length > 0);
    const onGuardians = guardians.filter((g) => list(g).length > 0);
    expect(onStudents.length).toBeGreaterThan(0);
    expect(onGuardians.length).toBeGreaterThan(0);
    expect(
      onStudents
        .flatMap(list)
        .filter((id) => !['parent', 'guardian', 'relative'].includes(byId.get(id)?.role ?? '')),
    ).toEqual([]);
    expect(onGuardians.flatMap(list).filter((id) => byId.get(id)?.role !== 'student')).toEqual([]);
    // Every student reaches at least one caregiver through one direction or the other.
    const linked = new Set([...onStudents.map((s) => s.sourcedId), ...onGuardians.flatMap(list)]);
    expect(students.filter((s) => !linked.has(s.sourcedId))).toEqual([]);
    // A guardian listing several children shows the list quoted in the raw CSV.
    const raw = strFromU8(unzipSync(readFileSync(join(root, leaids[0], 'oneroster.zip')))['users.csv']);
    expect(raw).toMatch(/,"[0-9a-f]{16},[0-9a-f]{16}/);
  });

  it('gives every student demographics and an enrollment in an existing homeroom class', () => {
    const students = zip['users.csv'].filter((u) => u.role === 'student');
    const demo = new Map(zip['demographics.csv'].map((d) => [d.sourcedId, d]));
    const classes = new Set(zip['classes.csv'].map((c) => c.sourcedId));
    const schools = new Set(zip['orgs.csv'].filter((o) => o.type === 'school').map((o) => o.sourcedId));
    const enrolled = new Set(zip['enrollments.csv'].map((e) => e.userSourcedId));
    expect(students.filter((s) => !['male', 'female'].includes(demo.get(s.sourcedId)?.sex ?? ''))).toEqual(
      [],
    );
    expect(students.filter((s) => !enrolled.has(s.sourcedId))).toEqual([]);
    expect(
      zip['enrollments.csv'].filter((e) => !classes.has(e.classSourcedId) || !schools.has(e.schoolSourcedId)),
    ).toEqual([]);
    expect(
      zip['demographics.csv'].every(
        (d) => ['true', 'false'].includes(d.white) && ['true', 'false'].includes(d.hispanicOrLatinoEthnicity),
      ),
    ).toBe(true);
  });

  it('uses the SIS numbers of the attendance and enrollment files as student identifiers', () => {
    const identifiers = new Set(
      zip['users.csv'].filter((u) => u.role === 'student').map((u) => u.identifier),
    );
    const enrollment = readCsv(join(root, leaids[0], 'enrollment.csv'));
    expect(enrollment.filter((e) => !identifiers.has(e.student_id))).toEqual([]);
    const schools = new Set(zip['orgs.csv'].filter((o) => o.type === 'school').map((o) => o.sourcedId));
    expect(readCsv(join(root, leaids[0], 'calendar.csv')).filter((c) => !schools.has(c.school_id))).toEqual(
      [],
    );
  });

  it('zips byte-identically whatever the time zone', () => {
    const files = { 'a.csv': 'x,y\n1,2\n' };
    const before = process.env.TZ;
    process.env.TZ = 'America/Denver';
    const denver = zipFiles(files, 2025);
    process.env.TZ = 'Asia/Tokyo';
    const tokyo = zipFiles(files, 2025);
    process.env.TZ = before;
    expect(Buffer.from(denver).equals(Buffer.from(tokyo))).toBe(true);
  });
});
