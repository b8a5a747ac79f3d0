/**
 * The cross-row checks of the panel CSV reader (panel-csv.ts): a unit's cohort, cluster and
 * subgroup constant across its rows, one row per (id, time), and cohorts inside the observed
 * periods. Each problem names the line (and the line it conflicts with).
 */
import type { InputProblem } from '../../errors.ts';
import type { PanelCsvSpec } from './panel-csv.ts';

export const MAX_PROBLEMS = 50;

type Report = (line: number, column: string | null, reason: string) => void;

export interface UnitSeen {
  cohort: number;
  cohortLine: number;
  cluster: string | undefined;
  clusterLine: number;
  group: string | undefined;
}

export function checkUnit(
  units: Map<string, UnitSeen>,
  id: string,
  values: { cohort: number; cluster: string | undefined; group: string | undefined },
  line: number,
  spec: PanelCsvSpec,
  problem: Report,
): void {
  const { cohort, cluster, group } = values;
  const seen = units.get(id);
  if (seen === undefined) {
    units.set(id, { cohort, cohortLine: line, cluster, clusterLine: line, group });
    return;
  }
  if (seen.cohort !== cohort)
    problem(
      line,
      spec.cohort,
      `cohort of unit "${id}" changes from ${seen.cohort} (line ${seen.cohortLine}) to ${cohort}`,
    );
  if (cluster !== undefined && seen.cluster !== cluster)
    problem(
      line,
      spec.cluster!,
      `cluster of unit "${id}" changes from "${seen.cluster}" (line ${seen.clusterLine}) to "${cluster}"`,
    );
  if (group !== undefined && seen.group !== group)
    problem(
      line,
      spec.by!,
      `subgroup of unit "${id}" changes from "${seen.group}" (line ${seen.clusterLine}) to "${group}"`,
    );
}

/** A second row for the same (id, time) is a problem naming the first one's line. */
export function duplicateRows(
  rowUnit: number[],
  rowTime: number[],
  rowLine: number[],
  unitIds: string[],
  spec: PanelCsvSpec,
  problem: Report,
): void {
  const times = [...new Set(rowTime)];
  const periodOf = new Map(times.map((t, k) => [t, k]));
  const cells = unitIds.length * times.length;
  const first = cells <= 50_000_000 ? new Int32Array(cells) : null;
  const firstMap = first === null ? new Map<number, number>() : null;
  for (let k = 0; k < rowUnit.length; k++) {
    const key = rowUnit[k] * times.length + periodOf.get(rowTime[k])!;
    const earlier = first ? first[key] : (firstMap!.get(key) ?? 0);
    if (earlier !== 0) {
      problem(
        rowLine[k],
        spec.time,
        `unit "${unitIds[rowUnit[k]]}" already has a row for time ${rowTime[k]} (line ${earlier})`,
      );
      continue;
    }
    if (first) first[key] = rowLine[k];
    else firstMap!.set(key, rowLine[k]);
  }
}

/** Cohorts outside [first, last] observed period: problems, or (after the last, when asked) never treated. */
export function lateCohorts(
  units: Map<string, UnitSeen>,
  keptTimes: number[],
  spec: PanelCsvSpec,
  file: string,
): { ok: true; recoded: Set<string> } | { ok: false; problems: InputProblem[] } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of keptTimes) {
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  const problems: InputProblem[] = [];
  const recoded = new Set<string>();
  for (const [id, seen] of units) {
    if (seen.cohort === 0 || (seen.cohort >= first && seen.cohort <= last)) continue;
    if (seen.cohort > last && spec.lateCohortsNeverTreated) {
      recoded.add(id);
      continue;
    }
    if (problems.length < MAX_PROBLEMS)
      problems.push({
        file,
        line: seen.cohortLine,
        column: spec.cohort,
        reason:
          seen.cohort > last
            ? `cohort ${seen.cohort} of unit "${id}" is after the last observed period (${last}); pass --late-cohorts-never-treated to count such units as never treated`
            : `cohort ${seen.cohort} of unit "${id}" is before the first observed period (${first})`,
      });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, recoded };
}
