/**
 * The month panel read once and the window rows matched once (reports/month-rows.ts), and the
 * descriptive sections built on them, against straightforward implementations (the loops they
 * replaced) on random studies.
 */
import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { parsePlan } from '../../../analysis/analysis-plan.ts';
import { analysisTable } from '../../../analysis/analysis-table.ts';
import { outcomeValue, type OutcomeTotals } from '../../../analysis/outcome-definitions.ts';
import {
  DIMENSIONS,
  attendanceByMonth,
  disaggregationSection,
  flowSection,
  monthEncoded,
  monthTable,
} from '../../../reports/descriptive-sections.ts';
import { pooledTable } from '../../../reports/fit-cache.ts';
import { forEachMonthRow, monthDays, windowRowStudents } from '../../../reports/month-rows.ts';
import type { ReportInputs, ReportStudent, StudentMonth } from '../../../reports/report-inputs.ts';
import { showCountGroup, showPercent } from '../../../reports/suppression.ts';
import { monthDaysByFind, reportInputs } from '../../helpers/report-inputs.ts';

const MONTHS = ['2025-10', '2025-11', '2025-12', '2026-01'];
const contrast = { treatment: 'treatment', control: 'control', kind: 'program_vs_control' } as never;

/** A random study: three arms (one outside the contrast), blocks of one arm now and then, months missing or repeated. */
function randomInputs(seed: string): ReportInputs {
  const rng = seedrandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)];
  const n = 20 + Math.floor(rng() * 200);
  const students: ReportStudent[] = [];
  const months: StudentMonth[][] = [];
  for (let i = 0; i < n; i++) {
    const enrolled = rng() < 0.1 ? 0 : Math.floor(rng() * 160);
    const absence = Math.min(enrolled, Math.floor(rng() * 25) + rng() / 2);
    const leaid = pick(['0100001', '0100002', '0100003']);
    students.push({
      studentKey: `s${String(i).padStart(4, '0')}`,
      unitKey: `u${Math.floor(i / 2)}`,
      blockKey: rng() < 0.05 ? `lonely${i}` : `${leaid}|${pick(['a', 'b', 'c'])}`,
      arm: pick(['control', 'treatment', 'treatment', 'visits']),
      districtLeaid: leaid,
      householdKey: String(Math.floor(i / 2)),
      grade: pick(['KG', '01', '04', '07', '10', '13', 'PK']),
      englishLearner: pick([true, false, null]),
      priorYearAbsenceRate: rng() < 0.1 ? null : rng() * 0.2,
      enrolledDays: enrolled,
      absenceDays: absence,
      chronicDays: Math.floor(absence),
      baselineAbsenceRate: rng() * 0.2,
      received: null,
      sex: pick(['F', 'M', null]),
      raceEthnicity: pick(['white', 'black', 'hispanic', 'asian', null]),
      disability: pick([true, false, null]),
      lowIncome: pick([true, false, null]),
    });
    const list: StudentMonth[] = [];
    for (const month of MONTHS) {
      if (rng() < 0.15) continue;
      const copies = rng() < 0.05 ? 2 : 1; // a repeated month: the first row counts
      for (let k = 0; k < copies; k++) {
        const enrolledDays = Math.floor(rng() * 22);
        const absenceDays = Math.min(enrolledDays, Math.floor(rng() * 6) + (rng() < 0.3 ? 0.5 : 0));
        list.push({ month, enrolledDays, absenceDays, chronicDays: Math.floor(absenceDays) });
      }
    }
    months.push(list.sort(() => rng() - 0.5));
  }
  const plan = parsePlan({ window: { start: '2025-10-01', end: '2026-01-31' } });
  if (!plan.ok) throw new Error(plan.problems.join('; '));
  return reportInputs({
    students,
    months,
    plan: plan.plan,
    unit: 'student',
    arms: [
      { name: 'control', probability: '0.4' },
      { name: 'treatment', probability: '0.4' },
      { name: 'visits', probability: '0.2' },
    ],
  });
}

