/**
 * The matched comparison of a study (issue 12 item 6), pure: from every student of the study's
 * districts with their student-months, arm and treatment start, the served students (a program arm
 * and a start after the panel's first month) are matched exactly to the not-served chronically
 * absent students (exact-matching.ts), and the matched students are returned ready for studyPanel
 * with the match report for the JSON output.
 */
import type { ChronicRule } from '../outcome-definitions.ts';
import { gradeBand } from '../../assignment/block-keys.ts';
import { baselineTotals, DEFAULT_CHRONIC_RULE, exactMatch, type MatchCandidate } from './exact-matching.ts';
import { monthLabel, monthNumber, type StudyStudent } from './study-panel.ts';

export interface MatchableStudent {
  studentId: number;
  studentKey: string;
  unitKey: string;
  leaid: string;
  grade: string;
  englishLearner: boolean | null;
  /** arm in the study, null when not randomized in it */
  arm: string | null;
  /** 'YYYY-MM' treatment start by the chosen start, null when never */
  startMonth: string | null;
}

export interface MatchableMonth {
  studentId: number;
  month: string;
  enrolledDays: number;
  absenceDays: number;
  chronicDays: number;
}

export type StudyMatchResult =
  { ok: true; students: StudyStudent[]; matching: Record<string, unknown> } | { ok: false; message: string };

/**
 * @example matchStudyStudents(months, students, new Set(['visits'])).matching.served_matched
 */
export function matchStudyStudents(
  months: readonly MatchableMonth[],
  students: readonly MatchableStudent[],
  treatedArms: ReadonlySet<string>,
  rule: ChronicRule = DEFAULT_CHRONIC_RULE,
): StudyMatchResult {
  const enrolled = months.filter((m) => m.enrolledDays > 0).map((m) => m.month);
  if (enrolled.length === 0)
    return { ok: false, message: 'no student of the districts has a month with enrolled days' };
  const firstMonth = enrolled.reduce((a, b) => (a < b ? a : b));
  let servedBeforePanel = 0;
  let servedControl = 0;
  const served: MatchableStudent[] = [];
  const notServed: MatchableStudent[] = [];
  for (const s of students) {
    const inProgram = s.arm !== null && treatedArms.has(s.arm);
    if (s.startMonth === null) notServed.push(s);
    else if (!inProgram) servedControl++;
    else if (s.startMonth <= firstMonth) servedBeforePanel++;
    else served.push(s);
  }
  if (served.length === 0)
    return {
      ok: false,
      message: 'no served student started after the first month with attendance: nothing to match',
    };
  const firstStart = served.map((s) => s.startMonth!).reduce((a, b) => (a < b ? a : b));
  const baseline = baselineTotals(months, firstStart);
  const candidate = (s: MatchableStudent, isServed: boolean): MatchCandidate => ({
    key: s.studentKey,
    district: s.leaid,
    gradeBand: gradeBand(s.grade),
    englishLearner: s.englishLearner,
    served: isServed,
    baseline: baseline.get(s.studentId) ?? null,
  });
  const m = exactMatch(
    [...served.map((s) => candidate(s, true)), ...notServed.map((s) => candidate(s, false))],
    rule,
  );
  const kept = [...served, ...notServed].filter(
    (s) => m.treated.has(s.studentKey) || m.comparisons.has(s.studentKey),
  );
  return {
    ok: true,
    students: kept.map((s) => ({
      studentId: s.studentId,
      studentKey: s.studentKey,
      unitKey: s.unitKey,
      arm: s.arm ?? '',
      startMonth: m.treated.has(s.studentKey) ? s.startMonth : null,
    })),
    matching: {
      method: 'exact',
      variables: ['district', 'grade_band', 'baseline_attendance_decile', 'english_learner'],
      baseline_window: { start: firstMonth, end: monthLabel(monthNumber(firstStart) - 1) },
      chronic_rule: { threshold: rule.threshold, min_enrolled_days: rule.min_enrolled_days },
      decile_cuts: m.decileCuts,
      ...m.counts,
      served_before_panel: servedBeforePanel,
      served_control_students: servedControl,
      strata: m.strata,
    },
  };
}
