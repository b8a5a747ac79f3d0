/**
 * Enrolled days per student and calendar month from the calendars and the enrollment windows
 * (DESIGN.md §5): the instructional days of the student's school inside the student's enrollment
 * windows and the outcome window, a day enrolled at two schools (or in two windows that overlap)
 * counted once. Pure: the store reads the two small tables (instructional days per school, one
 * enrollment window a row) and the counting runs here, in one pass over the windows, instead of
 * joining the calendar to every enrollment window in SQL.
 *
 * Days are day numbers (days since 1970-01-01), months month numbers (year × 12 + month − 1).
 */

/** A school's instructional days, as day numbers in ascending order. */
export interface InstructionalDays {
  schoolId: number;
  days: readonly number[];
}

/** One enrollment window: entry and exit day numbers, exit null while still enrolled. */
export interface EnrollmentSpan {
  studentId: number;
  schoolId: number;
  entry: number;
  exit: number | null;
}

/** Student-months with at least one enrolled day, as columns: row i is (studentIds[i], months[i], days[i]). */
export interface EnrolledMonths {
  studentIds: number[];
  months: number[];
  days: number[];
}

/** A school's instructional days inside the outcome window, with the runs of days of one month. */
interface SchoolDays {
  days: Int32Array;
  /** month number of run r */
  runMonth: number[];
  /** index in days of run r's first day (one more entry at the end: days.length) */
  runStart: number[];
}

const DAY_MS = 86_400_000;

/** The month number of a day number. */
export function monthOfDay(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** Index of the first element of sorted a that is ≥ x (a.length when none). */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function schoolDays(days: readonly number[], lo: number, hi: number): SchoolDays | null {
  const all = Int32Array.from(days);
  const inWindow = all.subarray(lowerBound(all, lo), lowerBound(all, hi + 1));
  if (inWindow.length === 0) return null;
  const runMonth: number[] = [];
  const runStart: number[] = [];
  for (let i = 0; i < inWindow.length; i++) {
    const m = monthOfDay(inWindow[i]);
    if (runMonth.length === 0 || runMonth[runMonth.length - 1] !== m) {
      runMonth.push(m);
      runStart.push(i);
    }
  }
  runStart.push(inWindow.length);
  return { days: inWindow, runMonth, runStart };
}

/**
 * One student's day counts per month while they are summed: parallel lists, a month at most once (a
 * student has a few months, so a list searched from its end beats a map).
 */
class MonthCounts {
  months: number[] = [];
  counts: number[] = [];

  add(month: number, n: number): void {
    for (let k = this.months.length - 1; k >= 0; k--)
      if (this.months[k] === month) {
        this.counts[k] += n;
        return;
      }
    this.months.push(month);
    this.counts.push(n);
  }

  /** Appends the months in ascending order (insertion sort: they mostly come in order) to out, then empties. */
  flushTo(studentId: number, out: EnrolledMonths): void {
    const { months, counts } = this;
    for (let k = 1; k < months.length; k++) {
      const m = months[k];
      const c = counts[k];
      let l = k - 1;
      for (; l >= 0 && months[l] > m; l--) {
        months[l + 1] = months[l];
        counts[l + 1] = counts[l];
      }
      months[l + 1] = m;
      counts[l + 1] = c;
    }
    for (let k = 0; k < months.length; k++) {
      out.studentIds.push(studentId);
      out.months.push(months[k]);
      out.days.push(counts[k]);
    }
    months.length = 0;
    counts.length = 0;
  }
}

/** Adds the days of one window, [a, b] of school s's days by index, to the month counts. */
function addCounts(s: SchoolDays, a: number, b: number, counts: MonthCounts): void {
  // the run holding index a: the last run starting at or before it
  let r = 0;
  let lo = 0;
  let hi = s.runMonth.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (s.runStart[mid] <= a) {
      r = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = a; i < b; r++) {
    const end = Math.min(b, s.runStart[r + 1]);
    counts.add(s.runMonth[r], end - i);
    i = end;
  }
}

/**
 * Enrolled days per student and month of the outcome window [lo, hi] (day numbers), for every
 * student with a window at a school with a calendar; months without an enrolled day are left out.
 * Spans may come in any order; the result is ordered by student and month.
 *
 * @example enrolledMonths([{ schoolId: 1, days: [20333, 20334, 20364] }], [{ studentId: 7, schoolId: 1, entry: 20334, exit: null }], 0, 99999)
 * // { studentIds: [7, 7], months: [24308, 24309], days: [1, 1] } (one day in 2025-09, one in 2025-10)
 */
export function enrolledMonths(
  calendars: readonly InstructionalDays[],
  spans: readonly EnrollmentSpan[],
  lo: number,
  hi: number,
): EnrolledMonths {
  const schools = new Map<number, SchoolDays>();
  for (const c of calendars) {
    const s = schoolDays(c.days, lo, hi);
    if (s) schools.set(c.schoolId, s);
  }
  // each span as the index range [a, b) of its school's days it covers (empty ones left out)
  const pieces: { studentId: number; school: SchoolDays; a: number; b: number }[] = [];
  for (const e of spans) {
    const school = schools.get(e.schoolId);
    if (!school) continue;
    const a = lowerBound(school.days, e.entry);
    const b = e.exit === null ? school.days.length : lowerBound(school.days, e.exit + 1);
    if (a < b) pieces.push({ studentId: e.studentId, school, a, b });
  }
  pieces.sort((x, y) => x.studentId - y.studentId);
  const out: EnrolledMonths = { studentIds: [], months: [], days: [] };
  const counts = new MonthCounts();
  for (let i = 0; i < pieces.length;) {
    let j = i + 1;
    while (j < pieces.length && pieces[j].studentId === pieces[i].studentId) j++;
    if (j - i === 1 || disjoint(pieces, i, j)) summed(pieces, i, j, counts);
    else distinct(pieces, i, j, counts);
    counts.flushTo(pieces[i].studentId, out);
    i = j;
  }
  return out;
}

type Piece = { school: SchoolDays; a: number; b: number };

/** Whether the pieces i … j − 1 share no calendar date (then their day counts add up). */
function disjoint(pieces: readonly Piece[], i: number, j: number): boolean {
  const first = (p: Piece) => p.school.days[p.a];
  const last = (p: Piece) => p.school.days[p.b - 1];
  if (j - i === 2) {
    const [p, q] = [pieces[i], pieces[i + 1]];
    return last(p) < first(q) || last(q) < first(p);
  }
  const ranges = pieces
    .slice(i, j)
    .map((p) => [first(p), last(p)] as const)
    .sort((x, y) => x[0] - y[0]);
  for (let k = 1; k < ranges.length; k++) if (ranges[k][0] <= ranges[k - 1][1]) return false;
  return true;
}

function summed(pieces: readonly Piece[], i: number, j: number, counts: MonthCounts): void {
  for (let k = i; k < j; k++) addCounts(pieces[k].school, pieces[k].a, pieces[k].b, counts);
}

/** Distinct instructional dates of overlapping pieces, counted per month. */
function distinct(pieces: readonly Piece[], i: number, j: number, counts: MonthCounts): void {
  const dates = new Set<number>();
  for (let k = i; k < j; k++) {
    const { school, a, b } = pieces[k];
    for (let d = a; d < b; d++) dates.add(school.days[d]);
  }
  for (const d of dates) counts.add(monthOfDay(d), 1);
}
