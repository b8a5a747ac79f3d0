import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  compareDecimalToDouble,
  float4OfText,
  pgDayNumber,
  pgDayOf,
} from '../../../../cohorts/imports/binary-values.ts';
import { exactFloat32, isoOfPgDay } from '../../../helpers/copy-binary.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The double exactly halfway between float32 bits and the next float32 up. */
function midpointAbove(bits: number): number {
  u32[0] = bits;
  const a = f32[0];
  u32[0] = bits + 1;
  return (a + f32[0]) / 2;
}

describe('binary COPY values', () => {
  it('numbers days from 2000-01-01 as PostgreSQL does, for every day of 1900–2199', () => {
    const epoch = Date.UTC(2000, 0, 1);
    const wrong: string[] = [];
    for (let t = Date.UTC(1900, 0, 1); t <= Date.UTC(2199, 11, 31); t += 86_400_000) {
      const d = new Date(t);
      const n = pgDayNumber(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
      if (n !== (t - epoch) / 86_400_000) wrong.push(`${d.toISOString().slice(0, 10)} → ${n}`);
    }
    expect(wrong).toEqual([]);
    expect(pgDayOf('2000-01-01')).toBe(0);
    expect(pgDayOf('2025-09-02')).toBe(9376);
    expect(isoOfPgDay(pgDayOf('2024-02-29'))).toBe('2024-02-29');
  });

  it('the reference rounding is right on values whose float is known', () => {
    expect(exactFloat32('0.5')).toBe(0.5);
    expect(exactFloat32('1')).toBe(1);
    expect(exactFloat32('0.1')).toBe(Math.fround(0.1));
    expect(exactFloat32('0.33')).toBe(Math.fround(0.33));
    expect(exactFloat32('1e-45')).toBe(2 ** -149); // the smallest subnormal
  });

  it('compares a decimal with a double exactly', () => {
    expect(compareDecimalToDouble('0.5', 0.5)).toBe(0);
    expect(compareDecimalToDouble('0.1', 0.1)).toBe(-1); // the double 0.1 is a little above one tenth
    expect(compareDecimalToDouble('0.3', 0.3)).toBe(1); // and 0.3 a little below three tenths
    expect(compareDecimalToDouble('1e-7', 1e-7)).not.toBe(0);
  });

  it('rounds a fraction to float4 as float4in rounds its decimal text, ties included', () => {
    // Doubles exactly halfway between two floats: Math.fround breaks the tie to even, while the text
    // (String(x)) lies a little to one side; PostgreSQL follows the text.
    let disagreements = 0;
    for (let bits = 0x3e000000; bits < 0x3f800000; bits += 0x1357) {
      const mid = midpointAbove(bits);
      const want = exactFloat32(String(mid));
      expect(float4OfText(mid)).toBe(want);
      if (Math.fround(mid) !== want) disagreements++;
    }
    expect(disagreements).toBeGreaterThan(100); // the case the correction exists for does occur
  });

  it('agrees with exact decimal rounding on short and long fractions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 1, max: 17 }), (n, digits) => {
        const text = `0.${String(n).padStart(9, '0')}`.slice(0, 2 + digits);
        const x = Number(text);
        expect(float4OfText(x)).toBe(exactFloat32(String(x)));
      }),
      { numRuns: 5000 },
    );
  });
});
