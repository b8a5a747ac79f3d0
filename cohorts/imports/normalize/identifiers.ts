import { quote, type FieldResult } from './field-result.ts';

/**
 * Identifiers are text: leading zeros matter (Alabama's LEAIDs start with `01`), and a spreadsheet
 * that opened the file as numbers strips them or writes `1.23457E+11`. These checks name that cause.
 */

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function spreadsheetDamage(s: string, label: string): string | null {
  if (/^\d(\.\d+)?e\+?\d+$/i.test(s)) {
    return `${label} ${quote(s)} is in scientific notation: a spreadsheet turned it into a number and lost digits; re-export it with the column formatted as text`;
  }
  if (/^\d+\.0+$/.test(s)) {
    return `${label} ${quote(s)} ends in '.0': a spreadsheet turned it into a number; re-export it with the column formatted as text`;
  }
  return null;
}

function fixedWidthDigits(raw: string, width: number, label: string, what: string): FieldResult<string> {
  const s = raw.trim();
  if (s === '') return { ok: false, reason: `${label} is empty` };
  const damage = spreadsheetDamage(s, label);
  if (damage) return { ok: false, reason: damage };
  if (!isDigits(s)) return { ok: false, reason: `${label} ${quote(raw)} must be ${width} digits (${what})` };
  if (s.length === width)
    return s === raw
      ? { ok: true, value: s }
      : { ok: true, value: s, note: `${label} ${quote(raw)}: spaces removed` };
  if (s.length < width) {
    const padded = s.padStart(width, '0');
    return {
      ok: false,
      reason: `${label} ${quote(raw)} has ${s.length} digits, not ${width}: a spreadsheet most likely dropped its leading zero${width - s.length > 1 ? 's' : ''} (did you mean '${padded}'?); format the column as text and export again`,
    };
  }
  return {
    ok: false,
    reason: `${label} ${quote(raw)} has ${s.length} digits; it must have ${width} (${what})`,
  };
}

/**
 * An NCES LEAID: 7 digits (2-digit state FIPS code + 5), kept as text.
 *
 * @example normalizeLeaid('0100005') // { ok: true, value: '0100005' }
 * @example normalizeLeaid('100005').ok // false: a leading zero was stripped
 */
export function normalizeLeaid(raw: string): FieldResult<string> {
  return fixedWidthDigits(raw, 7, 'LEAID', 'the NCES district id: 2-digit state code + 5 digits');
}

/**
 * An NCES school id (NCESSCH): 12 digits, the district's LEAID followed by a 5-digit school number.
 * When `leaid` is given, the id must start with it.
 *
 * @example normalizeNcesSchoolId('010000500870', '0100005') // { ok: true, value: '010000500870' }
 */
export function normalizeNcesSchoolId(raw: string, leaid?: string): FieldResult<string> {
  const result = fixedWidthDigits(
    raw,
    12,
    'NCES school id',
    "the district's 7-digit LEAID + a 5-digit school number",
  );
  if (!result.ok || leaid === undefined || result.value.startsWith(leaid)) return result;
  return {
    ok: false,
    reason: `NCES school id ${quote(raw)} does not begin with the district's LEAID '${leaid}'; an NCES school id is the LEAID followed by 5 digits`,
  };
}

/**
 * A district-assigned id (SIS student id, contact id, school id, state id): any non-empty text,
 * compared case-sensitively. Surrounding spaces are removed with a note; control characters are refused.
 *
 * @example normalizeLocalId(' 004512 ', 'student_id') // { ok: true, value: '004512', note: ... }
 */
export function normalizeLocalId(raw: string, label = 'id'): FieldResult<string> {
  const s = raw.trim();
  if (s === '') return { ok: false, reason: `${label} is empty` };
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) < 32)
      return { ok: false, reason: `${label} ${quote(raw)} contains a control character` };
  }
  const damage = spreadsheetDamage(s, label);
  if (damage) return { ok: false, reason: damage };
  if (s !== raw) return { ok: true, value: s, note: `${label} ${quote(raw)}: surrounding spaces removed` };
  return { ok: true, value: s };
}

/** A suspect id: shorter than the column's usual width, as if a spreadsheet dropped leading zeros. */
export interface StrippedZeroSuspect {
  index: number;
  value: string;
  width: number;
  suggestion: string;
  reason: string;
}

/**
 * Find ids in one column that look like a spreadsheet stripped their leading zeros.
 *
 * Rule: among the all-digit values, take the most common length W. When at least 90 % of them
 * have length W and at least one of those starts with `0` (so leading zeros are part of this
 * district's ids), every all-digit value shorter than W is a suspect, reported with its zero-padded
 * form. Columns of variable-width ids, or whose ids never start with 0, yield no suspects.
 *
 * @param values the column, in file order (indices in the result refer to it)
 * @example findStrippedLeadingZeros(['004512', '013377', '4513', '020001', ...]) // [{ index: 2, suggestion: '004513', ... }]
 */
export function findStrippedLeadingZeros(values: readonly string[], label = 'id'): StrippedZeroSuspect[] {
  const byLength = new Map<number, number>();
  let digitCount = 0;
  for (const v of values) {
    if (!isDigits(v)) continue;
    digitCount++;
    byLength.set(v.length, (byLength.get(v.length) ?? 0) + 1);
  }
  let width = 0;
  let widthCount = 0;
  for (const [len, count] of byLength) {
    if (count > widthCount || (count === widthCount && len > width)) [width, widthCount] = [len, count];
  }
  if (digitCount === 0 || widthCount < 0.9 * digitCount) return [];
  if (!values.some((v) => v.length === width && v.charCodeAt(0) === 48 && isDigits(v))) return [];
  const suspects: StrippedZeroSuspect[] = [];
  values.forEach((value, index) => {
    if (value.length >= width || !isDigits(value)) return;
    const suggestion = value.padStart(width, '0');
    suspects.push({
      index,
      value,
      width,
      suggestion,
      reason: `${label} ${quote(value)} is shorter than the ${width}-digit ids with leading zeros in this column: a spreadsheet most likely dropped its leading zeros (did you mean '${suggestion}'?)`,
    });
  });
  return suspects;
}
