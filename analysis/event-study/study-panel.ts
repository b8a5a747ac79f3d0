/**
 * The student × month event-study panel of a study's own data (issue 12 item 1), pure: the
 * per-student-month outcomes built in SQL (analysis/outcomes.store.ts), each student's treatment
 * start month, and the arms that deliver a program, turned into the Panel every estimator reads.
 *
 * - Periods are months numbered `year · 12 + (month − 1)` (so consecutive months differ by 1 across
 *   a year boundary and event times are months); `months` maps each period back to 'YYYY-MM'.
 * - A student's cohort is the month their treatment started: the first home visit, the first
 *   delivered message, or the randomization month of their wave. Students of an arm without a program
 *   (control) and students never served are never treated (cohort 0); a control student who was
 *   nevertheless served is kept as never treated (intention to treat) and counted.
 * - The panel is kept unbalanced as it is (months without enrolled days are not rows); students with
 *   no enrolled month are not in it. A student treated before the first month of the panel has no
 *   untreated month and is dropped and counted (did drops always-treated units the same way); a
 *   start after the last month is counted as never treated only with `lateCohortsNeverTreated`.
 * - Outcomes per student-month (DESIGN.md §5): attendance rate 1 − absence days / enrolled days,
 *   absence days, enrolled days.
 */
import type { Panel } from './panel.ts';
import type { PanelCsvSummary } from './panel-csv.ts';

export type StudyOutcome = 'attendance_rate' | 'absence_days' | 'enrolled_days';
export type TreatmentStart = 'first_visit' | 'first_delivered_message' | 'randomization';

export interface StudyMonth {
  studentId: number;
  /** 'YYYY-MM' */
  month: string;
  enrolledDays: number;
  absenceDays: number;
}

export interface StudyStudent {
  studentId: number;
  studentKey: string;
  unitKey: string;
  arm: string;
  /** 'YYYY-MM' the treatment started for this student by the chosen start, null when never */
  startMonth: string | null;
}

export interface StudyPanelOptions {
  outcome: StudyOutcome;
  /** arms that deliver a program; students of other arms are never treated */
  treatedArms: ReadonlySet<string>;
  lateCohortsNeverTreated: boolean;
  /** cluster by the randomization unit (household or school studies) */
  clusterByUnit: boolean;
}

export interface StudyPanelRow {
  student_key: string;
  month: string;
  period: number;
  cohort: number;
  y: number;
}

export type StudyPanelResult =
  | {
      ok: true;
      panel: Panel;
      summary: PanelCsvSummary;
      /** period value → 'YYYY-MM' of every period of the panel */
      months: Record<string, string>;
      counts: {
        students: number;
        treated_students: number;
        never_treated_students: number;
        served_control_students: number;
        treated_before_panel_dropped: number;
        students_without_months: number;
      };
      rows: StudyPanelRow[];
    }
  | { ok: false; message: string };

