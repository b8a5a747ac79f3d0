/**
 * The student-level analysis table of one arm contrast: one row per randomized student of the two
 * arms, with the block, an anonymous cluster label, the 0/1 treatment, baseline covariates, subgroup
 * variables and every outcome. It is what `pilot analyze --export-analysis-table` writes and exactly
 * what the report's estimates are computed from (through the same CSV reader and estimator as
 * `pilot estimate`), so anyone can re-run them. No student identifiers: clusters are numbered.
 * Pure.
 */
import { gradeBand } from '../assignment/block-keys.ts';
import { absenceTerciles } from '../assignment/absence-terciles.ts';
import { OUTCOMES, type AnalysisPlan, type ArmContrast } from './analysis-plan.ts';
import { outcomeValue } from './outcome-definitions.ts';

export interface AnalysisStudent {
  studentKey: string;
  unitKey: string;
  blockKey: string;
  arm: string;
  districtLeaid: string;
  householdKey: string;
  grade: string;
  englishLearner: boolean | null;
  priorYearAbsenceRate: number | null;
  enrolledDays: number;
  absenceDays: number;
  chronicDays: number;
  /** absence rate over the plan's baseline window, null without one or without enrolled days */
  baselineAbsenceRate: number | null;
  /** 1 when the student's caregivers got at least one delivered message; null without outreach data */
  received: number | null;
}

export const TABLE_COLUMNS = [
  'block',
  'cluster',
  'arm',
  'treatment',
  'received',
  'prior_year_absence_rate',
  'baseline_absence_rate',
  'grade_band',
  'english_learner',
  'district',
  'prior_absence_tercile',
  'enrolled_days',
  ...OUTCOMES,
] as const;

export interface AnalysisTable {
  contrast: ArmContrast;
  /** header row first; missing values are NA */
  cells: string[][];
  /** students of the two arms left out because their block holds only one of the two arms */
  droppedSingleArmBlocks: number;
}

const NA = 'NA';
const num = (x: number | null): string => (x === null || !Number.isFinite(x) ? NA : String(x));

/**
 * The analysis table of a contrast. Students are taken in the order given (the store orders them by
 * key); clusters are numbered in order of first appearance; blocks without both arms are left out
 * (their students cannot inform a within-block comparison) and counted.
 */
export function analysisTable(
  students: readonly AnalysisStudent[],
  plan: AnalysisPlan,
  contrast: ArmContrast,
): AnalysisTable {
  const terciles = absenceTerciles(
    students.map((s) => s.districtLeaid),
    students.map((s) => s.priorYearAbsenceRate),
  );
  const armsInBlock = new Map<string, Set<string>>();
  for (const s of students) {
    if (s.arm !== contrast.treatment && s.arm !== contrast.control) continue;
    let set = armsInBlock.get(s.blockKey);
    if (!set) armsInBlock.set(s.blockKey, (set = new Set()));
    set.add(s.arm);
  }
  const clusterOf = new Map<string, number>();
  const cells: string[][] = [[...TABLE_COLUMNS]];
  let dropped = 0;
  students.forEach((s, i) => {
    if (s.arm !== contrast.treatment && s.arm !== contrast.control) return;
    if (armsInBlock.get(s.blockKey)!.size < 2) {
      dropped += 1;
      return;
    }
    const clusterKey = clusterKeyOf(s, plan);
    if (!clusterOf.has(clusterKey)) clusterOf.set(clusterKey, clusterOf.size + 1);
    const t = { enrolledDays: s.enrolledDays, absenceDays: s.absenceDays, chronicDays: s.chronicDays };
    cells.push([
      s.blockKey,
      `c${clusterOf.get(clusterKey)}`,
      s.arm,
      s.arm === contrast.treatment ? '1' : '0',
      s.arm === contrast.control ? '0' : num(s.received),
      num(s.priorYearAbsenceRate),
      num(s.baselineAbsenceRate),
      gradeBand(s.grade) ?? NA,
      s.englishLearner === null ? NA : s.englishLearner ? 'yes' : 'no',
      s.districtLeaid,
      terciles[i] === null ? NA : String(terciles[i]),
      String(s.enrolledDays),
      ...OUTCOMES.map((o) => num(outcomeValue(o, t, plan.chronic_absence))),
    ]);
  });
  return { contrast, cells, droppedSingleArmBlocks: dropped };
}

function clusterKeyOf(s: AnalysisStudent, plan: AnalysisPlan): string {
  switch (plan.estimator.cluster) {
    case 'household':
      return `household:${s.districtLeaid}:${s.householdKey}`;
    case 'unit':
      return s.unitKey;
    case 'none':
      return s.studentKey;
  }
}

/** Rows of the table (header kept) whose column equals the value. */
export function tableWhere(cells: readonly string[][], column: string, value: string): string[][] {
  const k = cells[0].indexOf(column);
  if (k < 0) throw new RangeError(`no column ${column}`);
  return [cells[0], ...cells.slice(1).filter((r) => r[k] === value)];
}

/** The table with rows of blocks that hold only one arm removed (after subsetting to a subgroup). */
export function withoutSingleArmBlocks(cells: readonly string[][]): { cells: string[][]; dropped: number } {
  const b = cells[0].indexOf('block');
  const t = cells[0].indexOf('treatment');
  const seen = new Map<string, Set<string>>();
  for (const r of cells.slice(1)) {
    let set = seen.get(r[b]);
    if (!set) seen.set(r[b], (set = new Set()));
    set.add(r[t]);
  }
  const kept = cells.slice(1).filter((r) => seen.get(r[b])!.size === 2);
  return { cells: [cells[0], ...kept], dropped: cells.length - 1 - kept.length };
}

/** CSV text of the table (values never need quoting except block keys with commas, which are quoted). */
export function tableCsv(cells: readonly string[][]): string {
  const quote = (c: string) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return cells.map((r) => r.map(quote).join(',')).join('\n') + '\n';
}
