import type { ThresholdAlertsConfig } from './program-config.ts';
import { addDays } from './school-year.ts';

/** One day with absence (absent fraction > 0, in-school suspension excluded) of one student. */
export interface AbsenceDay {
  date: string;
  fraction: number;
}

/** What a student already received this school year. */
export interface AlertHistory {
  thresholdsFired: ReadonlySet<number>;
  absenceDaysAlerted: ReadonlySet<string>;
}

export interface NewAlert {
  date: string;
  kind: 'absence' | 'threshold';
  /** Absence days of the alert's month up to and including its date. */
  absencesMonth: number;
  absencesYtd: number;
  threshold: number | null;
  tier: number | null;
  role: 'advisor' | 'counselor' | 'attendance_team' | null;
  dueDate: string | null;
}

/**
 * The alerts a threshold program raises for one student over the days (after, through] of one school
 * year, given every absence day of that school year so far in date order. Absence alerts: on each
 * absence day in the window whose missed share reaches `min_fraction` (or only on the school year's
 * first such day, with `alert_on: 'first'`). Escalations: the day the school-year absence count (sum
 * of absent fractions) first reaches a threshold; each threshold fires once per student and school
 * year, so one not yet fired fires even if the crossing day lies before the window (attendance that
 * arrived late), on that day.
 */
export function alertsFor(
  days: readonly AbsenceDay[],
  after: string | null,
  through: string,
  config: ThresholdAlertsConfig,
  history: AlertHistory,
): NewAlert[] {
  const out: NewAlert[] = [];
  const thresholds = [...config.thresholds].sort((a, b) => a.absences - b.absences);
  let ytd = 0;
  let monthToDate = 0;
  let month = '';
  let firstSeen = false;
  for (const d of days) {
    if (d.date > through) break;
    ytd = Math.round((ytd + d.fraction) * 1e6) / 1e6;
    if (d.date.slice(0, 7) !== month) {
      month = d.date.slice(0, 7);
      monthToDate = 0;
    }
    monthToDate = Math.round((monthToDate + d.fraction) * 1e6) / 1e6;
    const inWindow = after === null || d.date > after;
    const counts = d.fraction >= config.min_fraction;
    if (counts && inWindow && !history.absenceDaysAlerted.has(d.date)) {
      if (config.alert_on === 'every' || (config.alert_on === 'first' && !firstSeen))
        out.push({
          date: d.date,
          kind: 'absence',
          absencesMonth: monthToDate,
          absencesYtd: ytd,
          threshold: null,
          tier: null,
          role: null,
          dueDate: null,
        });
    }
    if (counts) firstSeen = true;
    for (const t of thresholds) {
      if (
        ytd >= t.absences &&
        !history.thresholdsFired.has(t.absences) &&
        !out.some((a) => a.threshold === t.absences)
      )
        out.push({
          date: d.date,
          kind: 'threshold',
          absencesMonth: monthToDate,
          absencesYtd: ytd,
          threshold: t.absences,
          tier: t.tier,
          role: t.role,
          dueDate: addDays(d.date, t.due_days),
        });
    }
  }
  return out;
}