/** 'YYYY-MM' → months since year 0 (year · 12 + month − 1). */
export function monthNumber(month: string): number {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new Error(`study panel: month ${month} is not YYYY-MM`);
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

/** months since year 0 → 'YYYY-MM' */
export function monthLabel(n: number): string {
  return `${String(Math.floor(n / 12)).padStart(4, '0')}-${String((n % 12) + 1).padStart(2, '0')}`;
}

function outcomeOf(m: StudyMonth, outcome: StudyOutcome): number {
  if (outcome === 'absence_days') return m.absenceDays;
  if (outcome === 'enrolled_days') return m.enrolledDays;
  return 1 - m.absenceDays / m.enrolledDays;
}

/**
 * @example studyPanel([{ studentId: 1, month: '2025-10', enrolledDays: 20, absenceDays: 2 }], [{ studentId: 1, studentKey: 'student:0100007:1', unitKey: 'student:0100007:1', arm: 'treatment', startMonth: '2025-10' }], { outcome: 'attendance_rate', treatedArms: new Set(['treatment']), lateCohortsNeverTreated: false, clusterByUnit: false })
 * // => { ok: true, panel: { ids: ['student:0100007:1'], times: [24309], cohort: [24309], y: [0.9] }, … }
 */
export function studyPanel(
  months: readonly StudyMonth[],
  students: readonly StudyStudent[],
  o: StudyPanelOptions,
): StudyPanelResult {
  // months with no enrolled day carry no attendance rate; they are not observations
  const kept = months.filter((m) => m.enrolledDays > 0);
  const byStudent = new Map<number, StudyMonth[]>();
  for (const m of kept) {
    const list = byStudent.get(m.studentId);
    if (list) list.push(m);
    else byStudent.set(m.studentId, [m]);
  }
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const m of kept) {
    const t = monthNumber(m.month);
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  const ordered = [...students].sort((a, b) =>
    a.studentKey < b.studentKey ? -1 : a.studentKey > b.studentKey ? 1 : 0,
  );
  const counts = {
    students: 0,
    treated_students: 0,
    never_treated_students: 0,
    served_control_students: 0,
    treated_before_panel_dropped: 0,
    students_without_months: 0,
  };
  let lateCohortUnits = 0;
  const late: string[] = [];
  const units: { s: StudyStudent; cohort: number; rows: StudyMonth[] }[] = [];
  for (const s of ordered) {
    const rows = byStudent.get(s.studentId);
    if (!rows) {
      counts.students_without_months++;
      continue;
    }
    let cohort = 0;
    if (o.treatedArms.has(s.arm)) {
      if (s.startMonth !== null) cohort = monthNumber(s.startMonth);
    } else if (s.startMonth !== null) counts.served_control_students++;
    if (cohort !== 0 && cohort <= first) {
      counts.treated_before_panel_dropped++;
      continue;
    }
    if (cohort > last) {
      if (!o.lateCohortsNeverTreated) {
        late.push(s.studentKey);
        continue;
      }
      cohort = 0;
      lateCohortUnits++;
    }
    units.push({ s, cohort, rows });
  }
  if (late.length > 0)
    return {
      ok: false,
      message: `${late.length} students (e.g. ${late[0]}) started treatment after the last month with attendance (${monthLabel(last)}); pass --late-cohorts-never-treated to count them as never treated`,
    };
  if (units.length === 0)
    return { ok: false, message: 'no student of the study has a month with enrolled days' };
  const times = Int32Array.from(
    new Set(units.flatMap((u) => u.rows.map((r) => monthNumber(r.month)))),
  ).sort();
  const periodOf = new Map<number, number>();
  times.forEach((t, k) => periodOf.set(t, k));
  const n = units.reduce((s, u) => s + u.rows.length, 0);
  const unit = new Int32Array(n);
  const period = new Int32Array(n);
  const y = new Float64Array(n);
  const cohort = new Int32Array(units.length);
  const rows: StudyPanelRow[] = [];
  let o2 = 0;
  units.forEach((u, k) => {
    cohort[k] = u.cohort;
    if (u.cohort === 0) counts.never_treated_students++;
    else counts.treated_students++;
    for (const r of u.rows) {
      const t = monthNumber(r.month);
      unit[o2] = k;
      period[o2] = periodOf.get(t)!;
      y[o2] = outcomeOf(r, o.outcome);
      rows.push({ student_key: u.s.studentKey, month: r.month, period: t, cohort: u.cohort, y: y[o2] });
      o2++;
    }
  });
  counts.students = units.length;
  const panel: Panel = { ids: units.map((u) => u.s.studentKey), times, unit, period, y, cohort };
  if (o.clusterByUnit) {
    const codes = new Map<string, number>();
    panel.cluster = Int32Array.from(units, (u) => {
      if (!codes.has(u.s.unitKey)) codes.set(u.s.unitKey, codes.size);
      return codes.get(u.s.unitKey)!;
    });
  }
  const observed = new Int32Array(units.length);
  for (let i = 0; i < n; i++) observed[unit[i]]++;
  const summary: PanelCsvSummary = {
    rows: n,
    droppedMissingOutcome: 0,
    units: units.length,
    periods: times.length,
    unbalancedUnits: observed.filter((c) => c < times.length).length,
    lateCohortUnits,
  };
  const labels = Object.fromEntries(Array.from(times, (t) => [String(t), monthLabel(t)]));
  return { ok: true, panel, summary, months: labels, counts, rows };
}
