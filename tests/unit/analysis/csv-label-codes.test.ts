import { describe, expect, it } from '@jest/globals';
import { lazyArray } from '../../../analysis/csv-label-codes.ts';

describe('lazyArray (level strings made when first needed)', () => {
  const make = () => {
    let fills = 0;
    const array = lazyArray<string>(3, (into) => {
      fills++;
      into.push('a', 'b', 'c');
    });
    return { array, fills: () => fills };
  };

  it('answers its length without filling, then behaves as the plain array, filled once', () => {
    const { array, fills } = make();
    expect(array.length).toBe(3);
    expect(fills()).toBe(0);
    expect(Array.isArray(array)).toBe(true);
    expect(array[1]).toBe('b');
    expect(fills()).toBe(1);
    expect(array).toEqual(['a', 'b', 'c']);
    expect([...array]).toEqual(['a', 'b', 'c']);
    expect(array.filter((x) => x !== 'b')).toEqual(['a', 'c']);
    expect(JSON.stringify(array)).toBe('["a","b","c"]');
    expect(Object.keys(array)).toEqual(['0', '1', '2']);
    expect(fills()).toBe(1);
  });

  it('fills on the first use other than length, whatever it is', () => {
    for (const use of [
      (a: string[]) => JSON.stringify(a),
      (a: string[]) => Object.keys(a).length,
      (a: string[]) => a.map((x) => x).length,
      (a: string[]) => 1 in a,
    ]) {
      const { array, fills } = make();
      use(array);
      expect(fills()).toBe(1);
      expect(array).toEqual(['a', 'b', 'c']);
    }
  });

  it('refuses a fill of the wrong length', () => {
    const array = lazyArray<string>(2, (into) => into.push('a'));
    expect(() => array[0]).toThrow(RangeError);
  });
});
