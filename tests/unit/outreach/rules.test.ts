import { describe, expect, it } from '@jest/globals';
import { parseProgramConfig, type ThresholdAlertsConfig } from '../../../outreach/program-config.ts';
import { chooseRecipients, emptySkips, type Contact } from '../../../outreach/recipients.ts';
import { alertsFor, type AbsenceDay } from '../../../outreach/thresholds.ts';
import { parseInstant, parseReceiptStatus } from '../../../outreach/receipt-rows.ts';
import { schoolYearOf, schoolYearStart, monthBounds } from '../../../outreach/school-year.ts';

const contact = (over: Partial<Contact>): Contact => ({
  caregiverId: 1,
  contactKey: 'C1',
  firstName: 'Ana',
  language: 'en',
  phoneE164: '+12055550101',
  phoneAsGiven: null,
  email: 'ana@example.org',
  emailValid: true,
  smsConsent: true,
  messageContact: true,
  optedOut: false,
  ...over,
});

const LANGS = new Set(['en', 'es']);

describe('recipients: consent, opt-out, channel order, language', () => {
  it('takes the first available channel in the program order: SMS, then email, then inbox', () => {
    const s = emptySkips();
    const all = ['sms', 'email', 'inbox'] as const;
    expect(chooseRecipients([contact({})], all, LANGS, s)[0].channel).toBe('sms');
    expect(chooseRecipients([contact({ smsConsent: false })], all, LANGS, s)[0].channel).toBe('email');
    expect(chooseRecipients([contact({ smsConsent: false, email: null })], all, LANGS, s)[0].channel).toBe(
      'inbox',
    );
    expect(chooseRecipients([contact({})], ['email', 'sms'], LANGS, s)[0].channel).toBe('email');
    expect(s).toEqual(emptySkips());
  });

  it('never texts without consent or a valid number; counts why a contact is skipped', () => {
    const s = emptySkips();
    const r = chooseRecipients(
      [
        contact({ caregiverId: 1, smsConsent: false, email: null }),
        contact({ caregiverId: 2, phoneE164: null, phoneAsGiven: '000-000-0000', email: null }),
        contact({ caregiverId: 3, phoneE164: null, phoneAsGiven: '555-0134', email: 'x@example.org' }),
        contact({ caregiverId: 4, email: 'bad', emailValid: false, smsConsent: false }),
      ],
      ['sms', 'email'],
      LANGS,
      s,
    );
    expect(r.map((x) => [x.contact.caregiverId, x.channel])).toEqual([[3, 'email']]);
    expect(s).toEqual({
      ...emptySkips(),
      contactsNoConsent: 2,
      contactsNoValidChannel: 1,
      contactsInvalidPhone: 2,
    });
  });

  it('honors every opt-out (the caregiver or anyone on the number) and skips non-contacts', () => {
    const s = emptySkips();
    const r = chooseRecipients(
      [contact({ optedOut: true }), contact({ caregiverId: 2, messageContact: false })],
      ['sms', 'email', 'inbox'],
      LANGS,
      s,
    );
    expect(r).toEqual([]);
    expect(s.contactsOptedOut).toBe(1);
  });

  it("writes in the caregiver's language when a template exists, else English (counted)", () => {
    const s = emptySkips();
    const r = chooseRecipients(
      [contact({ language: 'es' }), contact({ caregiverId: 2, language: 'vi' })],
      ['sms'],
      LANGS,
      s,
    );
    expect(r.map((x) => x.language)).toEqual(['es', 'en']);
    expect(s.languageFallbacks).toBe(1);
  });
});

