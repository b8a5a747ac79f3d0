import { describe, expect, it } from '@jest/globals';
import {
  baselineTotals,
  decileOf,
  exactMatch,
  quantileType7,
  type MatchCandidate,
} from '../../../../analysis/event-study/exact-matching.ts';
import { matchStudyStudents, type MatchableMonth } from '../../../../analysis/event-study/study-matching.ts';
import { studySubgroups } from '../../../../analysis/event-study/study-subgroups.ts';
import type { Panel } from '../../../../analysis/event-study/panel.ts';

/** 20 baseline enrolled days; absence days and days with ≥ 0.5 missed given. */
const student = (
  key: string,
  district: string,
  grade: string,
  el: boolean | null,
  served: boolean,
  absence: number | null,
  enrolled = 20,
): MatchCandidate => ({
  key,
  district,
  gradeBand: grade === '03' || grade === '04' ? 'PK-05' : grade === '07' ? '06-08' : '09-12',
  englishLearner: el,
  served,
  baseline: absence === null ? null : { enrolledDays: enrolled, absenceDays: absence, chronicDays: absence },
});

const hand = [
  student('T1', 'A', '03', false, true, 4), // rate 0.80
  student('T2', 'A', '07', true, true, 6), // 0.70; its only look-alike (C5) is not an English learner
  student('T3', 'B', '03', false, true, null), // no baseline month
  student('T4', 'B', '10', null, true, 2), // 0.90, EL unknown
  student('C1', 'A', '04', false, false, 4), // T1's stratum
  student('C2', 'A', '04', false, false, 1), // 5 % of days: not chronically absent
  student('C3', 'A', '04', false, false, 4, 8), // 8 enrolled days: below the minimum of 10
  student('C4', 'B', '10', null, false, 2), // exactly 10 %: chronically absent; T4's stratum
  student('C5', 'A', '07', false, false, 6),
  student('C6', 'B', '03', false, false, 5), // a stratum without a served student
  student('C7', 'A', '04', false, false, 4), // T1's stratum
];

describe('exact matching (district × grade band × baseline attendance decile × English learner)', () => {
  it('type-7 quantiles and deciles as R computes them', () => {
    // R: quantile(c(.7, .7, .75, .8, .8, .8, .9, .9), seq(.1, .9, .1))
    const x = [0.7, 0.7, 0.75, 0.8, 0.8, 0.8, 0.9, 0.9];
    const want = [0.7, 0.72, 0.755, 0.79, 0.8, 0.8, 0.8, 0.86, 0.9];
    want.forEach((q, k) => expect(quantileType7(x, (k + 1) / 10)).toBeCloseTo(q, 12));
    expect(decileOf(0.7, want)).toBe(1);
    expect(decileOf(0.75, want)).toBe(3);
    expect(decileOf(0.8, want)).toBe(5);
    expect(decileOf(0.9, want)).toBe(9);
    expect(decileOf(0.95, want)).toBe(10);
  });

  it('matches served students to the chronically absent not-served students of their stratum', () => {
    const m = exactMatch(hand);
    expect([...m.treated].sort()).toEqual(['T1', 'T4']);
    expect([...m.comparisons].sort()).toEqual(['C1', 'C4', 'C7']);
    expect(m.counts).toEqual({
      served: 4,
      served_matched: 2,
      served_unmatched: 2,
      served_unmatched_no_baseline: 1,
      served_unmatched_no_comparison: 1,
      match_rate: 0.5,
      comparison_candidates: 7,
      chronically_absent_candidates: 5,
      comparisons_matched: 3,
    });
    // the pool's rates are T1 .8, T2 .7, T4 .9, C1 .8, C4 .9, C5 .7, C6 .75, C7 .8 (see above)
    expect(m.decileCuts![3]).toBeCloseTo(0.79, 12);
    expect(m.strata).toEqual([
      { district: 'A', grade_band: '06-08', decile: 1, english_learner: 'N', treated: 0, comparisons: 1 },
      { district: 'A', grade_band: '06-08', decile: 1, english_learner: 'Y', treated: 1, comparisons: 0 },
      { district: 'A', grade_band: 'PK-05', decile: 5, english_learner: 'N', treated: 1, comparisons: 2 },
      {
        district: 'B',
        grade_band: '09-12',
        decile: 9,
        english_learner: 'unknown',
        treated: 1,
        comparisons: 1,
      },
      { district: 'B', grade_band: 'PK-05', decile: 3, english_learner: 'N', treated: 0, comparisons: 1 },
    ]);
  });

  it('a different baseline decile breaks a match', () => {
    // C1 and C7 now miss more days than T1: a lower decile, so T1 has no comparison left
    const moved = hand.map((s) =>
      s.key === 'C1' || s.key === 'C7' ? student(s.key, 'A', '04', false, false, 5.5) : s,
    );
    const m = exactMatch(moved);
    expect(m.treated.has('T1')).toBe(false);
    expect(m.counts.served_unmatched_no_comparison).toBe(2);
  });

  it('baseline totals: the months before the first start only', () => {
    const months = [
      { studentId: 1, month: '2025-09', enrolledDays: 20, absenceDays: 2, chronicDays: 2 },
      { studentId: 1, month: '2025-10', enrolledDays: 21, absenceDays: 1.5, chronicDays: 1 },
      { studentId: 1, month: '2025-11', enrolledDays: 19, absenceDays: 9, chronicDays: 9 },
      { studentId: 2, month: '2025-11', enrolledDays: 19, absenceDays: 9, chronicDays: 9 },
      { studentId: 3, month: '2025-09', enrolledDays: 0, absenceDays: 0, chronicDays: 0 },
    ];
    const b = baselineTotals(months, '2025-11');
    expect(b.get(1)).toEqual({ enrolledDays: 41, absenceDays: 3.5, chronicDays: 3 });
    expect(b.has(2)).toBe(false);
    expect(b.has(3)).toBe(false);
  });
});