/** The rows, students and days of a month as the loop month-rows.ts replaced found them (null: unmatched). */
function referenceMonthRows(inputs: ReportInputs, month: string) {
  const window = pooledTable(inputs, contrast).cells;
  const block = window[0].indexOf('block');
  const arm = window[0].indexOf('arm');
  const out: [number, number, OutcomeTotals][] = [];
  let r = 1;
  for (let i = 0; i < inputs.students.length && r <= window.length; i++) {
    const s = inputs.students[i];
    if (r === window.length || window[r][arm] !== s.arm || window[r][block] !== s.blockKey) continue;
    out.push([r - 1, i, monthDaysByFind(inputs, i, month)]);
    r++;
  }
  const arms = new Map<string, Set<string>>();
  for (const s of inputs.students) {
    if (s.arm !== 'treatment' && s.arm !== 'control') continue;
    if (!arms.has(s.blockKey)) arms.set(s.blockKey, new Set());
    arms.get(s.blockKey)!.add(s.arm);
  }
  const members = inputs.students.filter(
    (s) => (s.arm === 'treatment' || s.arm === 'control') && arms.get(s.blockKey)!.size === 2,
  ).length;
  return r === window.length && members === window.length - 1 ? out : null;
}

function visited(inputs: ReportInputs, month: string) {
  const out: [number, number, OutcomeTotals][] = [];
  const matched = forEachMonthRow(inputs, contrast, month, (r, i, t) => out.push([r, i, { ...t }]));
  return matched ? out : null;
}

describe('forEachMonthRow', () => {
  it('visits the rows the straightforward loop matches, with each student’s days of the month', () => {
    let rows = 0;
    for (let seed = 0; seed < 40; seed++) {
      const inputs = randomInputs(`month-rows-${seed}`);
      for (const month of [...MONTHS, '2026-02']) {
        const expected = referenceMonthRows(inputs, month);
        expect(expected).not.toBeNull();
        expect(visited(inputs, month)).toEqual(expected);
        rows += expected!.length;
      }
      expect(monthDays(inputs).months).toEqual(MONTHS);
    }
    expect(rows).toBeGreaterThan(1000);
  });

  it('visits nothing when the window table’s rows are not the students’ (and the month table is analysisTable’s)', () => {
    const inputs = randomInputs('month-rows-unmatched');
    pooledTable(inputs, contrast); // the window table, made before the students change
    const i = inputs.students.findIndex((s) => s.arm === 'treatment');
    const s = inputs.students[i];
    inputs.students[i] = { ...s, arm: 'control' };
    expect(referenceMonthRows(inputs, MONTHS[0])).toBeNull();
    expect(windowRowStudents(inputs, contrast)).toBeNull();
    expect(visited(inputs, MONTHS[0])).toBeNull();
    const students = inputs.students.map((x, k) => ({ ...x, ...monthDaysByFind(inputs, k, MONTHS[0]) }));
    const expected = analysisTable(students, inputs.plan, contrast).cells;
    expect(monthTable(inputs, contrast, MONTHS[0])).toEqual(expected);
    expect(monthEncoded(inputs, contrast, MONTHS[0]).cells()).toEqual(expected);
  });

  it('monthEncoded reads as monthTable’s cells read', () => {
    const inputs = randomInputs('month-rows-encoded');
    const cells = monthTable(inputs, contrast, MONTHS[1]);
    const t = monthEncoded(inputs, contrast, MONTHS[1]);
    expect(t.cells()).toEqual(cells);
    for (const name of ['enrolled_days', 'attendance_rate', 'chronically_absent', 'absence_days']) {
      const k = cells[0].indexOf(name);
      const c = t.column(name)!;
      const text = Array.from(c.number, (x, r) => (c.missing[r] ? 'NA' : String(x)));
      expect(text).toEqual(cells.slice(1).map((row) => row[k]));
    }
  });
});

