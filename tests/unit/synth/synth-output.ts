/** Test helper (not a test): reads a `pilot synth` output folder back into plain rows. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';

export type Row = Record<string, string>;

export function readCsv(path: string): Row[] {
  const parsed = Papa.parse<Row>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true });
  if (parsed.errors.length > 0) throw new Error(`${path}: ${parsed.errors[0].message}`);
  return parsed.data;
}

/** Every file under a folder, relative path → bytes. */
export function readTree(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of readTree(dir, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(dir, rel)));
  }
  return out;
}

export interface DistrictFiles {
  leaid: string;
  schools: Row[];
  students: Row[];
  contacts: Row[];
  calendar: Row[];
  enrollment: Row[];
  attendance: Row[];
}

export function readPlainDistrict(dir: string, leaid: string): DistrictFiles {
  const d = join(dir, leaid);
  return {
    leaid,
    schools: readCsv(join(d, 'schools.csv')),
    students: readCsv(join(d, 'students.csv')),
    contacts: readCsv(join(d, 'contacts.csv')),
    calendar: readCsv(join(d, 'calendar.csv')),
    enrollment: readCsv(join(d, 'enrollment.csv')),
    attendance: readCsv(join(d, 'attendance_daily.csv')),
  };
}

/** The fraction of a day a category misses, computed from the row itself. */
export function absentFraction(row: Row): number {
  return Number(row.absent_fraction);
}
