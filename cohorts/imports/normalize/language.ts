import ISO6391 from 'iso-639-1';
import { iso6392, iso6392BTo1, iso6392TTo1 } from 'iso-639-2';
import { quote, type FieldResult } from './field-result.ts';

/**
 * Language codes arrive as ISO 639-1 (`es`), ISO 639-2 bibliographic or terminologic codes (`spa`,
 * `dut`/`nld`, `chi`/`zho`: Ed-Fi's LanguageDescriptor), SIS codes (`SP`), BCP 47 tags (`es-MX`) or
 * names (`Spanish`, `Español`). Pilot stores ISO 639-1 when the language has one; otherwise the
 * ISO 639-2/639-3 code (Hmong `hmn`, Mam `mam`), with a note.
 *
 * Order of interpretation (first match wins):
 * 1. a valid ISO 639-1 code, any case (`EN` → `en`, no note; `ch` is Chamorro, with a note);
 * 2. the SIS table below (`SP` → `es`, `HM` → `hmn`);
 * 3. a BCP 47 / POSIX tag: its primary subtag, with a note (`es-MX` → `es`);
 * 4. an ISO 639-2 B or T code with a 639-1 equivalent (`spa` → `es`, `dut` → `nl`), with a note;
 * 5. an ISO 639-2 code without one, or a 639-3 code in the table below, kept with a note;
 * 6. an English or native name, accents and case ignored (`Vietnamese`, `espanol`), with a note.
 */

/** Two-letter codes SIS products use that are not ISO 639-1 codes. */
const SIS_CODES: Record<string, string> = { sp: 'es', hm: 'hmn' };

/** ISO 639-3 codes common among U.S. English learners that have no ISO 639-1 or 639-2 code. */
const ISO_639_3_KEPT: Record<string, string> = {
  mam: 'Mam',
  quc: "K'iche'",
  kjb: "Q'anjob'al",
  acr: 'Achi',
  ixl: 'Ixil',
  cak: 'Kaqchikel',
  yue: 'Cantonese',
  cmn: 'Mandarin',
  prs: 'Dari',
  ase: 'American Sign Language',
  cjk: 'Chokwe',
  kri: 'Krio',
  mxb: 'Mixtec',
  tzo: 'Tzotzil',
  kea: 'Kabuverdianu',
};

/** Names SIS products use that neither package lists, mapped to what Pilot stores. */
const EXTRA_NAMES: Record<string, string> = {
  mandarin: 'zh',
  cantonese: 'zh',
  chinese: 'zh',
  hmong: 'hmn',
  filipino: 'tl',
  tagalog: 'tl',
  'haitian creole': 'ht',
  creole: 'ht',
  farsi: 'fa',
  persian: 'fa',
  dari: 'prs',
  burmese: 'my',
  karen: 'kar',
  'sign language': 'ase',
  'american sign language': 'ase',
  asl: 'ase',
  mam: 'mam',
  kiche: 'quc',
  "k'iche'": 'quc',
  quiche: 'quc',
  marshallese: 'mh',
  chuukese: 'chk',
  pashto: 'ps',
  swahili: 'sw',
  'cape verdean creole': 'kea',
  english: 'en',
  spanish: 'es',
  espanol: 'es',
};

let namesCache: Map<string, string> | null = null;

function fold(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Folded language name → code, from both packages and the extra table, built once. */
function names(): Map<string, string> {
  if (namesCache) return namesCache;
  const map = new Map<string, string>();
  for (const lang of iso6392) {
    const code = lang.iso6391 ?? lang.iso6392T ?? lang.iso6392B;
    for (const part of lang.name.split(';')) map.set(fold(part), code);
  }
  for (const code of ISO6391.getAllCodes()) {
    map.set(fold(ISO6391.getName(code)), code);
    for (const part of ISO6391.getNativeName(code).split(',')) map.set(fold(part), code);
  }
  for (const [name, code] of Object.entries(EXTRA_NAMES)) map.set(name, code);
  namesCache = map;
  return map;
}

/**
 * Normalize a preferred-language value (see the module comment for what is accepted).
 *
 * @example normalizeLanguage('spa') // { ok: true, value: 'es', note: "language 'spa' (ISO 639-2) read as 'es'" }
 * @example normalizeLanguage('Martian').ok // false
 */
export function normalizeLanguage(raw: string): FieldResult<string> {
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, reason: 'language is empty' };
  const lower = trimmed.toLowerCase();
  if (lower.length === 2 && ISO6391.validate(lower)) {
    if (lower === 'ch') {
      return {
        ok: true,
        value: 'ch',
        note: `language ${quote(raw)} read as ISO 639-1 'ch' (Chamorro); for Chinese write 'zh'`,
      };
    }
    return { ok: true, value: lower };
  }
  const sis = SIS_CODES[lower];
  if (sis) return { ok: true, value: sis, note: `language ${quote(raw)} (SIS code) read as '${sis}'` };
  const tag = /^([a-z]{2,3})[-_][a-z0-9-_]+$/.exec(lower);
  if (tag) {
    const primary = normalizeLanguage(tag[1]);
    if (primary.ok)
      return {
        ok: true,
        value: primary.value,
        note: `language ${quote(raw)} read as '${primary.value}' (region or script dropped)`,
      };
  }
  if (/^[a-z]{3}$/.test(lower)) {
    const coded = fromThreeLetters(lower, raw);
    if (coded) return coded;
  }
  const named = names().get(fold(trimmed));
  if (named) return { ok: true, value: named, note: `language ${quote(raw)} read as '${named}'` };
  return {
    ok: false,
    reason: `language ${quote(raw)} is not a known language; use an ISO 639-1 code (es), an ISO 639-2 code (spa) or an English name (Spanish)`,
  };
}

function fromThreeLetters(lower: string, raw: string): FieldResult<string> | null {
  const one =
    (iso6392BTo1 as Record<string, string>)[lower] ?? (iso6392TTo1 as Record<string, string>)[lower];
  if (one) return { ok: true, value: one, note: `language ${quote(raw)} (ISO 639-2) read as '${one}'` };
  const twoOnly = iso6392.find((l) => l.iso6392B === lower || l.iso6392T === lower);
  if (twoOnly) {
    return {
      ok: true,
      value: lower,
      note: `language ${quote(raw)} (${twoOnly.name}) has no ISO 639-1 code; kept as ISO 639-2 '${lower}'`,
    };
  }
  const threeName = ISO_639_3_KEPT[lower];
  if (threeName) {
    return {
      ok: true,
      value: lower,
      note: `language ${quote(raw)} (${threeName}) has no ISO 639-1 code; kept as ISO 639-3 '${lower}'`,
    };
  }
  return null;
}
