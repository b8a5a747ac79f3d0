import { EMAIL_TAGS, FIRST_NAMES_F, FIRST_NAMES_M } from './names.ts';
import { pick, pickWeighted, uniformInt, type Rng } from './random.ts';
import type { Relationship } from './types.ts';

/** Home languages other than English and Spanish found in small numbers in rural districts. */
export const OTHER_LANGUAGES = ['vi', 'ar', 'zh', 'pt', 'so', 'fr', 'de', 'uk'] as const;

/** How SIS screens spell languages when staff type them: the normalizer's test material. */
const DRIFT: Record<string, readonly string[]> = {
  en: ['EN', 'English', 'eng'],
  es: ['SP', 'Spanish', 'spa', 'Español'],
  vi: ['Vietnamese', 'vie'],
  ar: ['Arabic', 'ara'],
  zh: ['Chinese', 'chi'],
  pt: ['Portuguese', 'por'],
  so: ['Somali', 'som'],
  fr: ['French', 'fre'],
  de: ['German', 'ger'],
  uk: ['Ukrainian', 'ukr'],
  nv: ['Navajo', 'nav'],
};

/**
 * A language as a SIS holds it: the ISO 639-1 code in most rows, a drifted spelling ('SP',
 * 'Spanish', 'spa') in about 8 % (15 % for Spanish), and blank in 2 % of English rows (importers assume English).
 */
export function spellLanguage(code: string, rng: Rng): string {
  const u = rng();
  if (code === 'en' && u < 0.02) return '';
  const driftShare = code === 'es' ? 0.15 : 0.08;
  if (u > 1 - driftShare) return pick(rng, DRIFT[code] ?? [code.toUpperCase()]);
  return code;
}

/** Phone formats seen in SIS exports, all of them a reserved fictional 555-01xx number. */
const PHONE_FORMATS = [
  (a: number, n: string) => `(${a}) 555-${n}`,
  (a: number, n: string) => `${a}-555-${n}`,
  (a: number, n: string) => `${a}555${n}`,
  (a: number, n: string) => `+1 ${a} 555 ${n}`,
  (a: number, n: string) => `${a}.555.${n}`,
  (a: number, n: string) => `1-${a}-555-${n}`,
] as const;
const PHONE_FORMAT_WEIGHTS = [0.35, 0.25, 0.15, 0.1, 0.1, 0.05] as const;

/** A US phone number in the 555-0100…555-0199 block reserved for fiction, in a mixed format. */
export function fictionalPhone(areaCodes: readonly number[], rng: Rng): string {
  const line = `01${String(uniformInt(rng, 0, 99)).padStart(2, '0')}`;
  return pickWeighted(rng, PHONE_FORMATS, PHONE_FORMAT_WEIGHTS)(pick(rng, areaCodes), line);
}

/** An address at example.org (RFC 2606), never deliverable. */
export function fictionalEmail(first: string, last: string, rng: Rng): string {
  const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
  return `${local}${uniformInt(rng, 1, 999)}.${pick(rng, EMAIL_TAGS)}@example.org`;
}

export interface CaregiverDraft {
  relationship: Relationship;
  firstName: string;
  lastName: string;
  language: string;
}

/**
 * The one or two adults a household lists: mostly parents, sometimes a guardian (not a parent)
 * or a relative (a grandparent); the second adult may carry another surname or prefer English.
 */
export function drawCaregivers(
  lastName: string,
  otherSurname: () => string,
  homeLanguage: string,
  rng: Rng,
): CaregiverDraft[] {
  const count = rng() < 0.55 ? 2 : 1;
  const out: CaregiverDraft[] = [];
  for (let k = 0; k < count; k++) {
    const relationship = pickWeighted<Relationship>(
      rng,
      ['parent', 'guardian', 'relative'],
      k === 0 ? [0.88, 0.05, 0.07] : [0.85, 0.05, 0.1],
    );
    const female = k === 0 ? rng() < 0.75 : rng() < 0.3;
    out.push({
      relationship,
      firstName: pick(rng, female ? FIRST_NAMES_F : FIRST_NAMES_M),
      lastName: k > 0 && rng() < 0.2 ? otherSurname() : lastName,
      language: k > 0 && homeLanguage !== 'en' && rng() < 0.2 ? 'en' : homeLanguage,
    });
  }
  return out;
}

/** A standing opt-out recorded last school year: the date and the channel refused. */
export function drawOptOut(year: number, rng: Rng): { at: string; channel: string } {
  const from = Date.UTC(year - 1, 8, 1);
  const days = uniformInt(rng, 0, 300);
  return {
    at: new Date(from + days * 86_400_000).toISOString().slice(0, 10),
    channel: pickWeighted(rng, ['sms', 'email', 'voice', 'all'], [0.6, 0.2, 0.1, 0.1]),
  };
}
