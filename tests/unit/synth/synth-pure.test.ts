import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { rowTails, SIS_CODE_SETS, studentAttendance } from '../../../synth/attendance.ts';
import { fictionalPhone, spellLanguage } from '../../../synth/caregivers.ts';
import { csvField, csvLine } from '../../../csv/csv-writer.ts';
import { districtSizes, planDistricts, townCount } from '../../../synth/district-plan.ts';
import { drawSiblingGrades } from '../../../synth/households.ts';
import { buildDistrictCalendar, nthWeekday } from '../../../synth/school-calendar.ts';
import { layoutSchools, schoolCount, schoolForGrade } from '../../../synth/school-layout.ts';
import { parseSynthParams } from '../../../synth/synth-params.ts';
import type { Student } from '../../../synth/types.ts';

const rng = (label: string) => seedrandom.alea(label);

describe('district sizes and plans', () => {
  it('splits students exactly, none below the minimum, in very different sizes', () => {
    const weights = [0.2, 1, 5, 0.5, 3];
    const sizes = districtSizes(10_000, weights);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(20);
    expect(sizes[2]).toBeGreaterThan(sizes[0] * 10);
    expect(() => districtSizes(50, [1, 1, 1])).toThrow(RangeError);
  });

  it('plans one town from three districts and two from ten, the first in a leading-zero state', () => {
    expect([townCount(1), townCount(3), townCount(9), townCount(10)]).toEqual([0, 1, 1, 2]);
    const plans = planDistricts(
      { districts: 12, students: 20_000, seed: 's', year: 2025, oneroster: 3, exceptions: false },
      rng('plan'),
    );
    expect(plans[0].leaid.startsWith('0')).toBe(true);
    expect(plans.filter((p) => p.localeCode < 40)).toHaveLength(2);
    expect(plans.filter((p) => p.format === 'oneroster').map((p) => p.index)).toEqual([0, 1, 2]);
    expect(new Set(plans.map((p) => p.leaid)).size).toBe(12);
    expect(new Set(plans.map((p) => p.name)).size).toBe(12);
  });
});

describe('schools', () => {
  it('runs one K-12 school in tiny districts and up to six schools in large ones', () => {
    expect([200, 600, 1500, 3000, 4000, 9000].map(schoolCount)).toEqual([1, 2, 3, 4, 5, 6]);
    const schools = layoutSchools(
      '0412345',
      'Cedar Creek',
      ['Fox Run', 'Elk Gap', 'Oak Bend'],
      9000,
      true,
      rng('s'),
    );
    expect(schools.map((s) => s.level)).toEqual([
      'elementary',
      'elementary',
      'elementary',
      'elementary',
      'middle',
      'high',
    ]);
    expect(new Set(schools.map((s) => s.schoolId)).size).toBe(6);
    expect(new Set(schools.map((s) => s.ncesId)).size).toBe(6);
    // Zones pick the elementary school; middle and high school are shared.
    expect(schoolForGrade(schools, 3, 2).name).toBe('Elk Gap Elementary School');
    expect(schoolForGrade(schools, 8, 2).level).toBe('middle');
    expect(schoolForGrade(schools, 13, 0).level).toBe('high');
  });

  it('spaces siblings one to five grades apart within the grades served', () => {
    for (let i = 0; i < 200; i++) {
      const grades = drawSiblingGrades(4, false, rng(`g${i}`));
      expect(grades).toHaveLength(4);
      expect(grades.every((g) => g >= 1 && g <= 13)).toBe(true);
    }
  });
});

