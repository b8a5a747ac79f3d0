/**
 * One window's student-month panel from its three sources (DESIGN.md §5): enrolled days counted from
 * the calendars and enrollment windows (enrolled-days.ts), the sums of the daily attendance rows, and
 * the monthly attendance rows. Per student and month: enrolled days from the calendar, else from the
 * daily records (a school without a calendar), else from the monthly row; absence and chronic days
 * from the daily records when there are any (daily attendance wins over a monthly row), else from the
 * monthly row. Pure; the store (outcomes.store.ts) reads the sources.
 *
 * Students, months and days are numbers here (month number = year × 12 + month − 1, day number =
 * days since 1970-01-01): a national panel is about a million student-months, so the sources stay
 * in columns and are merged in student and month order without a map or an object per source row.
 */
import { monthOfDay, type EnrolledMonths } from './enrolled-days.ts';

/** One student-month of the panel (months with any enrolled day, record or monthly row). */
export interface StudentMonthRow {
  studentId: number;
  /** 'YYYY-MM' */
  month: string;
  enrolledDays: number;
  absenceDays: number;
  /** days with ≥ 0.5 of the day missed (the days chronic absence counts) */
  chronicDays: number;
  /** how enrolled days were counted: calendar × enrollment, daily records (no calendar), monthly rows */
  source: 'calendar' | 'records' | 'monthly';
  /** last date of the month with a daily attendance record ('YYYY-MM-DD'), null without one */
  lastRecord: string | null;
}

/** Sums of daily rows per student and month, as columns (row i is element i of each). */
export interface DailySums {
  studentIds: Int32Array;
  months: Int32Array;
  records: Int32Array;
  /** exact sums of the absent fractions, as the nearest double */
  absence: Float64Array;
  chronic: Int32Array;
  /** day number of the month's last record */
  lastDays: Int32Array;
}

/** A monthly attendance row (the district sent monthly totals). */
export interface MonthlyRow {
  studentId: number;
  month: number;
  enrolledDays: number;
  absentDays: number;
}

/**
 * The panel of one window, ordered by student and month. Each source holds at most one row per
 * student and month.
 */
export function combinePanel(
  calendar: EnrolledMonths,
  daily: DailySums,
  monthly: readonly MonthlyRow[],
): StudentMonthRow[] {
  const order = studentMonthOrder(daily.studentIds, daily.months);
  const monthlyRows = [...monthly].sort((a, b) => a.studentId - b.studentId || a.month - b.month);
  const out: StudentMonthRow[] = [];
  const n = calendar.studentIds.length;
  let c = 0;
  let d = 0;
  let m = 0;
  const INF = Number.POSITIVE_INFINITY;
  while (c < n || d < order.length || m < monthlyRows.length) {
    const cs = c < n ? calendar.studentIds[c] : INF;
    const ds = d < order.length ? daily.studentIds[order[d]] : INF;
    const ms = m < monthlyRows.length ? monthlyRows[m].studentId : INF;
    const student = Math.min(cs, ds, ms);
    const month = Math.min(
      cs === student ? calendar.months[c] : INF,
      ds === student ? daily.months[order[d]] : INF,
      ms === student ? monthlyRows[m].month : INF,
    );
    const days = cs === student && calendar.months[c] === month ? calendar.days[c++] : null;
    const i = ds === student && daily.months[order[d]] === month ? order[d++] : -1;
    const mo = ms === student && monthlyRows[m].month === month ? monthlyRows[m++] : null;
    out.push({
      studentId: student,
      month: monthText(month),
      enrolledDays: days ?? (i >= 0 ? daily.records[i] : (mo?.enrolledDays ?? 0)),
      absenceDays: roundDays(i >= 0 ? daily.absence[i] : (mo?.absentDays ?? 0)),
      chronicDays: i >= 0 ? daily.chronic[i] : (mo?.absentDays ?? 0),
      source: days !== null ? 'calendar' : i >= 0 ? 'records' : 'monthly',
      lastRecord: i >= 0 ? dayText(daily.lastDays[i]) : null,
    });
  }
  return out;
}

/**
 * The row indices in student and month order: counted into one bucket per student id (ids are the
 * database's dense identity numbers), each bucket's few months put in order by insertion.
 */
function studentMonthOrder(studentIds: Int32Array, months: Int32Array): Int32Array {
  const n = studentIds.length;
  const order = new Int32Array(n);
  if (n === 0) return order;
  let lo = studentIds[0];
  let hi = studentIds[0];
  for (let i = 1; i < n; i++) {
    lo = Math.min(lo, studentIds[i]);
    hi = Math.max(hi, studentIds[i]);
  }
  const byKey = (a: number, b: number) => studentIds[a] - studentIds[b] || months[a] - months[b];
  if (hi - lo > 4 * n + 1_000_000) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort(byKey);
  }
  const start = new Int32Array(hi - lo + 2);
  for (let i = 0; i < n; i++) start[studentIds[i] - lo + 1]++;
  for (let s = 1; s < start.length; s++) start[s] += start[s - 1];
  const next = start.slice(0, hi - lo + 1);
  for (let i = 0; i < n; i++) order[next[studentIds[i] - lo]++] = i;
  for (let s = 0; s + 1 < start.length; s++)
    for (let j = start[s] + 1; j < start[s + 1]; j++) {
      const x = order[j];
      let k = j - 1;
      for (; k >= start[s] && months[order[k]] > months[x]; k--) order[k + 1] = order[k];
      order[k + 1] = x;
    }
  return order;
}

const monthTexts = new Map<number, string>();
/** 'YYYY-MM' of a month number (the few distinct months of a panel made once). */
export function monthText(m: number): string {
  let t = monthTexts.get(m);
  if (t === undefined) {
    t = `${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}`;
    monthTexts.set(m, t);
  }
  return t;
}

const dayTexts = new Map<number, string>();
/** 'YYYY-MM-DD' of a day number. */
export function dayText(day: number): string {
  let t = dayTexts.get(day);
  if (t === undefined) {
    const d = new Date(day * 86_400_000);
    t = `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
    dayTexts.set(day, t);
  }
  return t;
}

const dayMonths = new Map<number, number>();
/** The month number of a day number (memoized: a panel's days are few). */
export function monthOfDayCached(day: number): number {
  let m = dayMonths.get(day);
  if (m === undefined) dayMonths.set(day, (m = monthOfDay(day)));
  return m;
}

/** Sums of fractions (stored as real) rounded to 1e-6 day, so float noise never reaches a report. */
export function roundDays(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
