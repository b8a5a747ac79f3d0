/**
 * From the cells of a parsed panel CSV (header row first, one row per unit × period) to a Panel.
 * Pure: the caller reads and parses the file. Every problem names the file, the physical line and
 * the column, and a file with any problem gives no panel (nothing is estimated on half a file):
 * a missing id or time, a time that is not an integer, a duplicate (id, time) (naming the first
 * line too), a cohort that is not an integer or changes within a unit, a cluster that changes
 * within a unit, a non-numeric outcome or covariate, and a cohort outside the observed periods.
 *
 * Conventions (did's att_gt): cohort 0 or empty = never treated; a row with a missing outcome is
 * dropped and counted; a cohort after the last observed period is a problem unless
 * `lateCohortsNeverTreated` is set, in which case those units are counted as never treated (as did
 * does) and reported; a cohort before the first observed period is always a problem.
 */
import type { InputProblem } from '../../errors.ts';
import { headerColumns, MISSING_TOKENS, parseNumber, physicalLines } from '../csv-columns.ts';
import type { Panel } from './panel.ts';
import { buildPanel } from './panel-build.ts';
import { checkUnit, duplicateRows, lateCohorts, MAX_PROBLEMS, type UnitSeen } from './panel-csv-checks.ts';

export interface PanelCsvSpec {
  id: string;
  time: string;
  cohort: string;
  outcome: string;
  cluster?: string;
  /** a unit-level subgroup column (constant within a unit), e.g. grade band or English-learner status */
  by?: string;
  covariates?: readonly string[];
  /** count units whose cohort is after the last observed period as never treated */
  lateCohortsNeverTreated?: boolean;
}

export interface PanelCsvSummary {
  /** data rows in the file */
  rows: number;
  droppedMissingOutcome: number;
  units: number;
  periods: number;
  /** units not observed in every period */
  unbalancedUnits: number;
  /** units whose cohort was after the last period, counted as never treated */
  lateCohortUnits: number;
}

export type PanelCsvOutcome =
  | {
      ok: true;
      panel: Panel;
      summary: PanelCsvSummary;
      /** with `by`: each unit's subgroup label, in the order of panel.ids */
      groups?: string[];
    }
  | { ok: false; problems: InputProblem[] };

const INTEGER = /^[+-]?\d+(?:\.0*)?$/;

/**
 * @example
 * panelFromCsv([['id', 't', 'g', 'y'], ['a', '1', '2', '0.5'], ['a', '2', '2', '1.5']], { id: 'id', time: 't', cohort: 'g', outcome: 'y' }, 'p.csv')
 * // => { ok: true, panel: { ids: ['a'], times: [1, 2], cohort: [2], … }, summary: { units: 1, … } }
 */
