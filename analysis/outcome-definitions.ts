/**
 * Outcome definitions (DESIGN.md §5), versioned and printed in every report. The store builds the
 * enrolled days, absence days and chronic-absence days per student and month in SQL; this file turns
 * those totals into the analysed outcomes. Pure.
 */
import type { OutcomeName } from './analysis-plan.ts';

export const OUTCOME_DEFINITIONS_VERSION = 'pilot-outcomes-v1';

export interface ChronicRule {
  /** share of enrolled days (default 0.10) */
  threshold: number;
  /** fewest enrolled days for a student to be classified (default 10) */
  min_enrolled_days: number;
  /** days absent for the CRDC measure (default 15) */
  crdc_days: number;
}

/** The definitions as printed in report.json and report.html. */
export function outcomeDefinitions(rule: ChronicRule): {
  version: string;
  definitions: Record<OutcomeName | 'enrolled_days', string>;
} {
  const pct = `${Math.round(rule.threshold * 1000) / 10} %`;
  return {
    version: OUTCOME_DEFINITIONS_VERSION,
    definitions: {
      enrolled_days:
        "instructional calendar days of the student's school inside the student's enrollment windows and the plan's window (where a school has no calendar: days with a daily attendance record; where only monthly attendance was sent: its enrolled days)",
      absence_days:
        'sum of the absent fractions of enrolled days; excused, unexcused and out-of-school suspension count, in-school suspension is present',
      attendance_rate: '1 − absence days / enrolled days (per student; not average daily attendance)',
      chronically_absent: `1 when the student had at least ${rule.min_enrolled_days} enrolled days and missed at least half of the day on ${pct} or more of them; undefined below ${rule.min_enrolled_days} enrolled days`,
      chronically_absent_crdc: `1 when the student missed at least half of the day on ${rule.crdc_days} or more days (the Civil Rights Data Collection measure)`,
    },
  };
}

export interface OutcomeTotals {
  enrolledDays: number;
  absenceDays: number;
  chronicDays: number;
}

/**
 * A student's outcome, or null when it is undefined for them (no enrolled day; below the minimum
 * enrollment for chronic absence).
 *
 * @example outcomeValue('attendance_rate', { enrolledDays: 100, absenceDays: 7.5, chronicDays: 7 }, rule) // 0.925
 */
export function outcomeValue(name: OutcomeName, t: OutcomeTotals, rule: ChronicRule): number | null {
  if (!(t.enrolledDays > 0)) return null;
  switch (name) {
    case 'absence_days':
      return t.absenceDays;
    case 'attendance_rate':
      return 1 - t.absenceDays / t.enrolledDays;
    case 'chronically_absent':
      if (t.enrolledDays < rule.min_enrolled_days) return null;
      return t.chronicDays >= rule.threshold * t.enrolledDays - 1e-9 ? 1 : 0;
    case 'chronically_absent_crdc':
      return t.chronicDays >= rule.crdc_days ? 1 : 0;
  }
}

export const OUTCOME_LABELS: Record<OutcomeName, string> = {
  absence_days: 'days absent',
  attendance_rate: 'attendance rate',
  chronically_absent: 'chronically absent',
  chronically_absent_crdc: 'absent 15+ days (CRDC)',
};
