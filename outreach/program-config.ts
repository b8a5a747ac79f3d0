import { z } from 'zod';

/** The kinds of program an arm can receive (issue 11 item 1). */
export const PROGRAM_KINDS = ['monthly_summary', 'threshold_alerts', 'home_visits'] as const;
export type ProgramKind = (typeof PROGRAM_KINDS)[number];

export const CHANNELS = ['sms', 'email', 'inbox'] as const;
export type Channel = (typeof CHANNELS)[number];

const channels = z
  .array(z.enum(CHANNELS))
  .min(1)
  .refine((c) => new Set(c).size === c.length, 'channels must not repeat')
  .default(['sms', 'email', 'inbox'])
  .describe('channels in order of preference');

const monthlySummary = z
  .object({
    channels,
    /** Day of the following month from which a summary may be sent. */
    send_day: z.number().int().min(1).max(28).default(1),
  })
  .strict();

const threshold = z
  .object({
    absences: z.number().positive().max(200),
    tier: z.number().int().min(1).max(3),
    role: z.enum(['advisor', 'counselor', 'attendance_team']),
    due_days: z.number().int().min(0).max(60).default(5),
  })
  .strict();

const thresholdAlerts = z
  .object({
    channels,
    /** Alert the caregiver on the first absence day of the school year only, or on every one. */
    alert_on: z.enum(['first', 'every', 'none']).default('every'),
    /** A day is an absence day for alerts when at least this share of it was missed. */
    min_fraction: z.number().gt(0).max(1).default(0.5),
    thresholds: z
      .array(threshold)
      .default([
        { absences: 3, tier: 2, role: 'advisor', due_days: 5 },
        { absences: 5, tier: 3, role: 'counselor', due_days: 3 },
      ])
      .refine(
        (t) => new Set(t.map((x) => x.absences)).size === t.length,
        'two thresholds have the same number of absences',
      ),
  })
  .strict();

const homeVisits = z
  .object({
    /** Students whose school-year absence rate reaches this share are on the visit worklist. */
    chronic_threshold: z.number().gt(0).max(1).default(0.1),
    min_enrolled_days: z.number().int().min(1).default(10),
  })
  .strict();

export type MonthlySummaryConfig = z.infer<typeof monthlySummary>;
export type ThresholdAlertsConfig = z.infer<typeof thresholdAlerts>;
export type HomeVisitsConfig = z.infer<typeof homeVisits>;
export type ProgramConfig = MonthlySummaryConfig | ThresholdAlertsConfig | HomeVisitsConfig;

const SCHEMAS = {
  monthly_summary: monthlySummary,
  threshold_alerts: thresholdAlerts,
  home_visits: homeVisits,
} as const;

export type ConfigResult =
  { ok: true; kind: ProgramKind; config: ProgramConfig } | { ok: false; problems: string[] };

/**
 * Validates a program's JSON configuration (defaults filled in). Problems name the field path, e.g.
 * `thresholds.1.tier: Too big: expected number to be <=3`.
 */
export function parseProgramConfig(kind: string, raw: unknown): ConfigResult {
  if (!(PROGRAM_KINDS as readonly string[]).includes(kind))
    return {
      ok: false,
      problems: [`program ${JSON.stringify(kind)} is not one of ${PROGRAM_KINDS.join(', ')}`],
    };
  const r = SCHEMAS[kind as ProgramKind].safeParse(raw ?? {});
  if (!r.success)
    return {
      ok: false,
      problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`),
    };
  return { ok: true, kind: kind as ProgramKind, config: r.data };
}

/** Whether a program sends caregiver messages (home visits do not). */
export function isMessaging(kind: ProgramKind): boolean {
  return kind !== 'home_visits';
}
