import { describe, it, expect } from '@jest/globals';
import { normalizePhone } from '../../../../../cohorts/imports/normalize/phone.ts';

describe('normalizePhone', () => {
  it.each([
    ['(207) 555-0134', '+12075550134'],
    ['207.555.0134', '+12075550134'],
    ['2075550134', '+12075550134'],
    ['1-207-555-0134', '+12075550134'],
    ['+1 207 555 0134', '+12075550134'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('normalizes %p to E.164 %p', (raw, e164) => {
    expect(normalizePhone(raw)).toEqual({ ok: true, value: e164 });
  });

  it('drops an extension with a note', () => {
    const r = normalizePhone('207-555-0134 ext. 12');
    expect(r).toEqual({ ok: true, value: '+12075550134', note: expect.stringContaining('extension 12') });
  });

  it('refuses a number without an area code and quotes the original', () => {
    const r = normalizePhone('555-0134');
    expect(!r.ok && r.reason).toContain("'555-0134'");
    expect(!r.ok && r.reason).toContain('area code');
  });

  it.each(['', '(555) 12', 'none', '000-000-0000'])('refuses %p', (raw) => {
    expect(normalizePhone(raw).ok).toBe(false);
  });

  it('reads a national number in another default country', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toEqual({ ok: true, value: '+442079460958' });
  });
});