describe("a study's matched students", () => {
  // September–October is the baseline (the first start is November)
  const months: MatchableMonth[] = [];
  const add = (studentId: number, absence: number[]) =>
    ['2025-09', '2025-10', '2025-11', '2025-12'].forEach((month, k) =>
      months.push({ studentId, month, enrolledDays: 10, absenceDays: absence[k], chronicDays: absence[k] }),
    );
  const s = (studentId: number, arm: string | null, startMonth: string | null, grade = '03') => ({
    studentId,
    studentKey: `student:0100007:${studentId}`,
    unitKey: `student:0100007:${studentId}`,
    leaid: '0100007',
    grade,
    englishLearner: false,
    arm,
    startMonth,
  });
  for (const id of [1, 2, 3, 4, 5, 6, 7]) add(id, [3, 3, 1, 1]);
  const students = [
    s(1, 'visits', '2025-11'), // served, matched
    s(2, 'visits', '2025-12'), // served later, matched (same stratum)
    s(3, 'visits', '2025-09'), // served in the first month: left out
    s(4, 'control', '2025-11'), // a served control student: not a comparison
    s(5, 'control', null), // comparison
    s(6, null, null), // a student of the district outside the study: comparison
    s(7, 'visits', null, '10'), // not served, other grade band: not kept
  ];

  it('keeps the matched served students with their starts and the comparisons never treated', () => {
    const r = matchStudyStudents(months, students, new Set(['visits']));
    if (!r.ok) throw new Error(r.message);
    expect(r.students.map((x) => [x.studentId, x.startMonth])).toEqual([
      [1, '2025-11'],
      [2, '2025-12'],
      [5, null],
      [6, null],
    ]);
    expect(r.matching).toMatchObject({
      baseline_window: { start: '2025-09', end: '2025-10' },
      served: 2,
      served_matched: 2,
      match_rate: 1,
      served_before_panel: 1,
      served_control_students: 1,
      comparison_candidates: 3,
      chronically_absent_candidates: 3,
      comparisons_matched: 2,
    });
  });

  it('refuses when nobody was served after the first month', () => {
    const r = matchStudyStudents(
      months,
      [s(3, 'visits', '2025-09'), s(5, 'control', null)],
      new Set(['visits']),
    );
    expect(r).toEqual({ ok: false, message: expect.stringMatching(/no served student/) });
  });
});

describe('study subgroups', () => {
  const panel: Panel = {
    ids: ['a', 'b', 'c', 'd'],
    times: Int32Array.from([1, 2]),
    unit: Int32Array.from([0, 1, 2, 3]),
    period: Int32Array.from([0, 0, 0, 0]),
    y: Float64Array.from([0, 0, 0, 0]),
    cohort: Int32Array.from([2, 2, 0, 2]),
  };
  const facts = new Map([
    ['a', { studentId: 1, grade: '03', englishLearner: true }],
    ['b', { studentId: 2, grade: '07', englishLearner: false }],
    ['c', { studentId: 3, grade: 'XX', englishLearner: null }],
    ['d', { studentId: 4, grade: '11', englishLearner: false }],
  ]);
  const visits = [
    { studentId: 1, modality: 'in_person', personnel: 'school' },
    { studentId: 2, modality: 'phone', personnel: 'community' },
  ];
  it('roster subgroups partition the units; visit subgroups share the never-treated', () => {
    expect(studySubgroups(panel, 'grade_band', facts, visits)).toEqual({
      groups: ['PK-05', '06-08', 'unknown', '09-12'],
      sharedComparisons: false,
    });
    expect(studySubgroups(panel, 'english_learner', facts, visits).groups).toEqual([
      'Y',
      'N',
      'unknown',
      'N',
    ]);
    expect(studySubgroups(panel, 'modality', facts, visits)).toEqual({
      groups: ['in_person', 'phone', null, 'no visit'],
      sharedComparisons: true,
    });
    expect(studySubgroups(panel, 'personnel', facts, visits).groups).toEqual([
      'school',
      'community',
      null,
      'no visit',
    ]);
  });
});
