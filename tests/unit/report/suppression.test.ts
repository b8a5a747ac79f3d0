import { describe, expect, it } from '@jest/globals';
import { effectShown, showCount, showCountGroup, showPercent } from '../../../reports/suppression.ts';

describe('small-cell suppression (DESIGN §7)', () => {
  it.each([
    [0, '0', null],
    [1, '<10', 'small_count'],
    [9, '<10', 'small_count'],
    [10, '10', null],
    [1234, '1234', null],
  ])('count %i is shown as %s', (n, text, reason) => {
    expect(showCount(n)).toEqual({ text, suppressed: reason });
  });

  it('refuses counts that are not whole numbers', () => {
    expect(() => showCount(-1)).toThrow(RangeError);
    expect(() => showCount(2.5)).toThrow(RangeError);
  });

  it.each([
    [0.5, 9, '—'],
    [0.5, 10, '50.0%'],
    [0.05, 40, '≤5%'],
    [0.0501, 40, '5.0%'],
    [0.95, 40, '≥95%'],
    [0.9349, 40, '93.5%'],
    [0, 10, '≤5%'],
    [1, 10, '≥95%'],
    [null, 40, '—'],
  ])('share %p of %i students is shown as %s', (p, n, text) => {
    expect(showPercent(p, n).text).toBe(text);
  });

  it('masks a second cell when a single masked cell could be worked back from the total', () => {
    const g = showCountGroup([25, 3, 40]);
    expect(g.cells.map((c) => c.text)).toEqual(['*', '<10', '40']);
    expect(g.cells[0].suppressed).toBe('complementary');
    expect(g.total.text).toBe('68');
    // From the shown numbers, the masked cells sum to 28 but neither can be recovered.
  });

  it('needs no complementary cell when two cells are already masked, or the total is masked', () => {
    expect(showCountGroup([25, 3, 4]).cells.map((c) => c.text)).toEqual(['25', '<10', '<10']);
    const small = showCountGroup([3, 0, 4]);
    expect(small.cells.map((c) => c.text)).toEqual(['<10', '0', '<10']);
    expect(small.total.text).toBe('<10');
    expect(showCountGroup([3, 0]).total.text).toBe('<10');
  });

  it('never picks a zero cell as the complementary one', () => {
    expect(showCountGroup([0, 5, 12, 30]).cells.map((c) => c.text)).toEqual(['0', '<10', '*', '30']);
  });

  it('shows no effect for fewer than 10 students in either arm', () => {
    expect(effectShown(10, 10)).toBe(true);
    expect(effectShown(9, 200)).toBe(false);
    expect(effectShown(200, 0)).toBe(false);
  });
});
