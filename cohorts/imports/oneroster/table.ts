import { decodeText } from '../text-decoding.ts';
import { parseCsv, type TableRow } from './csv-table.ts';
import type { ImportLog } from './import-log.ts';
import type { ZipEntry } from './zip-entries.ts';

export interface ColumnSpec {
  name: string;
  required?: boolean;
  /** Non-standard headers real exporters write for this column: accepted with a warning. */
  aliases?: readonly string[];
}

/** A decoded, parsed OneRoster CSV whose columns are looked up by their OneRoster name. */
export interface Table {
  file: string;
  records: TableRow[];
  has(name: string): boolean;
  /** The cell, or '' when the file lacks the column. */
  get(record: TableRow, name: string): string;
  /** The header as written in the file (an alias if one was used), for problems. */
  label(name: string): string;
}

/**
 * Decode (UTF-8, BOM tolerated), parse and bind the columns of one entry. Headers are
 * case-sensitive as the standard says: `SourcedId` is not `sourcedId`, and the problem says so.
 * Known aliases are accepted with a warning. In a bulk file, a filled `status` column is ignored
 * with one warning. Returns null after logging problems when the table cannot be used.
 */
export function openTable(entry: ZipEntry, specs: readonly ColumnSpec[], log: ImportLog): Table | null {
  const file = entry.label;
  const decoded = decodeText(entry.bytes, file);
  if (!decoded.ok) {
    log.problem(decoded.problem.file, decoded.problem.line, decoded.problem.column, decoded.problem.reason);
    return null;
  }
  const parsed = parseCsv(decoded.text, file);
  if (!parsed.ok) {
    log.problem(parsed.problem.file, parsed.problem.line, parsed.problem.column, parsed.problem.reason);
    return null;
  }
  const { header, records } = parsed;
  const positions = new Map<string, number>();
  header.forEach((name, i) => {
    if (positions.has(name)) log.problem(file, 1, name, `column '${name}' appears twice in the header`);
    positions.set(name, i);
  });
  const index = new Map<string, number>();
  const labels = new Map<string, string>();
  for (const spec of specs) bindColumn(spec, header, positions, index, labels, file, log);
  if (log.failed) return null;
  const statusAt = index.get('status');
  if (statusAt !== undefined) {
    for (const r of records) {
      if (r.cells[statusAt] !== '') {
        log.warn(
          file,
          r.line,
          'status',
          "'status' is filled although the manifest says bulk; it is ignored (in a bulk file every row is current)",
        );
      }
    }
  }
  return {
    file,
    records,
    has: (name) => index.has(name),
    get: (record, name) => {
      const at = index.get(name);
      return at === undefined ? '' : record.cells[at];
    },
    label: (name) => labels.get(name) ?? name,
  };
}

function bindColumn(
  spec: ColumnSpec,
  header: string[],
  positions: Map<string, number>,
  index: Map<string, number>,
  labels: Map<string, string>,
  file: string,
  log: ImportLog,
): void {
  const exact = positions.get(spec.name);
  if (exact !== undefined) {
    index.set(spec.name, exact);
    labels.set(spec.name, spec.name);
    return;
  }
  for (const alias of spec.aliases ?? []) {
    const at = positions.get(alias);
    if (at === undefined) continue;
    index.set(spec.name, at);
    labels.set(spec.name, alias);
    log.warn(file, 1, alias, `column '${alias}' is not a OneRoster column name; read as '${spec.name}'`);
    return;
  }
  const lookalike = header.find((h) => h.toLowerCase() === spec.name.toLowerCase());
  if (lookalike !== undefined) {
    const why = `column '${spec.name}' is written '${lookalike}'; OneRoster headers are case-sensitive`;
    if (spec.required) log.problem(file, 1, lookalike, `${why}, so the required column is missing`);
    else log.warn(file, 1, lookalike, `${why}; the column is ignored`);
    return;
  }
  if (spec.required)
    log.problem(file, 1, spec.name, `required column '${spec.name}' is missing from the header`);
}
