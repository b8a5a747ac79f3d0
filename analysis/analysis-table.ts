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
import {
  columnsTable,
  labelColumn,
  numberColumn,
  type EncodedColumn,
  type EncodedTable,
} from './encoded-table.ts';
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
  /** header row first; missing values are NA (made on first use: a report's estimators read `encoded`) */
  readonly cells: string[][];
  /**
   * the table as `encodedTable` reads its cells, made from the values without formatting them (the
   * cells, when a reader needs them, are those values formatted)
   */
  readonly encoded: EncodedTable;
  /** students of the two arms left out because their block holds only one of the two arms */
  droppedSingleArmBlocks: number;
}

const NA = 'NA';
const num = (x: number): string => (Number.isFinite(x) ? String(x) : NA);
const orNaN = (x: number | null): number => (x === null || !Number.isFinite(x) ? NaN : x);

/** The table's columns of text: cells as they are. */
const LABEL_NAMES = [
  'block',
  'cluster',
  'arm',
  'treatment',
  'grade_band',
  'english_learner',
  'district',
] as const;
const LABEL_COLUMNS = new Set<string>(LABEL_NAMES);

/**
 * The analysis table of a contrast. Students are taken in the order given (the store orders them by
 * key); clusters are numbered in order of first appearance; blocks without both arms are left out
 * (their students cannot inform a within-block comparison) and counted. Numbers are held as numbers
 * (NaN for NA) and formatted with `String` only if the cells are asked for.
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
  const kept: number[] = [];
  let dropped = 0;
  students.forEach((s, i) => {
    if (s.arm !== contrast.treatment && s.arm !== contrast.control) return;
    if (armsInBlock.get(s.blockKey)!.size < 2) dropped += 1;
    else kept.push(i);
  });
  const n = kept.length;
  const labels = new Map<string, string[]>([...LABEL_COLUMNS].map((name) => [name, new Array<string>(n)]));
  const numbers = new Map<string, Float64Array>(
    TABLE_COLUMNS.filter((name) => !LABEL_COLUMNS.has(name)).map((name) => [name, new Float64Array(n)]),
  );
  const label = (name: string) => labels.get(name)!;
  const number = (name: string) => numbers.get(name)!;
  const [block, cluster, arm, treatment, gradeBandOf, englishLearner, district] = LABEL_NAMES.map(label);
  const [received, prior, baseline, tercile, enrolled] = [
    'received',
    'prior_year_absence_rate',
    'baseline_absence_rate',
    'prior_absence_tercile',
    'enrolled_days',
  ].map(number);
  const outcomes = OUTCOMES.map(number);
  const clusterOf = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    const i = kept[r];
    const s = students[i];
    const clusterKey = clusterKeyOf(s, plan);
    if (!clusterOf.has(clusterKey)) clusterOf.set(clusterKey, clusterOf.size + 1);
    const t = { enrolledDays: s.enrolledDays, absenceDays: s.absenceDays, chronicDays: s.chronicDays };
    block[r] = s.blockKey;
    cluster[r] = `c${clusterOf.get(clusterKey)}`;
    arm[r] = s.arm;
    treatment[r] = s.arm === contrast.treatment ? '1' : '0';
    received[r] = s.arm === contrast.control ? 0 : orNaN(s.received);
    prior[r] = orNaN(s.priorYearAbsenceRate);
    baseline[r] = orNaN(s.baselineAbsenceRate);
    gradeBandOf[r] = gradeBand(s.grade) ?? NA;
    englishLearner[r] = s.englishLearner === null ? NA : s.englishLearner ? 'yes' : 'no';
    district[r] = s.districtLeaid;
    tercile[r] = orNaN(terciles[i]);
    enrolled[r] = s.enrolledDays;
    OUTCOMES.forEach((o, k) => (outcomes[k][r] = orNaN(outcomeValue(o, t, plan.chronic_absence))));
  }
  const header = [...TABLE_COLUMNS];
  let cells: string[][] | null = null;
  const makeCells = (): string[][] => {
    if (cells) return cells;
    const columns = header.map((name) => {
      const l = labels.get(name);
      if (l) return l;
      const x = numbers.get(name)!;
      return Array.from(x, num);
    });
    cells = [header.slice()];
    for (let r = 0; r < n; r++) cells.push(columns.map((c) => c[r]));
    return cells;
  };
  // each row's physical line in the CSV (physicalLines of the cells): numbers hold no line breaks
  const lines = new Int32Array(n + 1);
  const breaks = new Map<string, number>();
  const breaksOf = (text: string) => {
    let b = breaks.get(text);
    if (b === undefined) {
      b = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) b++;
      breaks.set(text, b);
    }
    return b;
  };
  const labelLists = [...labels.values()];
  lines[0] = 1;
  let line = 2;
  for (let r = 0; r < n; r++) {
    lines[r + 1] = line;
    let b = 0;
    for (const l of labelLists) b += breaksOf(l[r]);
    line += 1 + b;
  }
  const columns = new Map<string, EncodedColumn>(
    header.map((name) => {
      const l = labels.get(name);
      return [name, l ? labelColumn(l) : numberColumn(numbers.get(name)!)];
    }),
  );
  const encoded = columnsTable(header, columns, lines, makeCells);
  return {
    contrast,
    get cells() {
      return makeCells();
    },
    encoded,
    droppedSingleArmBlocks: dropped,
  };
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
