import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STATES } from '../../../synth/geography.ts';
import { writeSyntheticStudy } from '../../../synth/synth.service.ts';
import type { SynthManifest } from '../../../synth/synth-manifest.ts';
import { readCsv, readPlainDistrict, type DistrictFiles, type Row } from './synth-output.ts';

const root = mkdtempSync(join(tmpdir(), 'pilot-synth-int-'));
let districts: Row[];
let files: DistrictFiles[];
let manifest: SynthManifest;

beforeAll(async () => {
  manifest = await writeSyntheticStudy(root, {
    districts: 5,
    students: 2000,
    seed: 'integrity',
    year: 2025,
    oneroster: 0,
    exceptions: false,
  });
  districts = readCsv(join(root, 'districts.csv'));
  files = districts.map((d) => readPlainDistrict(root, d.nces_leaid));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const weekday = (iso: string) => new Date(`${iso}T00:00:00Z`).getUTCDay();

describe('pilot synth districts', () => {
  it('keeps LEAIDs as 7-digit text whose first two digits are the state FIPS code, leading zeros included', () => {
    const raw = readFileSync(join(root, 'districts.csv'), 'utf8').split('\n')[1];
    expect(raw).toMatch(/^0[0-9]{6},/);
    for (const d of districts) {
      expect(d.nces_leaid).toMatch(/^[0-9]{7}$/);
      expect(d.nces_leaid.slice(0, 2)).toBe(STATES.find((s) => s.abbr === d.state)?.fips);
    }
  });

  it('are rural (41–43) except one town (31–33), of different sizes, with NCES school ids under their LEAID', () => {
    const locales = districts.map((d) => Number(d.locale_code));
    expect(locales.filter((l) => [41, 42, 43].includes(l))).toHaveLength(4);
    expect(locales.filter((l) => [31, 32, 33].includes(l))).toHaveLength(1);
    const sizes = files.map((f) => f.students.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Math.max(...sizes) / Math.min(...sizes)).toBeGreaterThan(1.5);
    for (const f of files) {
      expect(f.schools.length).toBeGreaterThanOrEqual(1);
      expect(f.schools.length).toBeLessThanOrEqual(6);
      for (const s of f.schools) expect(s.nces_id).toMatch(new RegExp(`^${f.leaid}[0-9]{5}$`));
    }
  });
});

describe('pilot synth referential integrity', () => {
  it('gives every student an existing school, a CEDS grade and a household with caregivers', () => {
    for (const f of files) {
      const schools = new Set(f.schools.map((s) => s.school_id));
      const contactHouseholds = new Set(f.contacts.map((c) => c.household_id));
      expect(new Set(f.students.map((s) => s.student_id)).size).toBe(f.students.length);
      const bad = f.students.filter(
        (s) =>
          !schools.has(s.school_id) ||
          !/^(PK|KG|0[1-9]|1[0-2])$/.test(s.grade) ||
          !contactHouseholds.has(s.household_id),
      );
      expect(bad).toEqual([]);
    }
  });

  it('points every contact at an existing student of the same household', () => {
    for (const f of files) {
      const byId = new Map(f.students.map((s) => [s.student_id, s]));
      expect(new Set(f.contacts.map((c) => c.contact_id)).size).toBe(f.contacts.length);
      const bad = f.contacts.filter(
        (c) =>
          byId.get(c.student_id)?.household_id !== c.household_id ||
          !['parent', 'guardian', 'relative'].includes(c.relationship) ||
          (c.phone !== '' && !/^55501[0-9]{2}$/.test(c.phone.replace(/\D/g, '').slice(-7))) ||
          (c.email !== '' && !c.email.endsWith('@example.org')),
      );
      expect(bad).toEqual([]);
    }
  });

  it('writes attendance only on instructional days of the school calendar inside an enrollment window', () => {
    let checked = 0;
    for (const f of files) {
      const instructional = new Set(
        f.calendar.filter((d) => d.instructional === 'true').map((d) => `${d.school_id}|${d.date}`),
      );
      const school = new Map(f.students.map((s) => [s.student_id, s.school_id]));
      const windows = new Map<string, { entry: string; exit: string }[]>();
      for (const e of f.enrollment)
        windows.set(e.student_id, [
          ...(windows.get(e.student_id) ?? []),
          { entry: e.entry_date, exit: e.exit_date || '9999-12-31' },
        ]);
      const seen = new Set<string>();
      const bad: string[] = [];
      for (const a of f.attendance) {
        const sid = school.get(a.student_id);
        const key = `${a.student_id}|${a.date}`;
        if (sid === undefined) bad.push(`${key}: unknown student`);
        else if (!instructional.has(`${sid}|${a.date}`)) bad.push(`${key}: not an instructional day`);
        else if (!(windows.get(a.student_id) ?? []).some((w) => a.date >= w.entry && a.date <= w.exit))
          bad.push(`${key}: outside enrollment`);
        if (seen.has(key)) bad.push(`${key}: duplicate`);
        seen.add(key);
        checked += 1;
      }
      expect(bad).toEqual([]);
    }
    expect(checked).toBe(manifest.counts.attendanceRows);
  });

  it('writes a full daily feed: one row per student per instructional day enrolled', () => {
    const f = files[0];
    const days = f.calendar
      .filter((d) => d.school_id === f.schools[0].school_id && d.instructional === 'true')
      .map((d) => d.date);
    const enrolled = f.enrollment.filter((e) => e.student_id === f.attendance[0].student_id);
    const expected = days.filter((d) =>
      enrolled.some((w) => d >= w.entry_date && d <= (w.exit_date || '9999-12-31')),
    ).length;
    expect(f.attendance.filter((a) => a.student_id === f.attendance[0].student_id)).toHaveLength(expected);
  });
});

describe('pilot synth realism', () => {
  it('has school years of about 180 instructional days, no weekend classes and a couple of half days', () => {
    for (const f of files) {
      for (const s of f.schools) {
        const days = f.calendar.filter((d) => d.school_id === s.school_id);
        const instructional = days.filter((d) => d.instructional === 'true');
        expect(instructional.length).toBeGreaterThanOrEqual(175);
        expect(instructional.length).toBeLessThanOrEqual(180);
        expect(instructional.every((d) => weekday(d.date) !== 0 && weekday(d.date) !== 6)).toBe(true);
        expect(days.some((d) => d.instructional === 'false' && weekday(d.date) === 1)).toBe(true); // Monday holidays
        const half = instructional.filter((d) => d.day_fraction === '0.5').length;
        expect(half).toBeGreaterThanOrEqual(2);
        expect(half).toBeLessThanOrEqual(4);
        expect(days[0].date.slice(5, 7)).toBe('08');
        expect(['05', '06']).toContain(days[days.length - 1].date.slice(5, 7));
      }
    }
  });

  it('has about 25% of students chronically absent (computed from the files), matching the manifest', () => {
    let eligible = 0;
    let chronic = 0;
    for (const f of files) {
      const instructional = new Map<string, string[]>();
      for (const d of f.calendar)
        if (d.instructional === 'true')
          instructional.set(d.school_id, [...(instructional.get(d.school_id) ?? []), d.date]);
      const absence = new Map<string, number>();
      for (const a of f.attendance)
        absence.set(a.student_id, (absence.get(a.student_id) ?? 0) + Number(a.absent_fraction));
      const school = new Map(f.students.map((s) => [s.student_id, s.school_id]));
      const enrolled = new Map<string, number>();
      for (const e of f.enrollment) {
        const n = (instructional.get(school.get(e.student_id) as string) ?? []).filter(
          (d) => d >= e.entry_date && d <= (e.exit_date || '9999-12-31'),
        ).length;
        enrolled.set(e.student_id, (enrolled.get(e.student_id) ?? 0) + n);
      }
      for (const [id, days] of enrolled) {
        if (days < 10) continue;
        eligible += 1;
        if ((absence.get(id) ?? 0) / days >= 0.1) chronic += 1;
      }
    }
    const share = chronic / eligible;
    expect(share).toBeGreaterThanOrEqual(0.2);
    expect(share).toBeLessThanOrEqual(0.3);
    expect(manifest.counts.chronicAbsenceShare).toBeCloseTo(share, 4);
  });

  it('uses every attendance category, with fractions 0, 1 and 0.5 as the category says and rare suspensions', () => {
    const all = files.flatMap((f) => f.attendance);
    const fraction: Record<string, string> = {
      present: '0',
      tardy: '0',
      early_departure: '0',
      excused: '1',
      unexcused: '1',
      partial: '0.5',
    };
    for (const category of Object.keys(fraction)) expect(all.some((a) => a.category === category)).toBe(true);
    const bad = all.filter(
      (a) =>
        a.absent_fraction !== fraction[a.category] ||
        (a.suspension === 'iss' && a.category !== 'present') ||
        (a.suspension === 'oss' && a.absent_fraction !== '1') ||
        !['', 'oss', 'iss'].includes(a.suspension),
    );
    expect(bad).toEqual([]);
    const suspended = all.filter((a) => a.suspension !== '').length / all.length;
    expect(suspended).toBeGreaterThan(0);
    expect(suspended).toBeLessThan(0.005);
  });

  it('has households of siblings, some split across schools', () => {
    let siblings = 0;
    let split = 0;
    for (const f of files) {
      const households = new Map<string, Row[]>();
      for (const s of f.students)
        households.set(s.household_id, [...(households.get(s.household_id) ?? []), s]);
      for (const kids of households.values()) {
        expect(kids.length).toBeLessThanOrEqual(4);
        if (kids.length > 1) siblings += 1;
        if (new Set(kids.map((k) => k.school_id)).size > 1) split += 1;
      }
    }
    expect(siblings).toBeGreaterThan(100);
    expect(split).toBeGreaterThan(10);
  });

  it('has plausible rural demographics and mostly English, some Spanish, drifted language spellings', () => {
    const students = files.flatMap((f) => f.students);
    const share = (key: string) => students.filter((s) => s[key] === 'true').length / students.length;
    expect(share('english_learner')).toBeGreaterThan(0.02);
    expect(share('english_learner')).toBeLessThan(0.15);
    expect(share('disability')).toBeGreaterThan(0.1);
    expect(share('disability')).toBeLessThan(0.2);
    expect(share('low_income')).toBeGreaterThan(0.35);
    expect(share('low_income')).toBeLessThan(0.7);
    expect(new Set(students.map((s) => s.sex))).toEqual(new Set(['F', 'M']));
    expect(new Set(students.map((s) => s.race_ethnicity)).size).toBeGreaterThanOrEqual(4);
    expect(
      students.filter((s) => !['AM7', 'AS7', 'BL7', 'HI7', 'PI7', 'WH7', 'MU7'].includes(s.race_ethnicity)),
    ).toEqual([]);
    const languages = files.flatMap((f) => f.contacts).map((c) => c.preferred_language);
    expect(languages.filter((l) => l === 'en').length / languages.length).toBeGreaterThan(0.7);
    expect(languages.some((l) => l === 'es')).toBe(true);
    expect(languages.some((l) => !/^[a-z]{2}$/.test(l))).toBe(true);
  });

  it('correlates the prior-year absence rate with this year’s', () => {
    const pairs: [number, number][] = [];
    for (const f of files) {
      const absence = new Map<string, { days: number; absent: number }>();
      for (const a of f.attendance) {
        const t = absence.get(a.student_id) ?? { days: 0, absent: 0 };
        t.days += 1;
        t.absent += Number(a.absent_fraction);
        absence.set(a.student_id, t);
      }
      for (const s of f.students) {
        const t = absence.get(s.student_id);
        if (s.prior_year_absence_rate !== '' && t && t.days >= 60)
          pairs.push([Number(s.prior_year_absence_rate), t.absent / t.days]);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const mx = mean(pairs.map((p) => p[0]));
    const my = mean(pairs.map((p) => p[1]));
    const cov = mean(pairs.map(([x, y]) => (x - mx) * (y - my)));
    const sd = (xs: number[], m: number) => Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
    const r =
      cov /
      (sd(
        pairs.map((p) => p[0]),
        mx,
      ) *
        sd(
          pairs.map((p) => p[1]),
          my,
        ));
    expect(pairs.length).toBeGreaterThan(1000);
    expect(r).toBeGreaterThan(0.4);
    expect(r).toBeLessThan(0.95);
  });
});