/** attendanceByMonth as it was written: per month and arm, each student's month found in their list. */
function referenceAttendanceByMonth(inputs: ReportInputs) {
  const rows = [];
  const months = [...new Set(inputs.months.flat().map((m) => m.month))].sort();
  for (const month of months)
    for (const { name: arm } of inputs.study.arms) {
      const values: number[] = [];
      inputs.students.forEach((s, i) => {
        if (s.arm !== arm) return;
        const m = inputs.months[i].find((x) => x.month === month);
        const v = m ? outcomeValue('attendance_rate', m, inputs.plan.chronic_absence) : null;
        if (v !== null) values.push(v);
      });
      const attendance_rate = values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
      rows.push({ month, arm, students: values.length, attendance_rate });
    }
  return rows;
}

/** disaggregationSection as it was written: per arm and dimension, the groups' students listed. */
function referenceDisaggregation(inputs: ReportInputs, students: readonly ReportStudent[]) {
  const rule = inputs.plan.chronic_absence;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const rows = [];
  for (const { name: arm } of inputs.study.arms)
    for (const d of DIMENSIONS) {
      const byLevel = new Map<string, ReportStudent[]>();
      for (const s of students) {
        if (s.arm !== arm || s.enrolledDays <= 0) continue;
        byLevel.set(d.level(s), [...(byLevel.get(d.level(s)) ?? []), s]);
      }
      const levels = [...byLevel.keys()].sort();
      const counts = showCountGroup(levels.map((l) => byLevel.get(l)!.length));
      levels.forEach((level, k) => {
        const group = byLevel.get(level)!;
        const defined = (o: 'attendance_rate' | 'chronically_absent') =>
          group.map((s) => outcomeValue(o, s, rule)).filter((v): v is number => v !== null);
        const rate = mean(defined('attendance_rate'));
        const chronic = defined('chronically_absent');
        const masked = counts.cells[k].suppressed !== null;
        rows.push({
          arm,
          dimension: d.name,
          level,
          students: counts.cells[k].text,
          attendance_rate: masked ? '—' : showPercent(rate, group.length).text,
          chronic_absence_share: masked ? '—' : showPercent(mean(chronic), chronic.length).text,
        });
      });
      rows.push({
        arm,
        dimension: d.name,
        level: 'all',
        students: counts.total.text,
        attendance_rate: '',
        chronic_absence_share: '',
      });
    }
  return rows;
}

describe('the descriptive sections read in one pass', () => {
  it('the flow counts each arm’s randomized, enrolled and analyzed students', () => {
    for (let seed = 0; seed < 10; seed++) {
      const inputs = randomInputs(`flow-${seed}`);
      const primary = inputs.plan.outcomes.primary[0];
      const expected = inputs.study.arms.map(({ name }) => {
        const members = inputs.students.filter((s) => s.arm === name);
        return {
          arm: name,
          randomized: members.length,
          enrolled: members.filter((s) => s.enrolledDays > 0).length,
          analyzed: members.filter((s) => outcomeValue(primary, s, inputs.plan.chronic_absence) !== null)
            .length,
        };
      });
      expect(flowSection(inputs)).toEqual(expected);
      expect(expected.every((f) => f.randomized > f.analyzed)).toBe(true);
    }
  });

  it('attendance by month equals the per-month, per-arm search of each student’s months', () => {
    for (let seed = 0; seed < 30; seed++) {
      const inputs = randomInputs(`by-month-${seed}`);
      const got = attendanceByMonth(inputs);
      expect(got).toEqual(referenceAttendanceByMonth(inputs));
      expect(got.length).toBe(MONTHS.length * 3);
    }
  });

  it('disaggregation equals grouping the students per arm and dimension, for all students and a subset', () => {
    let masked = 0;
    for (let seed = 0; seed < 30; seed++) {
      const inputs = randomInputs(`disaggregation-${seed}`);
      for (const students of [
        inputs.students,
        inputs.students.filter((s) => s.districtLeaid === '0100002'),
      ]) {
        const got = disaggregationSection(inputs, students);
        expect(JSON.stringify(got)).toBe(JSON.stringify(referenceDisaggregation(inputs, students)));
        masked += got.filter((r) => r.attendance_rate === '—').length;
      }
    }
    expect(masked).toBeGreaterThan(0);
  });
});
