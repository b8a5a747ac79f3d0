import { describe, it, expect } from '@jest/globals';
import { normalizeLanguage } from '../../../../../cohorts/imports/normalize/language.ts';

describe('normalizeLanguage', () => {
  it('passes ISO 639-1 codes, any case, without a note', () => {
    expect(normalizeLanguage('es')).toEqual({ ok: true, value: 'es' });
    expect(normalizeLanguage('EN')).toEqual({ ok: true, value: 'en' });
    expect(normalizeLanguage(' vi ')).toEqual({ ok: true, value: 'vi' });
  });

  it.each([
    ['spa', 'es'],
    ['SPA', 'es'],
    ['ENG', 'en'],
    ['dut', 'nl'],
    ['nld', 'nl'],
    ['alb', 'sq'],
    ['sqi', 'sq'],
    ['chi', 'zh'],
    ['zho', 'zh'],
    ['fre', 'fr'],
    ['fra', 'fr'],
    ['ger', 'de'],
    ['deu', 'de'],
    ['nav', 'nv'],
    ['vie', 'vi'],
    ['som', 'so'],
    ['ara', 'ar'],
  ])('reads the ISO 639-2 code %p as %p with a note', (raw, code) => {
    const r = normalizeLanguage(raw);
    expect(r).toEqual({ ok: true, value: code, note: expect.stringContaining('ISO 639-2') });
  });

  it('keeps ISO 639-2 hmn (Hmong has no 639-1 code) with a note', () => {
    const r = normalizeLanguage('hmn');
    expect(r.ok && r.value).toBe('hmn');
    expect(r.ok && r.note).toContain('no ISO 639-1 code');
  });

  it('keeps a common ISO 639-3 code with no shorter code (Mam)', () => {
    expect(normalizeLanguage('mam')).toMatchObject({ ok: true, value: 'mam' });
  });

  it.each([
    ['SP', 'es'],
    ['HM', 'hmn'],
    ['Spanish', 'es'],
    ['Español', 'es'],
    ['espanol', 'es'],
    ['SPANISH', 'es'],
    ['Vietnamese', 'vi'],
    ['Tiếng Việt', 'vi'],
    ['Hmong', 'hmn'],
    ['Somali', 'so'],
    ['Arabic', 'ar'],
    ['Haitian Creole', 'ht'],
    ['Mandarin', 'zh'],
    ['Navajo', 'nv'],
    ['es-MX', 'es'],
    ['en_US', 'en'],
    ['zh-Hant', 'zh'],
  ])('reads %p as %p with a note', (raw, code) => {
    const r = normalizeLanguage(raw);
    expect(r.ok && r.value).toBe(code);
    expect(r.ok && r.note).toBeTruthy();
  });

  it('warns that ch is Chamorro, not Chinese', () => {
    const r = normalizeLanguage('CH');
    expect(r.ok && r.value).toBe('ch');
    expect(r.ok && r.note).toContain('Chamorro');
  });

  it.each(['', 'xx', 'Martian', 'qqq', '12'])('refuses %p with a reason naming the accepted forms', (raw) => {
    const r = normalizeLanguage(raw);
    expect(r.ok).toBe(false);
    if (raw !== '') expect(!r.ok && r.reason).toContain('ISO 639-1');
  });
});
