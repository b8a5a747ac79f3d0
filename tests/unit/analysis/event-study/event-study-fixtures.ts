/**
 * Loads the event-study goldens (tests/fixtures/event-study, copied from the project's shared
 * fixtures: did 2.5.1 and fixest 0.14.2 by make.R) and reads their panels with Pilot's CSV reader.
 */
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { panelFromCsv, type PanelCsvSpec } from '../../../../analysis/event-study/panel-csv.ts';
import type { Panel } from '../../../../analysis/event-study/panel.ts';

export interface EventStudyCase {
  case_id: string;
  dataset: string;
  file: string;
  cli_args: string[];
  estimator: string;
  output: string;
  event_time: number | null;
  estimate: number;
  std_error: number | null;
  df: number | null;
  p_value: number | null;
  conf_low: number | null;
  conf_high: number | null;
  nobs?: number;
  n_clusters?: number;
  k_small_sample?: number;
  collinear_removed?: string[];
  reference_levels?: number[];
}

export interface EventStudyGolden {
  packages: Record<string, string>;
  cases: EventStudyCase[];
}

export function fixtureUrl(path: string): URL {
  return new URL(`../../../fixtures/${path}`, import.meta.url);
}

export function loadEventStudyGolden(): EventStudyGolden {
  return JSON.parse(readFileSync(fixtureUrl('event-study/expected.json'), 'utf8')) as EventStudyGolden;
}

export function readCsvCells(path: string): string[][] {
  return Papa.parse<string[]>(readFileSync(fixtureUrl(path), 'utf8'), {
    header: false,
    skipEmptyLines: false,
  }).data;
}

/** Reads a fixture CSV as a Panel, failing the test on any problem. */
export function readPanel(path: string, spec: PanelCsvSpec): Panel {
  const out = panelFromCsv(readCsvCells(path), spec, path);
  if (!out.ok)
    throw new Error(out.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.reason}`).join('\n'));
  return out.panel;
}

export const DEV_SPEC: PanelCsvSpec = {
  id: 'student_id',
  time: 'month',
  cohort: 'cohort',
  outcome: 'absent_days',
};

/** |actual − expected| ≤ 1e-8·|expected|, or ≤ 1e-10 near zero (the fixtures' tolerance). */
export function closeTo(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(1e-8 * Math.abs(expected), 1e-10);
}
