import { quote, type FieldResult } from './field-result.ts';

/**
 * Scalar values of import rows. The date, month and fraction checks run on every row of an
 * 18-million-row attendance file, so each has an allocation-free boolean/number form
 * (`isIsoDate`, `isIsoMonth`, `fractionOrNaN`) for the hot loop and a `parse*` form that explains
 * a failure; call the explaining form only when the fast one fails.
 */

const TRUE_WORDS: ReadonlySet<string> = new Set(['true', '1', 'y', 'yes', 't']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', '0', 'n', 'no', 'f']);

/**
 * A boolean: `true/false`, `1/0`, `Y/N`, `yes/no`, `T/F`, any case, surrounding spaces ignored.
 *
 * @example parseBoolean('Y') // { ok: true, value: true }
 */
export function parseBoolean(raw: string): FieldResult<boolean> {
  const s = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(s)) return { ok: true, value: true };
  if (FALSE_WORDS.has(s)) return { ok: true, value: false };
  return { ok: false, reason: `${quote(raw)} is not a yes/no value; use true or false` };
}

function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Year, month, day of a `YYYY-MM-DD` string, or -1 when the shape is wrong. No allocation. */
function isoParts(s: string, withDay: boolean): number {
  if (s.length !== (withDay ? 10 : 7) || s.charCodeAt(4) !== 45) return -1;
  const y0 = digitAt(s, 0),
    y1 = digitAt(s, 1),
    y2 = digitAt(s, 2),
    y3 = digitAt(s, 3);
  const m0 = digitAt(s, 5),
    m1 = digitAt(s, 6);
  if ((y0 | y1 | y2 | y3 | m0 | m1) < 0) return -1;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  if (year < 1900 || year > 2199 || month < 1 || month > 12) return -1;
  if (!withDay) return year * 100 + month;
  if (s.charCodeAt(7) !== 45) return -1;
  const d0 = digitAt(s, 8),
    d1 = digitAt(s, 9);
  if ((d0 | d1) < 0) return -1;
  const day = d0 * 10 + d1;
  if (day < 1 || day > daysInMonth(year, month)) return -1;
  return (year * 100 + month) * 100 + day;
}

/** True when `s` is exactly a real calendar date `YYYY-MM-DD` (years 1900–2199). Allocation-free. */
export function isIsoDate(s: string): boolean {
  return isoParts(s, true) >= 0;
}

/** True when `s` is exactly `YYYY-MM` (years 1900–2199). Allocation-free. */
export function isIsoMonth(s: string): boolean {
  return isoParts(s, false) >= 0;
}

/**
 * A date written `YYYY-MM-DD`, and only that: `03/15/2025` is refused with a reason that names the
 * expected format, and `2025-02-30` is refused as no such day.
 *
 * @example parseIsoDate('2025-02-30').ok // false
 */
export function parseIsoDate(raw: string): FieldResult<string> {
  if (isIsoDate(raw)) return { ok: true, value: raw };
  return { ok: false, reason: explainBadDate(raw) };
}

function explainBadDate(raw: string): string {
  const s = raw.trim();
  if (s === '') return 'date is empty; dates are written YYYY-MM-DD';
  if (s !== raw && isIsoDate(s)) return `date ${quote(raw)} has surrounding spaces; write YYYY-MM-DD`;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (us) {
    const guess = `${us[3]}-${us[1].padStart(2, '0')}-${us[2].padStart(2, '0')}`;
    const hint = isIsoDate(guess) ? ` (if it means month/day/year, write ${guess})` : '';
    return `date ${quote(raw)} looks like MM/DD/YYYY; dates must be YYYY-MM-DD${hint}`;
  }
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(s))
    return `date ${quote(raw)} must be YYYY-MM-DD with two-digit month and day, or is not a calendar date`;
  if (/^\d{4}-\d{2}-\d{2}[T ]/.test(s))
    return `date ${quote(raw)} has a time of day; dates must be YYYY-MM-DD only`;
  return `date ${quote(raw)} is not a date written YYYY-MM-DD`;
}

/**
 * A month written `YYYY-MM`.
 *
 * @example parseIsoMonth('2025-9').ok // false
 */
export function parseIsoMonth(raw: string): FieldResult<string> {
  if (isIsoMonth(raw)) return { ok: true, value: raw };
  if (isIsoDate(raw))
    return {
      ok: false,
      reason: `month ${quote(raw)} is a date; months are written YYYY-MM (${raw.slice(0, 7)})`,
    };
  if (/^\d{1,2}\/\d{4}$/.test(raw.trim()))
    return { ok: false, reason: `month ${quote(raw)} looks like MM/YYYY; months must be YYYY-MM` };
  return { ok: false, reason: `month ${quote(raw)} is not a month written YYYY-MM` };
}

/**
 * The number in a plain decimal string (`0`, `0.5`, `.25`, `12`), or NaN for anything else
 * (signs, exponents, spaces, `%`, empty). Allocation-free.
 */
export function decimalOrNaN(s: string): number {
  const n = s.length;
  if (n === 0 || n > 24) return NaN;
  let dot = false;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (dot) return NaN;
      dot = true;
    } else if (c >= 48 && c <= 57) digits++;
    else return NaN;
  }
  return digits === 0 ? NaN : Number(s);
}

/** A fraction in [0, 1] as a number, or NaN. Allocation-free. */
export function fractionOrNaN(s: string): number {
  const x = decimalOrNaN(s);
  return x <= 1 ? x : NaN;
}

/**
 * A fraction of a day (or a rate) in [0, 1].
 *
 * @example parseFraction('0.5') // { ok: true, value: 0.5 }
 * @example parseFraction('50%').ok // false
 */
export function parseFraction(raw: string): FieldResult<number> {
  const x = fractionOrNaN(raw);
  if (x === x) return { ok: true, value: x };
  const s = raw.trim();
  if (s === '') return { ok: false, reason: 'fraction is empty; write a number from 0 to 1' };
  if (s.endsWith('%'))
    return { ok: false, reason: `${quote(raw)} is a percentage; write a fraction from 0 to 1 (50% is 0.5)` };
  const y = decimalOrNaN(s);
  if (y > 1) return { ok: false, reason: `${quote(raw)} is above 1; write a fraction from 0 to 1` };
  return { ok: false, reason: `${quote(raw)} is not a number from 0 to 1` };
}

/**
 * A non-negative decimal number (`12`, `3.5`).
 *
 * @example parseNonNegativeNumber('-1').ok // false
 */
export function parseNonNegativeNumber(raw: string): FieldResult<number> {
  const x = decimalOrNaN(raw);
  if (x === x) return { ok: true, value: x };
  return { ok: false, reason: `${quote(raw)} is not a non-negative number` };
}

/**
 * A non-negative whole number (`0`, `18`); `18.0` is accepted as 18.
 *
 * @example parseNonNegativeInteger('2.5').ok // false
 */
export function parseNonNegativeInteger(raw: string): FieldResult<number> {
  const x = decimalOrNaN(raw);
  if (x === x && Number.isInteger(x)) return { ok: true, value: x };
  return { ok: false, reason: `${quote(raw)} is not a non-negative whole number` };
}
