import { pick, uniformInt, type Rng } from './random.ts';
import type { CalendarDay, SchoolCalendar } from './types.ts';

const DAY_MS = 86_400_000;

/** Relative absence risk by month (January = 0): flu season and the last weeks of the year run high. */
const MONTH_FACTOR = [1.15, 1.15, 1.05, 1.0, 1.1, 1.2, 1, 0.8, 0.85, 0.95, 1.0, 1.15];
/** Relative absence risk by weekday (Sunday = 0): Mondays and Fridays are missed more often. */
const WEEKDAY_FACTOR = [1, 1.1, 0.95, 0.95, 0.95, 1.15, 1];

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function utc(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day);
}

/** The n-th (1-based) given weekday of a month; n = -1 for the last one. */
export function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n === -1) {
    const last = utc(year, month + 1, 0);
    const back = (new Date(last).getUTCDay() - weekday + 7) % 7;
    return last - back * DAY_MS;
  }
  const first = utc(year, month, 1);
  const ahead = (weekday - new Date(first).getUTCDay() + 7) % 7;
  return first + (ahead + 7 * (n - 1)) * DAY_MS;
}

interface CalendarDraft {
  closed: Set<number>;
  halfDays: Set<number>;
}

/** Federal and customary school holidays and breaks of the school year starting in `year`. */
function closures(year: number, rng: Rng): CalendarDraft {
  const closed = new Set<number>();
  const halfDays = new Set<number>();
  const close = (from: number, to = from) => {
    for (let d = from; d <= to; d += DAY_MS) closed.add(d);
  };
  close(nthWeekday(year, 9, 1, 1)); // Labor Day
  if (rng() < 0.5) {
    const columbus = nthWeekday(year, 10, 1, 2);
    close(columbus - 3 * DAY_MS, columbus); // fall break: Friday to Monday
  }
  if (rng() < 0.4) close(utc(year, 11, 11)); // Veterans Day
  const thanksgiving = nthWeekday(year, 11, 4, 4);
  if (rng() < 0.4) close(thanksgiving - 3 * DAY_MS, thanksgiving + DAY_MS);
  else {
    close(thanksgiving - DAY_MS, thanksgiving + DAY_MS);
    halfDays.add(thanksgiving - 2 * DAY_MS);
  }
  close(utc(year, 12, 21), utc(year + 1, 1, rng() < 0.5 ? 2 : 3)); // winter break
  let lastBeforeBreak = utc(year, 12, 20);
  while ([0, 6].includes(new Date(lastBeforeBreak).getUTCDay())) lastBeforeBreak -= DAY_MS;
  halfDays.add(lastBeforeBreak);
  close(nthWeekday(year + 1, 1, 1, 3)); // Martin Luther King Jr. Day
  if (rng() < 0.7) close(nthWeekday(year + 1, 2, 1, 3)); // Presidents' Day
  const springMonday = nthWeekday(year + 1, 3, 1, pick(rng, [2, 3, 3, 4]));
  close(springMonday, springMonday + 4 * DAY_MS);
  close(nthWeekday(year + 1, 5, 1, -1)); // Memorial Day
  close(utc(year + 1, 6, 19)); // Juneteenth
  return { closed, halfDays };
}

/**
 * A district's school-year calendar: first day in mid-August, federal holidays, Thanksgiving,
 * winter and spring breaks, a few teacher in-service days, a couple of half days (day_fraction 0.5),
 * and as many weeks as it takes to reach `targetDays` instructional days (about 180; late May or
 * early June). `days` runs from the first to the last school day and includes weekends.
 */
export function buildDistrictCalendar(year: number, rng: Rng, targetDays = 180): SchoolCalendar {
  const { closed, halfDays } = closures(year, rng);
  let start = utc(year, 8, uniformInt(rng, 11, 25));
  while ([0, 5, 6].includes(new Date(start).getUTCDay())) start += DAY_MS;
  const inService = new Set<number>();
  const inServiceCount = uniformInt(rng, 2, 3);
  for (let k = 0; k < inServiceCount; k++) inService.add(start + uniformInt(rng, 20, 240) * DAY_MS);
  const days: CalendarDay[] = [];
  const instructional: number[] = [];
  let prevOpen = true;
  for (let d = start; instructional.length < targetDays; d += DAY_MS) {
    const weekday = new Date(d).getUTCDay();
    const open = weekday !== 0 && weekday !== 6 && !closed.has(d) && !inService.has(d);
    const month = new Date(d).getUTCMonth();
    let factor = 1;
    if (open) {
      factor = MONTH_FACTOR[month] * WEEKDAY_FACTOR[weekday];
      if (!prevOpen && weekday !== 1) factor *= 1.15; // the day after a mid-week closure
      if (halfDays.has(d)) factor *= 1.25;
      instructional.push(days.length);
    }
    days.push({
      date: isoDate(d),
      instructional: open,
      dayFraction: open ? (halfDays.has(d) ? 0.5 : 1) : 0,
      absenceFactor: factor,
    });
    if (weekday >= 1 && weekday <= 5) prevOpen = open;
  }
  const last = days[days.length - 1];
  last.dayFraction = 0.5; // the last day of school is a half day
  return { days, instructional };
}

/**
 * The calendar one school keeps: the district's, plus (for elementary schools) a parent–teacher
 * conference half day on the second Friday of instruction in November.
 */
export function schoolCalendarRows(district: SchoolCalendar, elementary: boolean): CalendarDay[] {
  if (!elementary) return district.days;
  let fridays = 0;
  return district.days.map((day) => {
    if (
      day.instructional &&
      day.date.slice(5, 7) === '11' &&
      new Date(`${day.date}T00:00:00Z`).getUTCDay() === 5
    ) {
      fridays += 1;
      if (fridays === 2) return { ...day, dayFraction: 0.5 };
    }
    return day;
  });
}
