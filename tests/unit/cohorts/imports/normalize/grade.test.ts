import { describe, it, expect } from '@jest/globals';
import {
  normalizeGrade,
  normalizeStudentGrade,
  CEDS_GRADES,
} from '../../../../../cohorts/imports/normalize/grade.ts';

describe('normalizeGrade', () => {
  it('passes every CEDS code unchanged and without a note', () => {
    for (const code of CEDS_GRADES) expect(normalizeGrade(code)).toEqual({ ok: true, value: code });
  });

  it.each([
    ['K', 'KG'],
    ['k', 'KG'],
    ['kg', 'KG'],
    ['Kindergarten', 'KG'],
    ['0', 'KG'],
    ['00', 'KG'],
    ['7', '07'],
    ['07 ', '07'],
    ['1st', '01'],
    ['2nd', '02'],
    ['3rd', '03'],
    ['12th', '12'],
    ['First', '01'],
    ['twelfth', '12'],
    ['Grade 3', '03'],
    ['Gr. 3', '03'],
    ['3rd Grade', '03'],
    ['grade 10', '10'],
    ['Pre-K', 'PK'],
    ['PreK', 'PK'],
    ['pk', 'PK'],
    ['PK4', 'PK'],
    ['-1', 'PK'],
    ['Grade K', 'KG'],
    ['tk', 'TK'],
    ['Ungraded', 'UG'],
  ])('reads %p as %p and says what changed', (raw, code) => {
    const r = normalizeGrade(raw);
    expect(r.ok && r.value).toBe(code);
    expect(r.ok && r.note).toContain(`'${raw.slice(0, 40)}'`);
    expect(r.ok && r.note).toContain(`'${code}'`);
  });

  it('explains why 0 is kindergarten', () => {
    const r = normalizeGrade('0');
    expect(r.ok && r.note).toContain('PowerSchool');
  });

  it.each(['', '14', '0th', 'Grade 99', 'seventh heaven', 'K-12', '1.5', 'Freshman'])('refuses %p', (raw) => {
    const r = normalizeGrade(raw);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/grade/);
  });
});

describe('normalizeStudentGrade', () => {
  it('accepts PK, KG and 01–12', () => {
    expect(normalizeStudentGrade('PK')).toEqual({ ok: true, value: 'PK' });
    expect(normalizeStudentGrade('12')).toEqual({ ok: true, value: '12' });
    expect(normalizeStudentGrade('K')).toMatchObject({ ok: true, value: 'KG' });
  });

  it.each(['TK', 'IT', 'PR', '13', 'PS', 'UG', 'Other'])(
    'refuses the CEDS grade %p Pilot does not enroll',
    (raw) => {
      const r = normalizeStudentGrade(raw);
      expect(!r.ok && r.reason).toContain('PK, KG or 01–12');
    },
  );
});
