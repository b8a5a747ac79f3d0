import { describe, expect, it } from '@jest/globals';
import {
  monthLabel,
  monthNumber,
  studyPanel,
  type StudyMonth,
  type StudyStudent,
} from '../../../analysis/event-study/study-panel.ts';

const m = (studentId: number, month: string, enrolledDays: number, absenceDays: number): StudyMonth => ({
  studentId,
  month,
  enrolledDays,
  absenceDays,
});
const s = (
  studentId: number,
  arm: string,
  startMonth: string | null,
  unitKey = `u${studentId}`,
): StudyStudent => ({
  studentId,
  studentKey: `student:0100007:${String(studentId).padStart(3, '0')}`,
  unitKey,
  arm,
  startMonth,
});
const options = {
  outcome: 'attendance_rate' as const,
  treatedArms: new Set(['visits']),
  lateCohortsNeverTreated: false,
  clusterByUnit: false,
};

describe('studyPanel', () => {
  it('numbers months consecutively across a year boundary', () => {
    expect(monthNumber('2025-12') + 1).toBe(monthNumber('2026-01'));
    expect(monthLabel(monthNumber('2026-01'))).toBe('2026-01');
    expect(() => monthNumber('2026-1')).toThrow();
  });

  it('builds cohorts, outcomes and an unbalanced panel as it is', () => {
    const months = [
      m(1, '2025-11', 20, 2),
      m(1, '2025-12', 15, 0),
      m(1, '2026-01', 20, 5),
      m(2, '2025-11', 20, 1),
      m(2, '2026-01', 18, 0), // misses December
      m(3, '2025-11', 20, 4),
      m(3, '2025-12', 0, 0), // no enrolled day: not an observation
      m(3, '2026-01', 20, 0),
      m(4, '2025-12', 10, 1),
    ];
    const r = studyPanel(
      months,
      [
        s(1, 'visits', '2025-12'),
        s(2, 'control', '2025-12'), // served control: never treated
        s(3, 'visits', null), // never served
        s(4, 'visits', '2025-11'), // treated in the first month: dropped
        s(5, 'visits', '2026-01'), // no month at all
      ],
      options,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.panel.ids).toEqual(['student:0100007:001', 'student:0100007:002', 'student:0100007:003']);
    expect(Array.from(r.panel.times)).toEqual(['2025-11', '2025-12', '2026-01'].map(monthNumber));
    expect(Array.from(r.panel.cohort)).toEqual([monthNumber('2025-12'), 0, 0]);
    expect(Array.from(r.panel.y)).toEqual([0.9, 1, 0.75, 0.95, 1, 0.8, 1]);
    expect(Array.from(r.panel.period)).toEqual([0, 1, 2, 0, 2, 0, 2]);
    expect(r.panel.cluster).toBeUndefined();
    expect(r.summary).toEqual({
      rows: 7,
      droppedMissingOutcome: 0,
      units: 3,
      periods: 3,
      unbalancedUnits: 2,
      lateCohortUnits: 0,
    });
    expect(r.counts).toEqual({
      students: 3,
      treated_students: 1,
      never_treated_students: 2,
      served_control_students: 1,
      treated_before_panel_dropped: 1,
      students_without_months: 1,
    });
    expect(r.months).toEqual({
      [monthNumber('2025-11')]: '2025-11',
      [monthNumber('2025-12')]: '2025-12',
      [monthNumber('2026-01')]: '2026-01',
    });
  });

  it('absence days and enrolled days as outcomes; clusters by randomization unit', () => {
    const months = [m(1, '2025-11', 20, 2.5), m(2, '2025-11', 19, 1)];
    const students = [s(1, 'visits', null, 'household:a'), s(2, 'visits', null, 'household:a')];
    const abs = studyPanel(months, students, { ...options, outcome: 'absence_days', clusterByUnit: true });
    const enr = studyPanel(months, students, { ...options, outcome: 'enrolled_days' });
    if (!abs.ok || !enr.ok) throw new Error('refused');
    expect(Array.from(abs.panel.y)).toEqual([2.5, 1]);
    expect(Array.from(abs.panel.cluster!)).toEqual([0, 0]);
    expect(Array.from(enr.panel.y)).toEqual([20, 19]);
  });

  it('refuses a start after the last month unless asked to count it as never treated', () => {
    const months = [m(1, '2025-11', 20, 2), m(1, '2025-12', 20, 2), m(2, '2025-11', 20, 0)];
    const students = [s(1, 'visits', '2026-03'), s(2, 'visits', '2025-12')];
    const refused = studyPanel(months, students, options);
    expect(refused).toEqual({
      ok: false,
      message: expect.stringMatching(
        /1 students .*student:0100007:001.*2025-12.*--late-cohorts-never-treated/,
      ),
    });
    const kept = studyPanel(months, students, { ...options, lateCohortsNeverTreated: true });
    if (!kept.ok) throw new Error(kept.message);
    expect(Array.from(kept.panel.cohort)).toEqual([0, monthNumber('2025-12')]);
    expect(kept.summary.lateCohortUnits).toBe(1);
  });
});
