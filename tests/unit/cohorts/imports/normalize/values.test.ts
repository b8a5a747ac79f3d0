import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import {
  parseBoolean,
  parseIsoDate,
  isIsoDate,
  parseIsoMonth,
  isIsoMonth,
  parseFraction,
  fractionOrNaN,
  parseNonNegativeNumber,
  parseNonNegativeInteger,
} from '../../../../../cohorts/imports/normalize/values.ts';

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['Y', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['n', false],
    ['No', false],
  ])('%p → %p', (raw, value) => expect(parseBoolean(raw)).toEqual({ ok: true, value }));
  it('refuses anything else', () => expect(parseBoolean('maybe').ok).toBe(false));
});

describe('ISO dates', () => {
  it('accepts real calendar dates, leap days included', () => {
    for (const d of ['2025-09-02', '2024-02-29', '2000-02-29', '2025-12-31'])
      expect(parseIsoDate(d)).toEqual({ ok: true, value: d });
  });

  it.each(['2025-02-30', '2025-02-29', '1900-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '2025-01-00'])(
    'refuses the impossible date %p',
    (d) => {
      expect(parseIsoDate(d)).toEqual({ ok: false, reason: expect.stringContaining(d) });
    },
  );

  it('names MM/DD/YYYY and the expected format', () => {
    const r = parseIsoDate('03/15/2025');
    expect(!r.ok && r.reason).toContain('MM/DD/YYYY');
    expect(!r.ok && r.reason).toContain('YYYY-MM-DD');
    expect(!r.ok && r.reason).toContain('2025-03-15');
  });

  it.each(['2025-3-5', '2025-03-15T00:00:00', ' 2025-03-15', '', '20250315'])(
    'refuses %p naming YYYY-MM-DD',
    (d) => {
      const r = parseIsoDate(d);
      expect(!r.ok && r.reason).toContain('YYYY-MM-DD');
    },
  );

  it('agrees with the JavaScript calendar on every day of 1999–2031', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1999, max: 2031 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const real = new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
          return isIsoDate(s) === real;
        },
      ),
    );
  });
});

describe('ISO months', () => {
  it('accepts YYYY-MM only', () => {
    expect(parseIsoMonth('2025-09')).toEqual({ ok: true, value: '2025-09' });
    expect(isIsoMonth('2025-9')).toBe(false);
    expect(
      !parseIsoMonth('2025-09-01').ok && (parseIsoMonth('2025-09-01') as { reason: string }).reason,
    ).toContain('2025-09');
    expect(parseIsoMonth('09/2025').ok).toBe(false);
  });
});

describe('fractions and numbers', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['0.5', 0.5],
    ['.25', 0.25],
    ['1.0', 1],
    ['0.333', 0.333],
  ])('%p → %p', (raw, value) => {
    expect(parseFraction(raw)).toEqual({ ok: true, value });
    expect(fractionOrNaN(raw)).toBe(value);
  });

  it.each([
    ['1.5', 'above 1'],
    ['50%', 'percentage'],
    ['', 'empty'],
    ['-0.5', 'not a number'],
    ['1e-1', 'not a number'],
    ['abc', 'not a number'],
  ])('refuses %p (%s)', (raw, why) => {
    const r = parseFraction(raw);
    expect(!r.ok && r.reason).toContain(why);
    expect(Number.isNaN(fractionOrNaN(raw))).toBe(true);
  });

  it('reads non-negative numbers and whole numbers', () => {
    expect(parseNonNegativeNumber('12.5')).toEqual({ ok: true, value: 12.5 });
    expect(parseNonNegativeNumber('-1').ok).toBe(false);
    expect(parseNonNegativeInteger('18')).toEqual({ ok: true, value: 18 });
    expect(parseNonNegativeInteger('18.0')).toEqual({ ok: true, value: 18 });
    expect(parseNonNegativeInteger('2.5').ok).toBe(false);
  });
});
