import { describe, it, expect } from '@jest/globals';
import {
  parseSex,
  parseRaceEthnicity,
  RACE_ETHNICITY_CODES,
} from '../../../../../cohorts/imports/normalize/demographics.ts';
import {
  parseAttendanceCategory,
  parseSuspension,
  ATTENDANCE_CATEGORIES,
} from '../../../../../cohorts/imports/normalize/attendance-codes.ts';

describe('parseSex', () => {
  it.each([
    ['F', 'F'],
    ['female', 'F'],
    ['M', 'M'],
    ['Male', 'M'],
    ['X', 'X'],
  ])('%p → %p', (raw, v) => expect(parseSex(raw)).toEqual({ ok: true, value: v }));
  it('maps other to X and unspecified to null, with notes', () => {
    expect(parseSex('other')).toMatchObject({ ok: true, value: 'X', note: expect.any(String) });
    expect(parseSex('unspecified')).toMatchObject({ ok: true, value: null, note: expect.any(String) });
  });
  it('refuses nonsense', () => expect(parseSex('Q').ok).toBe(false));
});

describe('parseRaceEthnicity', () => {
  it('passes RACE7 codes unchanged', () => {
    for (const c of RACE_ETHNICITY_CODES) expect(parseRaceEthnicity(c)).toEqual({ ok: true, value: c });
  });
  it.each([
    ['hi7', 'HI7'],
    ['Hispanic or Latino', 'HI7'],
    ['Black - African American', 'BL7'],
    ['Two or more races', 'MU7'],
    ['White', 'WH7'],
    ['Native Hawaiian - Pacific Islander', 'PI7'],
    ['American Indian - Alaska Native', 'AM7'],
    ['asian', 'AS7'],
  ])('%p → %p with a note', (raw, v) =>
    expect(parseRaceEthnicity(raw)).toEqual({ ok: true, value: v, note: expect.stringContaining(`'${v}'`) }),
  );
  it('refuses unknown codes, listing the RACE7 codes', () => {
    const r = parseRaceEthnicity('Z9');
    expect(!r.ok && r.reason).toContain('AM7, AS7, BL7, HI7, PI7, WH7, MU7');
  });
});

describe('parseAttendanceCategory', () => {
  it('passes the six categories without a note', () => {
    for (const c of ATTENDANCE_CATEGORIES) expect(parseAttendanceCategory(c)).toEqual({ ok: true, value: c });
  });
  it.each([
    ['In Attendance', 'present'],
    ['Excused Absence', 'excused'],
    ['Unexcused Absence', 'unexcused'],
    ['Early departure', 'early_departure'],
    ['Tardy', 'tardy'],
    ['uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence', 'excused'],
    ['EXCUSED ABSENCE', 'excused'],
    ['Early-Departure', 'early_departure'],
    ['excused_absence', 'excused'],
  ])('reads the descriptor %p as %p with a note', (raw, v) => {
    expect(parseAttendanceCategory(raw)).toEqual({
      ok: true,
      value: v,
      note: expect.stringContaining(`'${v}'`),
    });
  });
  it('returns the same prebuilt result for a known spelling (no allocation per row)', () => {
    expect(parseAttendanceCategory('present')).toBe(parseAttendanceCategory('present'));
    expect(parseAttendanceCategory('Excused Absence')).toBe(parseAttendanceCategory('Excused Absence'));
  });
  it.each(['absent', '', 'P'])('refuses %p listing the categories', (raw) => {
    const r = parseAttendanceCategory(raw);
    expect(!r.ok && r.reason).toContain('early_departure');
  });
});

describe('parseSuspension', () => {
  it.each([
    ['oss', 'oss'],
    ['iss', 'iss'],
    ['', null],
  ])('%p → %p', (raw, v) => expect(parseSuspension(raw)).toEqual({ ok: true, value: v }));
  it('reads upper case and spelled-out forms with a note', () => {
    expect(parseSuspension('OSS')).toMatchObject({ ok: true, value: 'oss', note: expect.any(String) });
    expect(parseSuspension('In School Suspension')).toMatchObject({ ok: true, value: 'iss' });
    expect(parseSuspension('out of school')).toMatchObject({ ok: true, value: 'oss' });
  });
  it('refuses other values', () => expect(parseSuspension('expelled').ok).toBe(false));
});
