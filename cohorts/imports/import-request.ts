import type { ImportWarning } from './import-problems.ts';
import type { ImportKind } from './import-rows/row-reader.ts';

/** What the user asks for: `pilot import KIND` (attendance = daily or monthly, told apart by header). */
export type RequestedKind = 'roster' | 'schools' | 'contacts' | 'calendar' | 'enrollment' | 'attendance';

export interface ImportRequest {
  study: string;
  leaid: string;
  kind: RequestedKind;
  path: string;
  /** Daily attendance lists only absences. */
  exceptions?: boolean;
  encoding?: 'utf-8' | 'windows-1252';
}

export interface ImportSummary {
  kind: ImportKind;
  file: string;
  sha256: string;
  status: 'imported' | 'already_imported';
  /**
   * How the rows were written: `bulk`, read as bytes and copied in binary (daily attendance); `direct`,
   * validated rows copied straight into their table; `merged`, staged and merged by natural key (a
   * file that replaces stored rows, or any kind but attendance). Absent when already imported.
   */
  route?: ImportRoute;
  importId: number;
  rowsRead: number;
  inserted: number;
  replaced: number;
  unchanged: number;
  warnings: ImportWarning[];
}

export type ImportRoute = 'bulk' | 'direct' | 'merged';

export type ProgressFn = (done: number, total: number) => void;

export type Counts = { inserted: number; replaced: number };