describe('calendar', () => {
  it('finds nth and last weekdays', () => {
    expect(new Date(nthWeekday(2025, 9, 1, 1)).toISOString().slice(0, 10)).toBe('2025-09-01'); // Labor Day
    expect(new Date(nthWeekday(2025, 11, 4, 4)).toISOString().slice(0, 10)).toBe('2025-11-27'); // Thanksgiving
    expect(new Date(nthWeekday(2026, 5, 1, -1)).toISOString().slice(0, 10)).toBe('2026-05-25'); // Memorial Day
  });

  it('holds exactly the target number of instructional days, none on weekends or federal holidays', () => {
    const cal = buildDistrictCalendar(2025, rng('cal'), 180);
    expect(cal.instructional).toHaveLength(180);
    const open = cal.instructional.map((i) => cal.days[i].date);
    for (const holiday of [
      '2025-09-01',
      '2025-11-27',
      '2025-12-25',
      '2026-01-01',
      '2026-01-19',
      '2026-05-25',
    ])
      expect(open).not.toContain(holiday);
    expect(open.filter((d) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()))).toEqual([]);
    expect(cal.days.filter((d) => d.dayFraction === 0.5).length).toBeGreaterThanOrEqual(2);
  });
});

describe('attendance', () => {
  const cal = buildDistrictCalendar(2025, rng('cal'), 180);
  const tails = rowTails(SIS_CODE_SETS[0]);
  const student: Student = {
    studentId: '004512',
    sourcedId: 'x',
    schoolId: '0010',
    grade: '03',
    householdId: 'HH1',
    firstName: 'Ava',
    lastName: 'Oakby',
    birthDate: '2016-05-01',
    sex: 'F',
    race: 'WH7',
    englishLearner: false,
    disability: false,
    lowIncome: true,
    priorYearAbsenceRate: 0.05,
    absenceProbability: 0.08,
    tardyProbability: 0.03,
    unexcusedShare: 0.4,
    suspensionProbability: 0.01,
    windows: [
      { entry: 0, exit: 40 },
      { entry: 60, exit: null },
    ],
  };

  it('writes one row per enrolled day and sums absent fractions into absence days', () => {
    const out = studentAttendance(student, cal, tails, false, rng('a'));
    const lines = out.csv.trimEnd().split('\n');
    expect(out.enrolledDays).toBe(41 + 120);
    expect(lines).toHaveLength(out.enrolledDays);
    expect(out.rows).toBe(lines.length);
    const absence = lines.reduce((t, l) => t + Number(l.split(',')[3]), 0);
    expect(out.absenceDays).toBeCloseTo(absence, 10);
    expect(lines.every((l) => l.startsWith('004512,'))).toBe(true);
  });

  it('in exceptions mode makes the same draws and keeps only the non-present rows', () => {
    const full = studentAttendance(student, cal, tails, false, rng('a'));
    const exceptions = studentAttendance(student, cal, tails, true, rng('a'));
    expect(exceptions.absenceDays).toBe(full.absenceDays);
    expect(exceptions.csv).toBe(
      full.csv
        .split('\n')
        .filter((l) => l !== '' && l.split(',')[2] !== 'present')
        .map((l) => `${l}\n`)
        .join(''),
    );
  });
});

describe('caregiver details', () => {
  it('spells Spanish as a code mostly, drifted sometimes', () => {
    const r = rng('lang');
    const spellings = Array.from({ length: 2000 }, () => spellLanguage('es', r));
    const share = spellings.filter((s) => s === 'es').length / spellings.length;
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(0.9);
    expect(new Set(spellings)).toEqual(new Set(['es', 'SP', 'Spanish', 'spa', 'Español']));
  });

  it('writes only fictional 555-01xx numbers', () => {
    const r = rng('phone');
    for (let i = 0; i < 500; i++)
      expect(fictionalPhone([406], r).replace(/\D/g, '').slice(-10)).toMatch(/^40655501[0-9]{2}$/);
  });
});

describe('csv and options', () => {
  it('quotes fields with commas or quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvLine(['0112345', null, true, 0.5])).toBe('0112345,,true,0.5\n');
  });

  it('refuses impossible options with reasons', () => {
    const bad = parseSynthParams({
      districts: 10,
      students: 100,
      seed: '',
      year: 2025,
      oneroster: 11,
      exceptions: false,
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join(' ')).toMatch(/seed/);
    expect(
      parseSynthParams({ districts: 2, students: 500, seed: 'x', year: 2025, oneroster: 1, exceptions: true })
        .ok,
    ).toBe(true);
  });
});
