import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  classifyLocale,
  millionths,
  parseArms,
  parseBlockBy,
  parseSeed,
  seedCommitment,
} from '../../../cohorts/study-definition.ts';

describe('parseArms', () => {
  it('reads arms in declared order with exact decimal probabilities', () => {
    expect(parseArms('control:0.5,treatment:0.5')).toEqual({
      ok: true,
      value: [
        { name: 'control', probability: '0.5' },
        { name: 'treatment', probability: '0.5' },
      ],
    });
    expect(parseArms('a:0.333333, b:0.333333, c:0.333334').ok).toBe(true);
  });

  it.each([
    ['control:0.5', /at least two arms/],
    ['a:0.5,b:0.4', /sum to 0.9, not 1/],
    ['a:0.3333333,b:0.6666667', /at most 6 places/],
    ['a:1,b:0', /probability 0/],
    ['a:0.5,a:0.5', /listed twice/],
    ['Control:0.5,b:0.5', /lower-case/],
    ['a=0.5,b=0.5', /not name:probability/],
    ['a:50%,b:50%', /decimal in \[0, 1\]/],
  ])('refuses %s', (text, reason) => {
    const r = parseArms(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('sums probabilities exactly in millionths (0.1 + 0.2 + 0.7 is 1, unlike in floating point)', () => {
    expect(millionths('0.1') + millionths('0.2') + millionths('0.7')).toBe(1_000_000);
    expect(parseArms('a:0.1,b:0.2,c:0.7').ok).toBe(true);
  });
});

describe('parseBlockBy, parseSeed, seedCommitment', () => {
  it('accepts the protocol block variables and refuses others', () => {
    expect(parseBlockBy('district, grade_band')).toEqual({ ok: true, value: ['district', 'grade_band'] });
    expect(parseBlockBy(undefined)).toEqual({ ok: true, value: [] });
    expect(parseBlockBy('district,zip').ok).toBe(false);
    expect(parseBlockBy('district,district').ok).toBe(false);
  });

  it('takes 128 bits or more of hex as the seed and commits to its SHA-256', () => {
    expect(parseSeed('00112233445566778899AABBCCDDEEFF')).toEqual({
      ok: true,
      value: '00112233445566778899aabbccddeeff',
    });
    expect(parseSeed('1234').ok).toBe(false);
    expect(parseSeed('zz112233445566778899aabbccddeeff').ok).toBe(false);
    const seed = '00112233445566778899aabbccddeeff';
    expect(seedCommitment(seed)).toBe(createHash('sha256').update(seed).digest('hex'));
  });
});

describe('classifyLocale (NCES locale codes)', () => {
  it.each([41, 42, 43])('rural %i is accepted', (code) =>
    expect(classifyLocale(code, false)).toEqual({ kind: 'rural' }),
  );
  it.each([31, 32, 33])('town %i is accepted with a warning', (code) => {
    const c = classifyLocale(code, false);
    expect(c.kind).toBe('town');
  });
  it('city and suburb are refused unless allowed', () => {
    expect(classifyLocale(11, false).kind).toBe('refused');
    expect(classifyLocale(22, true).kind).toBe('town');
    expect(classifyLocale(44, true)).toEqual({
      kind: 'refused',
      reason: expect.stringMatching(/not an NCES locale/),
    });
  });
});
