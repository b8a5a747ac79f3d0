/** Reads the event-study fixture CSVs (tests/fixtures/event-study/data) into Pilot's Panel. */
import { readFileSync } from 'node:fs';
import { panelFromRows, type Panel, type PanelRow } from '../../../../analysis/event-study/panel.ts';

export const FIXTURE_DIR = new URL('../../../fixtures/event-study/', import.meta.url);

export interface CsvPanelSpec {
  id: string;
  time: string;
  cohort: string;
  outcome: string;
  cluster?: string;
  covariates?: string[];
}

export function readCsvPanel(path: string | URL, spec: CsvPanelSpec): Panel {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = header.split(',').map((c) => c.replace(/^"|"$/g, ''));
  const at = (name: string) => {
    const k = cols.indexOf(name);
    if (k < 0) throw new Error(`column ${name} missing in ${String(path)}`);
    return k;
  };
  const [id, time, cohort, outcome] = [at(spec.id), at(spec.time), at(spec.cohort), at(spec.outcome)];
  const cluster = spec.cluster ? at(spec.cluster) : -1;
  const covs = (spec.covariates ?? []).map(at);
  const rows: PanelRow[] = lines.map((line) => {
    const f = line.split(',');
    return {
      id: f[id],
      time: Number(f[time]),
      y: Number(f[outcome]),
      cohort: Number(f[cohort]),
      ...(cluster >= 0 ? { cluster: f[cluster] } : {}),
      ...(covs.length > 0 ? { covariates: covs.map((k) => Number(f[k])) } : {}),
    };
  });
  return panelFromRows(rows, spec.covariates ?? []);
}

export function fixturePanel(name: string): Panel {
  return readCsvPanel(new URL(`data/${name}.csv`, FIXTURE_DIR), {
    id: 'student_id',
    time: 'month',
    cohort: 'cohort',
    outcome: 'absent_days',
  });
}
