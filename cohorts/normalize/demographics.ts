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
 * Race/ethnicity in the federal seven-category reporting scheme (EDFacts RACE7): Hispanic or
 * Latino of any race is `hispanic`; otherwise the one race reported, or `multiple` for two or more.
 */
export const RACE_ETHNICITY_CODES = [
  'american_indian',
  'asian',
  'black',
  'pacific_islander',
  'white',
  'hispanic',
  'multiple',
] as const;
export type RaceEthnicity = (typeof RACE_ETHNICITY_CODES)[number];

const RACE_SET: ReadonlySet<string> = new Set(RACE_ETHNICITY_CODES);

/** Folded spellings (lower case, punctuation → space) → code: EDFacts codes, CEDS and Ed-Fi names. */
const RACE_SPELLINGS: Record<string, RaceEthnicity> = {
  am7: 'american_indian',
  as7: 'asian',
  bl7: 'black',
  pi7: 'pacific_islander',
  wh7: 'white',
  hi7: 'hispanic',
  mu7: 'multiple',
  'american indian': 'american_indian',
  'american indian or alaska native': 'american_indian',
  'american indian alaska native': 'american_indian',
  'native american': 'american_indian',
  'black or african american': 'black',
  'black african american': 'black',
  'african american': 'black',
  'native hawaiian or other pacific islander': 'pacific_islander',
  'native hawaiian pacific islander': 'pacific_islander',
  'pacific islander': 'pacific_islander',
  'native hawaiian': 'pacific_islander',
  'hispanic or latino': 'hispanic',
  latino: 'hispanic',
  latinx: 'hispanic',
  'hispanic latino': 'hispanic',
  'two or more races': 'multiple',
  'two or more': 'multiple',
  multiracial: 'multiple',
  'multi racial': 'multiple',
  'american indian or alaskan native': 'american_indian',
};

/**
 * One race/ethnicity code (see RACE_ETHNICITY_CODES). Pilot's own codes pass unchanged; EDFacts
 * codes (`HI7`) and CEDS/Ed-Fi names (`Black - African American`) are read with a note.
 *
 * @example parseRaceEthnicity('Hispanic or Latino') // { ok: true, value: 'hispanic', note: ... }
 */
export function parseRaceEthnicity(raw: string): FieldResult<RaceEthnicity> {
  if (RACE_SET.has(raw)) return { ok: true, value: raw as RaceEthnicity };
  const folded = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  const code = RACE_SET.has(folded.replace(/ /g, '_'))
    ? (folded.replace(/ /g, '_') as RaceEthnicity)
    : RACE_SPELLINGS[folded];
  if (code) return { ok: true, value: code, note: `race/ethnicity ${quote(raw)} read as '${code}'` };
  return {
    ok: false,
    reason: `race/ethnicity ${quote(raw)} is not one of ${RACE_ETHNICITY_CODES.join(', ')}`,
  };
}
