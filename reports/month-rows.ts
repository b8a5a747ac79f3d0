/**
 * The student-month panel of a report's inputs read once per load, and the rows of a contrast's
 * window analysis table matched to the students once per load and contrast: what the monthly
 * sections (attendance by month, the monthly ITT tables) read for every month. Keyed by the inputs
 * object (never changed once loaded, as fit-cache.ts), so a cached value is exactly what computing
 * it again would give. Pure.
 */
import type { ArmContrast } from '../analysis/analysis-plan.ts';
import type { OutcomeTotals } from '../analysis/outcome-definitions.ts';
import { pooledTable } from './fit-cache.ts';
import type { ReportInputs } from './report-inputs.ts';

/** Each student's days of each month, month-major: student i's month m at `m * students + i`. */
export interface MonthDays {
  /** the months with any student's row, sorted */
  months: string[];
  /** index of each month in `months` */
  index: ReadonlyMap<string, number>;
  students: number;
  /** 1 where the student has a row for the month (the days are 0 where not) */
  present: Uint8Array;
  enrolledDays: Float64Array;
  absenceDays: Float64Array;
  chronicDays: Float64Array;
}

const panels = new WeakMap<ReportInputs, MonthDays>();

/** The inputs' months as typed arrays (a student's first row of a month, as `find` gives it). */
export function monthDays(inputs: ReportInputs): MonthDays {
  let p = panels.get(inputs);
  if (p) return p;
  const set = new Set<string>();
  for (const list of inputs.months) for (const m of list) set.add(m.month);
  const months = [...set].sort();
  const index = new Map(months.map((m, k) => [m, k]));
  const n = inputs.students.length;
  const size = months.length * n;
  p = {
    months,
    index,
    students: n,
    present: new Uint8Array(size),
    enrolledDays: new Float64Array(size),
    absenceDays: new Float64Array(size),
    chronicDays: new Float64Array(size),
  };
  for (let i = 0; i < n; i++) {
    for (const m of inputs.months[i]) {
      const at = index.get(m.month)! * n + i;
      if (p.present[at]) continue;
      p.present[at] = 1;
      p.enrolledDays[at] = m.enrolledDays;
      p.absenceDays[at] = m.absenceDays;
      p.chronicDays[at] = m.chronicDays;
    }
  }
  panels.set(inputs, p);
  return p;
}

const matches = new WeakMap<ReportInputs, Map<string, Int32Array | null>>();

/**
 * The student (index in `inputs.students`) of each data row of the contrast's window table
 * (`pooledTable`), or null when the rows cannot be matched to the students: the table keeps the
 * students of the contrast's arms in their order, but those of blocks holding one of the arms only,
 * and a row is matched to the next student of its arm and block.
 */
export function windowRowStudents(inputs: ReportInputs, c: ArmContrast): Int32Array | null {
  let byContrast = matches.get(inputs);
  if (!byContrast) matches.set(inputs, (byContrast = new Map()));
  const key = JSON.stringify([c.treatment, c.control]);
  if (byContrast.has(key)) return byContrast.get(key)!;
  // the rows' arm and block by their labels (trimmed cells; a student whose arm or block the table
  // would trim or read as missing is not matched, and the months' tables are then made from cells)
  const window = pooledTable(inputs, c).encoded;
  const block = window.column('block')!.labels();
  const arm = window.column('arm')!.labels();
  const rows = window.rows;
  const students = new Int32Array(rows);
  let r = 0;
  for (let i = 0; i < inputs.students.length && r < rows; i++) {
    const s = inputs.students[i];
    if (arm.levels[arm.codes[r]] !== s.arm || block.levels[block.codes[r]] !== s.blockKey) continue;
    students[r++] = i;
  }
  // every row matched to a student of the contrast's arms, in order, and no such student left over
  const matched = r === rows && sameMembers(inputs, c, rows) ? students : null;
  byContrast.set(key, matched);
  return matched;
}

/** Whether the window table holds every student of the contrast's arms but those of single-arm blocks. */
function sameMembers(inputs: ReportInputs, c: ArmContrast, rows: number): boolean {
  const arms = new Map<string, number>(); // block → 1 treatment, 2 control, 3 both
  for (const s of inputs.students) {
    const bit = s.arm === c.treatment ? 1 : s.arm === c.control ? 2 : 0;
    if (bit) arms.set(s.blockKey, (arms.get(s.blockKey) ?? 0) | bit);
  }
  let n = 0;
  for (const s of inputs.students)
    if ((s.arm === c.treatment || s.arm === c.control) && arms.get(s.blockKey) === 3) n++;
  return n === rows;
}

/**
 * Visits each data row of the contrast's window table in order with its student and the student's
 * days of the month (0 where the student has no row for it): `visit(row, student, days)`, row 0 being
 * the first data row and `days` one object refilled for each row (copy what is kept). Returns false,
 * visiting nothing, when the rows cannot be matched to the students (`windowRowStudents`).
 */
export function forEachMonthRow(
  inputs: ReportInputs,
  c: ArmContrast,
  month: string,
  visit: (row: number, student: number, days: OutcomeTotals) => void,
): boolean {
  const students = windowRowStudents(inputs, c);
  if (!students) return false;
  const p = monthDays(inputs);
  const m = p.index.get(month);
  const base = m === undefined ? -1 : m * p.students;
  const days: OutcomeTotals = { enrolledDays: 0, absenceDays: 0, chronicDays: 0 };
  for (let r = 0; r < students.length; r++) {
    const i = students[r];
    visit(r, i, daysAt(p, base < 0 ? -1 : base + i, days));
  }
  return true;
}

/** The days at `at` (month × students + student; −1 for none: zeros) written into `days`, which it returns. */
export function daysAt(p: MonthDays, at: number, days: OutcomeTotals): OutcomeTotals {
  days.enrolledDays = at < 0 ? 0 : p.enrolledDays[at];
  days.absenceDays = at < 0 ? 0 : p.absenceDays[at];
  days.chronicDays = at < 0 ? 0 : p.chronicDays[at];
  return days;
}
