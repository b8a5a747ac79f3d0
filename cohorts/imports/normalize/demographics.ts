import { quote, type FieldResult } from './field-result.ts';

export type Sex = 'F' | 'M' | 'X';

/**
 * Sex as Pilot stores it: `F`, `M`, `X` (non-binary/other), or null (not reported).
 * `female`/`male`/`f`/`m` (OneRoster 1.1's vocabulary) map to F/M silently; `other`,
 * `non-binary` map to X and `unspecified`/`unknown`/`U` to null, each with a note.
 *
 * @example parseSex('female') // { ok: true, value: 'F' }
 */
export function parseSex(raw: string): FieldResult<Sex | null> {
  const s = raw.trim().toLowerCase();
  switch (s) {
    case 'f':
    case 'female':
      return { ok: true, value: 'F' };
    case 'm':
    case 'male':
      return { ok: true, value: 'M' };
    case 'x':
      return { ok: true, value: 'X' };
    case 'other':
    case 'nonbinary':
    case 'non-binary':
    case 'non binary':
      return { ok: true, value: 'X', note: `sex ${quote(raw)} recorded as 'X'` };
    case 'unspecified':
    case 'unknown':
    case 'u':
      return { ok: true, value: null, note: `sex ${quote(raw)} recorded as not reported` };
    default:
      return { ok: false, reason: `sex ${quote(raw)} is not F, M or X (female/male accepted)` };
  }
}

/**
 * Race/ethnicity as Pilot stores it: the EDFacts RACE7 codes of federal seven-category reporting
 * (FS195, CRDC). Hispanic or Latino of any race is HI7; otherwise the one race reported, or MU7 for
 * two or more: AM7 American Indian or Alaska Native, AS7 Asian, BL7 Black or African American,
 * PI7 Native Hawaiian or Other Pacific Islander, WH7 White.
 */
export const RACE_ETHNICITY_CODES = ['AM7', 'AS7', 'BL7', 'HI7', 'PI7', 'WH7', 'MU7'] as const;
export type RaceEthnicity = (typeof RACE_ETHNICITY_CODES)[number];

const RACE_SET: ReadonlySet<string> = new Set(RACE_ETHNICITY_CODES);

/** Folded spellings (lower case, punctuation → space) → code: CEDS and Ed-Fi names, common words. */
const RACE_SPELLINGS: Record<string, RaceEthnicity> = {
  'american indian': 'AM7',
  'american indian or alaska native': 'AM7',
  'american indian or alaskan native': 'AM7',
  'american indian alaska native': 'AM7',
  'native american': 'AM7',
  asian: 'AS7',
  black: 'BL7',
  'black or african american': 'BL7',
  'black african american': 'BL7',
  'african american': 'BL7',
  hispanic: 'HI7',
  'hispanic or latino': 'HI7',
  'hispanic latino': 'HI7',
  latino: 'HI7',
  latinx: 'HI7',
  'native hawaiian or other pacific islander': 'PI7',
  'native hawaiian pacific islander': 'PI7',
  'pacific islander': 'PI7',
  'native hawaiian': 'PI7',
  white: 'WH7',
  'two or more races': 'MU7',
  'two or more': 'MU7',
  multiple: 'MU7',
  multiracial: 'MU7',
  'multi racial': 'MU7',
};

/**
 * One race/ethnicity code (see RACE_ETHNICITY_CODES). RACE7 codes pass unchanged (any case, with a
 * note when not upper case); CEDS/Ed-Fi names (`Black - African American`, `Hispanic or Latino`,
 * `Two or more races`) are read with a note.
 *
 * @example parseRaceEthnicity('Hispanic or Latino') // { ok: true, value: 'HI7', note: ... }
 */
export function parseRaceEthnicity(raw: string): FieldResult<RaceEthnicity> {
  if (RACE_SET.has(raw)) return { ok: true, value: raw as RaceEthnicity };
  const upper = raw.trim().toUpperCase();
  const folded = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  const code = RACE_SET.has(upper) ? (upper as RaceEthnicity) : RACE_SPELLINGS[folded];
  if (code) return { ok: true, value: code, note: `race/ethnicity ${quote(raw)} read as '${code}'` };
  return {
    ok: false,
    reason: `race/ethnicity ${quote(raw)} is not a RACE7 code (${RACE_ETHNICITY_CODES.join(', ')}) or a race name`,
  };
}
