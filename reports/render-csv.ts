/**
 * tables/*.csv: every table of the report as CSV (RFC 4180, LF line ends, header row, columns in the
 * order of the report's fields, null as empty). Pure.
 */
import type { ReportModel } from './report-model.ts';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join('|') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

/** File name (under tables/) → CSV text, in a fixed order. */
export function reportTables(r: ReportModel): [string, string][] {
  const tables: [string, Record<string, unknown>[]][] = [
    ['flow.csv', r.flow],
    ['balance.csv', r.balance],
    ['attrition.csv', r.attrition.contrasts],
    ['estimates.csv', r.estimates as unknown as Record<string, unknown>[]],
    ['heterogeneity.csv', r.heterogeneity as unknown as Record<string, unknown>[]],
    ['mde.csv', r.mde],
    ['cost_effectiveness.csv', r.cost_effectiveness],
    ['disaggregation.csv', r.disaggregation],
    ['attendance_by_month.csv', r.attendance_by_month],
    ['event_study.csv', r.event_study as unknown as Record<string, unknown>[]],
    ['fidelity.csv', r.fidelity.by_month_arm],
    ['visits.csv', r.fidelity.visits_by_month_arm],
  ];
  return tables.map(([name, rows]) => [name, toCsv(rows)]);
}
