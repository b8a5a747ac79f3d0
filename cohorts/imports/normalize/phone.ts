import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { quote, type FieldResult } from './field-result.ts';

/**
 * Normalize a phone number to E.164 (`+12075550134`) with libphonenumber-js. Numbers without a
 * country code are read in `defaultCountry` (US unless given). A number libphonenumber-js does not
 * consider valid for its country is refused, and the reason quotes the original so the importer
 * can report it. An extension is dropped with a note (text messages cannot reach one).
 *
 * @example normalizePhone('(207) 555-0134') // { ok: true, value: '+12075550134' }
 * @example normalizePhone('555-0134').ok // false: seven digits, no area code
 */
export function normalizePhone(raw: string, defaultCountry: CountryCode = 'US'): FieldResult<string> {
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, reason: 'phone number is empty' };
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed || !parsed.isValid()) {
    const digits = trimmed.replace(/\D/g, '').length;
    const hint = digits === 7 ? ' (seven digits: the area code is missing)' : '';
    return {
      ok: false,
      reason: `phone number ${quote(raw)} is not a valid ${defaultCountry} or international number${hint}; kept out as given`,
    };
  }
  if (parsed.ext) {
    return {
      ok: true,
      value: parsed.number,
      note: `phone number ${quote(raw)}: extension ${parsed.ext} dropped`,
    };
  }
  return { ok: true, value: parsed.number };
}
