import { quote, type FieldResult } from './field-result.ts';

/**
 * Daily attendance vocabularies. These run once per row of an 18-million-row file, so known
 * spellings are answered from a table of prebuilt, frozen results (no allocation, no regex);
 * only an unknown spelling takes the slow path.
 */

export const ATTENDANCE_CATEGORIES = [
  'present',
  'excused',
  'unexcused',
  'tardy',
  'early_departure',
  'partial',
] as const;
export type AttendanceCategory = (typeof ATTENDANCE_CATEGORIES)[number];

export type Suspension = 'oss' | 'iss';

function buildTable<T>(
  canonical: ReadonlyArray<[string, T]>,
  aliases: ReadonlyArray<[string, T, string]>,
  label: string,
): Map<string, FieldResult<T>> {
  const table = new Map<string, FieldResult<T>>();
  for (const [raw, value] of canonical) table.set(raw, Object.freeze({ ok: true as const, value }));
  for (const [raw, value, source] of aliases) {
    const note = `${label} ${quote(raw)} (${source}) read as '${value === null ? '' : String(value)}'`;
    table.set(raw, Object.freeze({ ok: true as const, value, note }));
  }
  return table;
}

/** Ed-Fi AttendanceEventCategoryDescriptor values, CEDS 000076 names and common variants. */
const CATEGORY_ALIASES: Array<[string, AttendanceCategory, string]> = [
  ['In Attendance', 'present', 'Ed-Fi descriptor'],
  ['Present', 'present', 'Ed-Fi descriptor'],
  ['Excused Absence', 'excused', 'Ed-Fi descriptor'],
  ['Unexcused Absence', 'unexcused', 'Ed-Fi descriptor'],
  ['Tardy', 'tardy', 'Ed-Fi descriptor'],
  ['Early departure', 'early_departure', 'Ed-Fi descriptor'],
  ['Early Departure', 'early_departure', 'CEDS name'],
  ['Partial', 'partial', 'Ed-Fi descriptor'],
  ['excused_absence', 'excused', 'long form'],
  ['unexcused_absence', 'unexcused', 'long form'],
];
const CATEGORY_TABLE = buildTable<AttendanceCategory>(
  ATTENDANCE_CATEGORIES.map((c) => [c, c]),
  CATEGORY_ALIASES,
  'attendance category',
);

/**
 * An attendance category: present | excused | unexcused | tardy | early_departure | partial.
 * Ed-Fi descriptors (`In Attendance`, `Excused Absence`, `Unexcused Absence`, `Early departure`),
 * also as `uri://...#Excused Absence`, and other case/spacing variants are read with a note.
 *
 * @example parseAttendanceCategory('Excused Absence') // { ok: true, value: 'excused', note: ... }
 */
export function parseAttendanceCategory(raw: string): FieldResult<AttendanceCategory> {
  const hit = CATEGORY_TABLE.get(raw);
  if (hit) return hit;
  return slowCategory(raw);
}

function slowCategory(raw: string): FieldResult<AttendanceCategory> {
  const hash = raw.lastIndexOf('#');
  const tail = (hash >= 0 ? raw.slice(hash + 1) : raw)
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, ' ');
  for (const [name, result] of CATEGORY_TABLE) {
    if (result.ok && name.toLowerCase().replace(/[_-]/g, ' ') === tail) {
      return {
        ok: true,
        value: result.value,
        note: `attendance category ${quote(raw)} read as '${result.value}'`,
      };
    }
  }
  return {
    ok: false,
    reason: `attendance category ${quote(raw)} is not one of ${ATTENDANCE_CATEGORIES.join(', ')} (Ed-Fi descriptors such as 'Excused Absence' are accepted)`,
  };
}

const SUSPENSION_TABLE = buildTable<Suspension | null>(
  [
    ['oss', 'oss'],
    ['iss', 'iss'],
    ['', null],
  ],
  [
    ['OSS', 'oss', 'upper case'],
    ['ISS', 'iss', 'upper case'],
    ['out-of-school', 'oss', 'spelled out'],
    ['in-school', 'iss', 'spelled out'],
    ['Out of School Suspension', 'oss', 'spelled out'],
    ['In School Suspension', 'iss', 'spelled out'],
    ['Out-of-School Suspension', 'oss', 'spelled out'],
    ['In-School Suspension', 'iss', 'spelled out'],
  ],
  'suspension',
);

/**
 * A suspension marker: `oss` (out-of-school: counts as absent), `iss` (in-school: counts as
 * present) or empty (none → null). Upper case and spelled-out forms are read with a note.
 *
 * @example parseSuspension('') // { ok: true, value: null }
 */
export function parseSuspension(raw: string): FieldResult<Suspension | null> {
  const hit = SUSPENSION_TABLE.get(raw);
  if (hit) return hit;
  const folded = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, ' ');
  if (folded === '') return { ok: true, value: null, note: 'suspension: blank spaces read as none' };
  if (folded === 'oss' || folded.startsWith('out of school'))
    return { ok: true, value: 'oss', note: `suspension ${quote(raw)} read as 'oss'` };
  if (folded === 'iss' || folded.startsWith('in school'))
    return { ok: true, value: 'iss', note: `suspension ${quote(raw)} read as 'iss'` };
  return { ok: false, reason: `suspension ${quote(raw)} is not oss, iss or empty` };
}
