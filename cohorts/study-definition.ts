import { createHash } from 'node:crypto';
import { BLOCK_VARIABLES, type BlockVariable } from '../assignment/block-keys.ts';

export { BLOCK_VARIABLES, type BlockVariable };

export interface Arm {
  name: string;
  /** Decimal string with at most 6 places, so that allocation arithmetic is exact. */
  probability: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const ARM_NAME = /^[a-z][a-z0-9_]{0,31}$/;
const DECIMAL = /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/;

/** Probability as an integer number of millionths (exact). */
export function millionths(probability: string): number {
  const [whole, frac = ''] = probability.split('.');
  return Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0'));
}

/**
 * Parses `control:0.5,treatment:0.5`: at least two distinct arms, probabilities decimal with at most
 * six places, each above 0, summing to exactly 1 (checked in integer millionths, never in floating point).
 */
export function parseArms(text: string): ParseResult<Arm[]> {
  const arms: Arm[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, probability, extra] = part.split(':').map((s) => s.trim());
    if (extra !== undefined || !name || !probability)
      return { ok: false, reason: `arm "${part}" is not name:probability` };
    if (!ARM_NAME.test(name))
      return { ok: false, reason: `arm name "${name}" must be lower-case letters, digits or _` };
    if (!DECIMAL.test(probability))
      return {
        ok: false,
        reason: `probability "${probability}" of arm ${name} must be a decimal in [0, 1] with at most 6 places`,
      };
    if (millionths(probability) === 0) return { ok: false, reason: `arm ${name} has probability 0` };
    if (arms.some((a) => a.name === name)) return { ok: false, reason: `arm ${name} is listed twice` };
    arms.push({ name, probability });
  }
  if (arms.length < 2)
    return { ok: false, reason: 'a study needs at least two arms, e.g. control:0.5,treatment:0.5' };
  const total = arms.reduce((s, a) => s + millionths(a.probability), 0);
  if (total !== 1_000_000)
    return { ok: false, reason: `arm probabilities sum to ${total / 1_000_000}, not 1` };
  return { ok: true, value: arms };
}

export function parseBlockBy(text: string | undefined): ParseResult<BlockVariable[]> {
  const names = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out: BlockVariable[] = [];
  for (const n of names) {
    if (!(BLOCK_VARIABLES as readonly string[]).includes(n)) {
      return { ok: false, reason: `cannot block by "${n}"; choose from ${BLOCK_VARIABLES.join(', ')}` };
    }
    if (out.includes(n as BlockVariable)) return { ok: false, reason: `block variable ${n} is listed twice` };
    out.push(n as BlockVariable);
  }
  return { ok: true, value: out };
}

/** 128-bit seed as 32 lower-case hex digits (a supplied seed must look the same, or be longer hex). */
export function parseSeed(seed: string): ParseResult<string> {
  const s = seed.trim().toLowerCase();
  if (!/^[0-9a-f]{32,128}$/.test(s))
    return { ok: false, reason: 'seed must be 32 to 128 hexadecimal digits' };
  return { ok: true, value: s };
}

/** The commitment published at creation: SHA-256 of the seed's UTF-8 bytes, hex. */
export function seedCommitment(seed: string): string {
  return createHash('sha256').update(seed, 'utf8').digest('hex');
}

export type LocaleClass =
  { kind: 'rural' } | { kind: 'town'; warning: string } | { kind: 'refused'; reason: string };

const LOCALES: Record<number, string> = {
  11: 'City, large',
  12: 'City, midsize',
  13: 'City, small',
  21: 'Suburb, large',
  22: 'Suburb, midsize',
  23: 'Suburb, small',
  31: 'Town, fringe',
  32: 'Town, distant',
  33: 'Town, remote',
  41: 'Rural, fringe',
  42: 'Rural, distant',
  43: 'Rural, remote',
};

/** NCES locale: rural 41–43 accepted; town 31–33 accepted with a warning; others refused unless allowed. */
export function classifyLocale(code: number, allowNonRural: boolean): LocaleClass {
  const label = LOCALES[code];
  if (!label)
    return {
      kind: 'refused',
      reason: `locale code ${code} is not an NCES locale (11–13, 21–23, 31–33, 41–43)`,
    };
  if (code >= 41) return { kind: 'rural' };
  if (code >= 31)
    return { kind: 'town', warning: `locale ${code} (${label}) is a town, not rural; report it separately` };
  if (allowNonRural)
    return {
      kind: 'town',
      warning: `locale ${code} (${label}) is not rural; enrolled because \`allowNonrural\` was set`,
    };
  return {
    kind: 'refused',
    reason: `locale ${code} (${label}) is not rural; set \`allowNonrural\` to enroll it anyway`,
  };
}

export const US_STATES = new Set(
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR'.split(
    ' ',
  ),
);

/** State FIPS code of each postal abbreviation (the first two digits of an NCES LEAID). */
export const STATE_FIPS: Record<string, string> = {
  AL: '01',
  AK: '02',
  AZ: '04',
  AR: '05',
  CA: '06',
  CO: '08',
  CT: '09',
  DE: '10',
  DC: '11',
  FL: '12',
  GA: '13',
  HI: '15',
  ID: '16',
  IL: '17',
  IN: '18',
  IA: '19',
  KS: '20',
  KY: '21',
  LA: '22',
  ME: '23',
  MD: '24',
  MA: '25',
  MI: '26',
  MN: '27',
  MS: '28',
  MO: '29',
  MT: '30',
  NE: '31',
  NV: '32',
  NH: '33',
  NJ: '34',
  NM: '35',
  NY: '36',
  NC: '37',
  ND: '38',
  OH: '39',
  OK: '40',
  OR: '41',
  PA: '42',
  RI: '44',
  SC: '45',
  SD: '46',
  TN: '47',
  TX: '48',
  UT: '49',
  VT: '50',
  VA: '51',
  WA: '53',
  WV: '54',
  WI: '55',
  WY: '56',
  PR: '72',
};