describe('threshold alerts', () => {
  const parsed = parseProgramConfig('threshold_alerts', {});
  if (!parsed.ok) throw new Error('defaults');
  const config = parsed.config as ThresholdAlertsConfig;
  const days: AbsenceDay[] = [
    { date: '2025-09-03', fraction: 1 },
    { date: '2025-09-04', fraction: 0.25 },
    { date: '2025-09-10', fraction: 1 },
    { date: '2025-09-11', fraction: 0.75 },
    { date: '2025-09-17', fraction: 1 },
    { date: '2025-09-18', fraction: 1 },
    { date: '2025-09-24', fraction: 1 },
  ];
  const none = { thresholdsFired: new Set<number>(), absenceDaysAlerted: new Set<string>() };

  it('defaults: thresholds 3 (tier 2, advisor) and 5 (tier 3, counselor)', () => {
    expect(config.thresholds).toEqual([
      { absences: 3, tier: 2, role: 'advisor', due_days: 5 },
      { absences: 5, tier: 3, role: 'counselor', due_days: 3 },
    ]);
  });

  it('alerts each absence day reaching min_fraction and fires each threshold on the crossing day', () => {
    const a = alertsFor(days, null, '2025-09-30', config, none);
    expect(a.filter((x) => x.kind === 'absence').map((x) => x.date)).toEqual([
      '2025-09-03',
      '2025-09-10',
      '2025-09-11',
      '2025-09-17',
      '2025-09-18',
      '2025-09-24',
    ]);
    // 1 + .25 + 1 + .75 = 3 on 09-11; 5 on 09-18.
    expect(
      a.filter((x) => x.kind === 'threshold').map((x) => [x.threshold, x.date, x.absencesYtd, x.dueDate]),
    ).toEqual([
      [3, '2025-09-11', 3, '2025-09-16'],
      [5, '2025-09-18', 5, '2025-09-21'],
    ]);
  });

  it('fires a threshold once per school year: not again when already fired', () => {
    const a = alertsFor(days, '2025-09-20', '2025-09-30', config, {
      thresholdsFired: new Set([3, 5]),
      absenceDaysAlerted: new Set(),
    });
    expect(a.map((x) => [x.kind, x.date])).toEqual([['absence', '2025-09-24']]);
  });

  it("alert_on 'first' alerts only the school year's first absence day", () => {
    const a = alertsFor(days, null, '2025-09-30', { ...config, alert_on: 'first' }, none);
    expect(a.filter((x) => x.kind === 'absence').map((x) => x.date)).toEqual(['2025-09-03']);
    const later = alertsFor(days, '2025-09-05', '2025-09-30', { ...config, alert_on: 'first' }, none);
    expect(later.filter((x) => x.kind === 'absence')).toEqual([]);
  });

  it('a threshold crossed on a settled day but never fired fires on that day', () => {
    const a = alertsFor(days, '2025-09-12', '2025-09-30', config, none);
    expect(a.find((x) => x.threshold === 3)?.date).toBe('2025-09-11');
  });
});

describe('program configuration', () => {
  it('fills defaults and names the field of each problem', () => {
    expect(parseProgramConfig('monthly_summary', {})).toEqual({
      ok: true,
      kind: 'monthly_summary',
      config: { channels: ['sms', 'email', 'inbox'], send_day: 1 },
    });
    const r = parseProgramConfig('threshold_alerts', {
      thresholds: [{ absences: 3, tier: 4, role: 'principal' }],
      extra: 1,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^thresholds\.0\.tier: /),
          expect.stringMatching(/^thresholds\.0\.role: /),
          expect.stringMatching(/extra/),
        ]),
      );
    }
    expect(parseProgramConfig('postcards', {})).toEqual({
      ok: false,
      problems: ['program "postcards" is not one of monthly_summary, threshold_alerts, home_visits'],
    });
    expect(parseProgramConfig('monthly_summary', { channels: ['sms', 'sms'] }).ok).toBe(false);
  });
});

describe('receipts and calendar helpers', () => {
  it('reads statuses, their synonyms and STOP-style replies (FCC 24-18) as opt-outs', () => {
    expect(parseReceiptStatus('delivered')).toEqual({ status: 'delivered' });
    expect(parseReceiptStatus('Undelivered')?.status).toBe('failed');
    for (const w of ['STOP', 'unsubscribe', 'Cancel', 'opt out', 'No más', 'quit', 'END'])
      expect(parseReceiptStatus(w)?.status).toBe('opted_out');
    expect(parseReceiptStatus('maybe')).toBeNull();
  });

  it('reads dates and ISO date-times as UTC instants', () => {
    expect(parseInstant('2025-10-02')).toBe('2025-10-02T00:00:00.000Z');
    expect(parseInstant('2025-10-02T14:05:00Z')).toBe('2025-10-02T14:05:00.000Z');
    expect(parseInstant('2025-10-02T14:05:00-05:00')).toBe('2025-10-02T19:05:00.000Z');
    expect(parseInstant('2025-10-02 14:05')).toBe('2025-10-02T14:05:00.000Z');
    expect(parseInstant('10/02/2025')).toBeNull();
    expect(parseInstant('2025-02-30')).toBeNull();
  });

  it('school years run July to June and are named by their end', () => {
    expect(schoolYearOf('2025-09-08')).toBe(2026);
    expect(schoolYearOf('2026-06-30')).toBe(2026);
    expect(schoolYearStart('2026-03-01')).toBe('2025-07-01');
    expect(monthBounds('2024-02')).toEqual({ start: '2024-02-01', end: '2024-02-29' });
  });
});
