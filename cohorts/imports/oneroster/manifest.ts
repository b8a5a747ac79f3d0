import type { ImportLog } from './import-log.ts';
import { openTable } from './table.ts';
import type { ZipEntry } from './zip-entries.ts';

export type OneRosterVersion = '1.1' | '1.2';
export type FileMode = 'bulk' | 'delta' | 'absent';

export interface Manifest {
  version: OneRosterVersion;
  /** `file.users` → mode, keyed by entity name (`users`). */
  modes: Map<string, FileMode>;
}

/**
 * Read `manifest.csv` (`propertyName,value`). `oneroster.version` must be 1.1 or 1.2 (1.2.1 reads as
 * 1.2). Every `file.*` row must be bulk, delta or absent, and Pilot refuses delta files: a delta
 * export holds only changes, and importing it as a roster would drop every unchanged student.
 */
export function readManifest(entry: ZipEntry, log: ImportLog): Manifest | null {
  const table = openTable(
    entry,
    [
      { name: 'propertyName', required: true },
      { name: 'value', required: true },
    ],
    log,
  );
  if (!table) return null;
  const seen = new Map<string, number>();
  const modes = new Map<string, FileMode>();
  let version: OneRosterVersion | null = null;
  let versionLine = 0;
  for (const r of table.records) {
    const property = table.get(r, 'propertyName').trim();
    const value = table.get(r, 'value').trim();
    const earlier = seen.get(property);
    if (earlier !== undefined) {
      log.problem(
        table.file,
        r.line,
        'propertyName',
        `property '${property}' is listed twice (first on line ${earlier})`,
      );
      continue;
    }
    seen.set(property, r.line);
    if (property === 'oneroster.version') {
      versionLine = r.line;
      if (value === '1.1' || value.startsWith('1.1.')) version = '1.1';
      else if (value === '1.2' || value.startsWith('1.2.')) version = '1.2';
      else
        log.problem(
          table.file,
          r.line,
          'value',
          `oneroster.version '${value}' is not supported; Pilot reads OneRoster 1.1 and 1.2 CSV exports`,
        );
    } else if (property.startsWith('file.')) {
      const entity = property.slice(5);
      if (value === 'bulk' || value === 'absent') modes.set(entity, value);
      else if (value === 'delta') {
        modes.set(entity, 'delta');
        log.problem(
          table.file,
          r.line,
          'value',
          `file.${entity} is a delta (changes only) file; Pilot imports bulk (complete) OneRoster exports only: export a full roster and import that`,
        );
      } else {
        log.problem(
          table.file,
          r.line,
          'value',
          `'${value}' is not a file mode; file.${entity} must be bulk, delta or absent`,
        );
      }
    }
  }
  if (version === null && versionLine === 0) {
    log.problem(
      table.file,
      0,
      'propertyName',
      "the manifest has no 'oneroster.version' row; it must say 1.1 or 1.2",
    );
  }
  return version === null ? null : { version, modes };
}
