import { describe, it, expect } from '@jest/globals';
import {
  normalizeLeaid,
  normalizeNcesSchoolId,
  normalizeLocalId,
  findStrippedLeadingZeros,
} from '../../../../../cohorts/imports/normalize/identifiers.ts';

describe('normalizeLeaid', () => {
  it('accepts 7 digits as text, leading zero kept', () => {
    expect(normalizeLeaid('0100005')).toEqual({ ok: true, value: '0100005' });
  });

  it('says a 6-digit LEAID most likely lost a leading zero to a spreadsheet', () => {
    const r = normalizeLeaid('100005');
    expect(!r.ok && r.reason).toContain('leading zero');
    expect(!r.ok && r.reason).toContain("'0100005'");
  });

  it.each(['1.00005E+6', '100005.0'])('names spreadsheet damage in %p', (raw) => {
    const r = normalizeLeaid(raw);
    expect(!r.ok && r.reason).toContain('spreadsheet');
  });

  it.each(['', '01000051', 'AB00005'])('refuses %p', (raw) => expect(normalizeLeaid(raw).ok).toBe(false));
});

describe('normalizeNcesSchoolId', () => {
  it('accepts 12 digits that start with the LEAID', () => {
    expect(normalizeNcesSchoolId('010000500870', '0100005')).toEqual({ ok: true, value: '010000500870' });
  });

  it('says an 11-digit id most likely lost a leading zero', () => {
    const r = normalizeNcesSchoolId('10000500870');
    expect(!r.ok && r.reason).toContain("did you mean '010000500870'");
  });

  it("refuses an id outside the district's LEAID", () => {
    const r = normalizeNcesSchoolId('230000500870', '0100005');
    expect(!r.ok && r.reason).toContain("LEAID '0100005'");
  });

  it('names scientific notation from a spreadsheet', () => {
    const r = normalizeNcesSchoolId('1.00005E+10');
    expect(!r.ok && r.reason).toContain('scientific notation');
  });
});

describe('normalizeLocalId', () => {
  it('keeps case and trims with a note', () => {
    expect(normalizeLocalId('Ab-12')).toEqual({ ok: true, value: 'Ab-12' });
    expect(normalizeLocalId(' 0045 ', 'student_id')).toEqual({
      ok: true,
      value: '0045',
      note: expect.stringContaining('spaces'),
    });
  });

  it('refuses empty ids and control characters', () => {
    expect(normalizeLocalId('  ', 'student_id')).toEqual({ ok: false, reason: 'student_id is empty' });
    expect(normalizeLocalId('a\tb').ok).toBe(false);
  });
});

describe('findStrippedLeadingZeros', () => {
  it('flags ids shorter than a fixed zero-padded width', () => {
    const ids = Array.from({ length: 40 }, (_, i) => String(1000 + i * 997).padStart(6, '0'));
    ids.push('4513', '04514');
    const suspects = findStrippedLeadingZeros(ids, 'student_id');
    expect(suspects.map((s) => [s.index, s.suggestion])).toEqual([
      [40, '004513'],
      [41, '004514'],
    ]);
    expect(suspects[0].reason).toContain("did you mean '004513'");
  });

  it('flags nothing when ids never start with zero (sequential ids grow in width)', () => {
    const ids = Array.from({ length: 200 }, (_, i) => String(i + 1));
    expect(findStrippedLeadingZeros(ids)).toEqual([]);
  });

  it('flags nothing when widths vary widely', () => {
    expect(findStrippedLeadingZeros(['0012', '00123', '012', '0001234', '12'])).toEqual([]);
  });

  it('ignores non-numeric ids', () => {
    const ids = [
      '001234',
      '001235',
      '001236',
      'A12',
      '001237',
      '001238',
      '001239',
      '001240',
      '001241',
      '001242',
    ];
    expect(findStrippedLeadingZeros(ids)).toEqual([]);
  });
});
