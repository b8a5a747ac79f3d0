/**
 * Calendar arithmetic of outreach, on 'YYYY-MM-DD' strings in UTC (no time zones, no clock). A
 * school year runs from July 1 to June 30 and is named by the calendar year it ends in, as
 * OneRoster's `schoolYear` is.
 */

/** The school year a date falls in: 2025-09-08 → 2026. */
export function schoolYearOf(date: string): number {
  const y = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 7 ? y + 1 : y;
}

/** First day of the school year of a date: 2025-09-08 → 2025-07-01. */
export function schoolYearStart(date: string): string {
  return `${schoolYearOf(date) - 1}-07-01`;
}

/** 'YYYY-MM' → its first and last day. */
export function monthBounds(month: string): { start: string; end: string } {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { start: `${month}-01`, end: `${month}-${String(last).padStart(2, '0')}` };
}

const addedDays = new Map<string, string>();

/** A date plus n calendar days (remembered: generation asks for the same few days per message). */
export function addDays(date: string, n: number): string {
  const key = `${date}|${n}`;
  let day = addedDays.get(key);
  if (day === undefined) {
    day = new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    if (addedDays.size < 100_000) addedDays.set(key, day);
  }
  return day;
}

/** Whether text is a real 'YYYY-MM' month. */
export function isMonth(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

/** Whether text is a real calendar date 'YYYY-MM-DD'. */
export function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const t = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === text;
}
