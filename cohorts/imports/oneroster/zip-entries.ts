import { unzipSync } from 'fflate';
import type { InputProblem } from '../../../errors.ts';

/** The entries Pilot reads from a OneRoster zip; everything else (classes, courses, results...) is skipped unread. */
export const ONEROSTER_FILES = [
  'manifest.csv',
  'orgs.csv',
  'users.csv',
  'roles.csv',
  'demographics.csv',
  'enrollments.csv',
  'academicSessions.csv',
] as const;
export type OneRosterFileName = (typeof ONEROSTER_FILES)[number];

export interface ZipEntry {
  /** `oneroster.zip:users.csv`: how problems name the file. */
  label: string;
  bytes: Uint8Array;
}

export type ZipEntriesResult =
  { ok: true; entries: Map<OneRosterFileName, ZipEntry> } | { ok: false; problem: InputProblem };

const WANTED: ReadonlySet<string> = new Set(ONEROSTER_FILES);

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Unzip the OneRoster entries of a zip (fflate), in memory. Entries may sit at the root or in one
 * folder (exporters often add one); macOS resource forks (`__MACOSX/`, `._x`) are ignored. Two
 * entries with the same name in different folders are refused, since Pilot cannot tell which is meant.
 */
export function readZipEntries(bytes: Uint8Array, zipName: string): ZipEntriesResult {
  const seen = new Map<string, string>();
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        const base = baseName(f.name);
        if (f.name.startsWith('__MACOSX/') || base.startsWith('._') || !WANTED.has(base)) return false;
        const other = seen.get(base);
        seen.set(base, other === undefined ? f.name : `${other}\n${f.name}`);
        return true;
      },
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problem: {
        file: zipName,
        line: 0,
        column: null,
        reason: `the file is not a readable zip archive (${detail}); a OneRoster roster is a .zip of CSV files`,
      },
    };
  }
  for (const [base, names] of seen) {
    if (names.includes('\n')) {
      return {
        ok: false,
        problem: {
          file: zipName,
          line: 0,
          column: null,
          reason: `the zip holds ${base} more than once (${names.split('\n').join(', ')}); it must hold one OneRoster export`,
        },
      };
    }
  }
  const entries = new Map<OneRosterFileName, ZipEntry>();
  for (const [path, content] of Object.entries(files)) {
    entries.set(baseName(path) as OneRosterFileName, { label: `${zipName}:${path}`, bytes: content });
  }
  return { ok: true, entries };
}
