import { pick, type Rng } from './random.ts';
import type { Contact, Roster } from './types.ts';

/**
 * Phone numbers and SMS consent for a district's synthetic families, so that outreach has something
 * realistic to message. Every number stays in the 555-0100…555-0199 block reserved for fiction; the
 * district's numbers are spread over its state's area codes first and then other area codes (families
 * keep a cell number when they move), so each household gets its own number. Observed shares:
 * - a few numbers are shared across households, as when a grandparent is listed by two families
 *   (about 0.8 % of households borrow an earlier household's number, so under 2 % share one);
 * - a second caregiver has their own number 60 % of the time, else the household's;
 * - about 1 % of numbers are unusable as the SIS holds them ('000-000-0000', or no area code);
 * - SMS consent for about 85 % of contacts with a number.
 * Opt-outs (about 3 % of contacts) are drawn with the roster and kept.
 */
export const SHARE_ACROSS_HOUSEHOLDS = 0.008;
export const OWN_NUMBER_SECOND_CAREGIVER = 0.6;
export const INVALID_NUMBER = 0.01;
export const SMS_CONSENT = 0.85;

const FORMATS = [
  (a: number, n: string) => `(${a}) 555-${n}`,
  (a: number, n: string) => `${a}-555-${n}`,
  (a: number, n: string) => `${a}555${n}`,
  (a: number, n: string) => `+1 ${a} 555 ${n}`,
  (a: number, n: string) => `${a}.555.${n}`,
] as const;

class NumberPool {
  private readonly used = new Set<number>();
  constructor(
    private readonly local: readonly number[],
    private readonly all: readonly number[],
    private readonly rng: Rng,
  ) {}

  /** An unused (area code, line) pair as area * 100 + line, local area codes first. */
  next(): number {
    for (const codes of [this.local, this.all]) {
      const tries = Math.min(200, codes.length * 100);
      for (let i = 0; i < tries; i++) {
        const n = pick(this.rng, codes) * 100 + Math.floor(this.rng() * 100);
        if (!this.used.has(n)) {
          this.used.add(n);
          return n;
        }
      }
    }
    // The whole fictional space of these area codes is taken: reuse (a shared number).
    return pick(this.rng, this.all) * 100 + Math.floor(this.rng() * 100);
  }
}

function spell(n: number, rng: Rng): string {
  const area = Math.floor(n / 100);
  const line = `01${String(n % 100).padStart(2, '0')}`;
  if (rng() < INVALID_NUMBER) return rng() < 0.5 ? '000-000-0000' : `555-${line}`;
  return pick(rng, FORMATS)(area, line);
}

/**
 * Gives the roster's contacts their phone numbers and SMS consent (contacts listed without a phone
 * stay without one). Pure: `rng` is a stream of its own, so the rest of the roster is unchanged.
 */
export function assignPhones(
  roster: Roster,
  localCodes: readonly number[],
  allCodes: readonly number[],
  rng: Rng,
): Roster {
  const pool = new NumberPool(localCodes, allCodes, rng);
  const byId = new Map(roster.contacts.map((c) => [c.contactId, c]));
  const earlier: number[] = [];
  const contacts = new Map<string, Contact>();
  for (const h of roster.households) {
    const household = pool.next();
    const borrow = earlier.length > 0 && rng() < SHARE_ACROSS_HOUSEHOLDS;
    h.contactIds.forEach((id, k) => {
      const c = byId.get(id)!;
      let n = k === 0 ? household : rng() < OWN_NUMBER_SECOND_CAREGIVER ? pool.next() : household;
      if (borrow && k === h.contactIds.length - 1) n = pick(rng, earlier);
      const phone = c.phone === '' ? '' : spell(n, rng);
      contacts.set(id, { ...c, phone, smsConsent: phone !== '' && rng() < SMS_CONSENT });
    });
    earlier.push(household);
  }
  return { ...roster, contacts: roster.contacts.map((c) => contacts.get(c.contactId) ?? c) };
}