export function panelFromCsv(
  rows: readonly (readonly string[])[],
  spec: PanelCsvSpec,
  file: string,
  /** the physical line each row starts on, when the reader knows it (default: counted from the cells) */
  rowLines?: ArrayLike<number>,
): PanelCsvOutcome {
  const problems: InputProblem[] = [];
  const problem = (line: number, column: string | null, reason: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ file, line, column, reason });
  };
  const header = rows[0]?.map((h) => h.trim());
  if (!header || (header.length === 1 && header[0] === ''))
    return { ok: false, problems: [{ file, line: 1, column: null, reason: 'the file is empty' }] };
  const covariates = spec.covariates ?? [];
  const index = headerColumns(
    header,
    [spec.id, spec.time, spec.cohort, spec.outcome, spec.cluster, spec.by, ...covariates],
    problem,
  );
  if (problems.length > 0) return { ok: false, problems };
  const cell = (row: readonly string[], name: string) => row[index.get(name)!].trim();
  const lineOf = rowLines ?? physicalLines(rows);
  const units = new Map<string, UnitSeen>();
  const unitIds: string[] = [];
  const unitIndex = new Map<string, number>();
  const rowUnit: number[] = [];
  const rowTime: number[] = [];
  const rowLine: number[] = [];
  const kept: number[] = []; // indices into rowUnit… of rows with an outcome
  const keptRow: number[] = []; // their row in `rows`
  const keptY: number[] = [];
  let dataRows = 0;
  let dropped = 0;
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === 1 && row[0].trim() === '') continue;
    dataRows++;
    const line = lineOf[r];
    if (row.length !== header.length) {
      problem(line, null, `expected ${header.length} fields, found ${row.length}`);
      continue;
    }
    const id = cell(row, spec.id);
    if (MISSING_TOKENS.has(id)) {
      problem(line, spec.id, 'the unit id is missing');
      continue;
    }
    const time = readInteger(cell(row, spec.time));
    if (time === 'missing') problem(line, spec.time, 'the time is missing');
    else if (time === 'bad')
      problem(line, spec.time, `time "${cell(row, spec.time)}" is not an integer period`);
    const cohort = readCohort(cell(row, spec.cohort));
    if (cohort === 'bad')
      problem(
        line,
        spec.cohort,
        `cohort "${cell(row, spec.cohort)}" is not an integer period (0 or empty = never treated)`,
      );
    const clusterLabel = spec.cluster === undefined ? undefined : cell(row, spec.cluster);
    if (clusterLabel !== undefined && MISSING_TOKENS.has(clusterLabel))
      problem(line, spec.cluster!, 'the cluster is missing');
    const groupLabel = spec.by === undefined ? undefined : cell(row, spec.by);
    if (groupLabel !== undefined && MISSING_TOKENS.has(groupLabel))
      problem(line, spec.by!, 'the subgroup is missing');
    if (typeof cohort === 'number')
      checkUnit(units, id, { cohort, cluster: clusterLabel, group: groupLabel }, line, spec, problem);
    if (typeof time !== 'number') continue;
    let u = unitIndex.get(id);
    if (u === undefined) {
      u = unitIds.length;
      unitIndex.set(id, u);
      unitIds.push(id);
    }
    rowUnit.push(u);
    rowTime.push(time);
    rowLine.push(line);
    const y = parseNumber(cell(row, spec.outcome));
    if (y === undefined) {
      problem(line, spec.outcome, `outcome "${cell(row, spec.outcome)}" is not a number`);
      continue;
    }
    for (const name of covariates)
      if (parseNumber(cell(row, name)) === undefined)
        problem(line, name, `covariate "${cell(row, name)}" is not a number`);
    if (Number.isNaN(y)) {
      dropped++;
      continue;
    }
    if (typeof cohort !== 'number') continue;
    kept.push(rowUnit.length - 1);
    keptRow.push(r);
    keptY.push(y);
  }
  duplicateRows(rowUnit, rowTime, rowLine, unitIds, spec, problem);
  if (problems.length === 0 && kept.length === 0)
    problem(
      rows.length > 1 ? lineOf[rows.length - 1] : 1,
      spec.outcome,
      dataRows > 0 ? 'every row has a missing outcome' : 'the file has no data rows',
    );
  if (problems.length > 0) return { ok: false, problems };
  const late = lateCohorts(
    units,
    kept.map((k) => rowTime[k]),
    spec,
    file,
  );
  if (!late.ok) return late;
  const panel = buildPanel({
    ids: unitIds,
    unit: kept.map((k) => rowUnit[k]),
    time: kept.map((k) => rowTime[k]),
    y: keptY,
    row: keptRow,
    cohortOf: (id) => (late.recoded.has(id) ? 0 : units.get(id)!.cohort),
    cluster: spec.cluster === undefined ? undefined : (r) => cell(rows[r], spec.cluster!),
    covariates: covariates.map((name) => (r: number) => parseNumber(cell(rows[r], name))!),
    covariateNames: [...covariates],
  });
  return {
    ok: true,
    panel,
    ...(spec.by === undefined ? {} : { groups: panel.ids.map((id) => units.get(id)!.group!) }),
    summary: {
      rows: dataRows,
      droppedMissingOutcome: dropped,
      units: panel.ids.length,
      periods: panel.times.length,
      unbalancedUnits: countUnbalancedUnits(panel),
      lateCohortUnits: late.recoded.size,
    },
  };
}

function readInteger(text: string): number | 'missing' | 'bad' {
  if (MISSING_TOKENS.has(text)) return 'missing';
  if (!INTEGER.test(text)) return 'bad';
  const value = Number(text);
  return Number.isSafeInteger(value) && Math.abs(value) < 2 ** 31 ? value : 'bad';
}

function readCohort(text: string): number | 'bad' {
  const value = readInteger(text);
  if (value === 'missing') return 0;
  return value;
}

/** Units not observed in every period of the panel. */
export function countUnbalancedUnits(panel: Panel): number {
  const observed = new Int32Array(panel.ids.length);
  for (let o = 0; o < panel.unit.length; o++) observed[panel.unit[o]]++;
  let count = 0;
  for (let u = 0; u < observed.length; u++) if (observed[u] !== panel.times.length) count++;
  return count;
}
