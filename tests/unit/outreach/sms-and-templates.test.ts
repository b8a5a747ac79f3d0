import { describe, expect, it } from '@jest/globals';
import { smsSegments } from '../../../outreach/sms-segments.ts';
import {
  checkTemplate,
  DEFAULT_MAX_SEGMENTS,
  renderTemplate,
  SHIPPED_TEMPLATES,
  TEMPLATE_PURPOSES,
} from '../../../outreach/templates.ts';
import { dayName, formatDays, monthName, placeholderValues } from '../../../outreach/message-values.ts';

describe('SMS segments (3GPP TS 23.038 / 23.040)', () => {
  it('GSM-7: 160 septets in one segment, 153 per concatenated segment', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'gsm7', units: 161, segments: 2 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
    expect(smsSegments('')).toEqual({ encoding: 'gsm7', units: 0, segments: 0 });
  });

  it('extension characters cost two septets and an escape pair is never split', () => {
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsSegments('[]').units).toBe(4);
    // 152 plain septets then '€' (2): 154 > 153, so the pair moves whole to the second segment.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(10);
    expect(smsSegments(text)).toEqual({ encoding: 'gsm7', units: 164, segments: 2 });
  });

  it('é, ñ, ü are GSM-7, but Spanish á, í, ó, ú force UCS-2: 70 units, 67 per segment', () => {
    expect(smsSegments('Él señor Müller').encoding).toBe('gsm7');
    for (const ch of ['á', 'í', 'ó', 'ú']) expect(smsSegments(`d${ch}a`).encoding).toBe('ucs2');
    expect(smsSegments('í'.repeat(70))).toEqual({ encoding: 'ucs2', units: 70, segments: 1 });
    expect(smsSegments('í'.repeat(71)).segments).toBe(2);
    expect(smsSegments('í'.repeat(134)).segments).toBe(2);
    expect(smsSegments('í'.repeat(135)).segments).toBe(3);
  });

  it('UCS-2 counts UTF-16 code units and never splits a surrogate pair', () => {
    expect(smsSegments('😀').units).toBe(2);
    expect(smsSegments('a'.repeat(66) + '😀').segments).toBe(1);
    expect(smsSegments('a'.repeat(66) + '😀' + 'a'.repeat(3)).segments).toBe(2);
    expect(smsSegments('a'.repeat(66) + '😀' + 'a'.repeat(67)).segments).toBe(3);
  });
});

describe('templates', () => {
  it('every shipped template passes its own checks; Spanish ones are UCS-2', () => {
    for (const purpose of TEMPLATE_PURPOSES) {
      const en = checkTemplate(SHIPPED_TEMPLATES[purpose].en, DEFAULT_MAX_SEGMENTS);
      const es = checkTemplate(SHIPPED_TEMPLATES[purpose].es, DEFAULT_MAX_SEGMENTS);
      expect(en).toMatchObject({ ok: true, worstCase: { encoding: 'gsm7' } });
      expect(es).toMatchObject({ ok: true, worstCase: { encoding: 'ucs2' } });
    }
  });

  it('refuses unknown placeholders and unclosed braces, naming them', () => {
    const r = checkTemplate('Hi {{parent_name}}, {{ student_first_name }} missed {{absences_month}}', 4);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems).toEqual([expect.stringMatching(/^unknown placeholder \{\{parent_name\}\}/)]);
    const u = checkTemplate('Hi {{caregiver_first_name}, see you', 4);
    expect(u.ok).toBe(false);
    if (!u.ok) expect(u.problems[0]).toMatch(/not closed/);
    expect(checkTemplate('   ', 4).ok).toBe(false);
  });

  it('refuses a text that, with the longest expected values, takes more segments than allowed', () => {
    const body =
      'Hola {{caregiver_first_name}}, {{student_first_name}} faltó {{absences_month}} días en {{month_name}} a {{school_name}}.';
    const one = checkTemplate(body, 1);
    expect(one.ok).toBe(false);
    if (!one.ok)
      expect(one.problems[0]).toMatch(/takes 2 SMS segments \(\d+ UCS-2 code units\); the limit is 1/);
    expect(checkTemplate(body, 2)).toMatchObject({ ok: true, worstCase: { encoding: 'ucs2', segments: 2 } });
  });

  it('renders placeholders, with per-language words for what is unknown', () => {
    const v = placeholderValues(
      {
        caregiverFirstName: null,
        studentFirstName: null,
        schoolName: 'Oak',
        schoolPhone: null,
        absencesMonth: 1.5,
        absencesYtd: 2.333,
        month: '2025-09',
        absenceDate: '2025-09-08',
      },
      'es',
    );
    expect(
      renderTemplate(
        '{{caregiver_first_name}}|{{student_first_name}}|{{school_phone}}|{{absences_ytd}}|{{month_name}}|{{absence_date}}',
        v,
      ),
    ).toBe('familia|Su hijo(a)|la oficina de la escuela|2.33|septiembre|8 de septiembre');
    expect(monthName('2025-12', 'fr')).toBe('December');
    expect(dayName('2025-09-08', 'en')).toBe('September 8');
    expect([formatDays(0), formatDays(1), formatDays(1.5), formatDays(0.333333)]).toEqual([
      '0',
      '1',
      '1.5',
      '0.33',
    ]);
  });
});
