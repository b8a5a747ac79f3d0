/**
 * The snake_case JSON of an import's summary (`pilot import … --json`, and the server's answer). Pure.
 */
import type { ImportSummary } from './import-request.ts';

export function importSummaryJson(s: ImportSummary) {
  return {
    kind: s.kind,
    file: s.file,
    sha256: s.sha256,
    status: s.status,
    import_id: s.importId,
    rows_read: s.rowsRead,
    inserted: s.inserted,
    replaced: s.replaced,
    unchanged: s.unchanged,
    warnings: s.warnings.map((w) => ({ message: w.message, count: w.count, file: w.file, line: w.line })),
  };
}
