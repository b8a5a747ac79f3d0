/**
 * The group-time cells as did's compute.att_gt forms them: base periods (varying, universal,
 * anticipation) and comparison groups (never treated; not yet treated by max(t, b) + δ).
 */
import { describe, expect, test } from '@jest/globals';
import { groupTimeCells } from '../../../../analysis/event-study/cs-cells.ts';
import { preparePanel } from '../../../../analysis/event-study/cs-prepare.ts';
import { panelFromRows } from '../../../../analysis/event-study/panel.ts';
import type { CsBasePeriod, CsControl } from '../../../../analysis/event-study/cs-types.ts';
import { syntheticRows } from './synthetic-panels.ts';

const rows = syntheticRows({
  units: 160,
  periods: 6,
  cohorts: [0, 3, 4, 5],
  effect: () => 1,
  seed: 'cs-cells',
});
const size = (g: number) => new Set(rows.filter((r) => r.cohort === g).map((r) => r.id)).size;

function cells(control: CsControl, basePeriod: CsBasePeriod, anticipation = 0) {
  const out = preparePanel(panelFromRows(rows), { control, allowUnbalancedPanel: false, anticipation });
  if (!out.ok) throw new Error(out.message);
  return groupTimeCells(out.prepared, { basePeriod, anticipation, estMethod: 'dr' }).cells;
}
const cell = (list: ReturnType<typeof cells>, g: number, t: number) =>
  list.find((c) => c.group === g && c.time === t)!;

describe('base periods', () => {
  test('varying: the period before t before treatment, g − 1 from g on', () => {
    const v = cells('never', 'varying');
    expect(v.map((c) => [c.group, c.time, c.base])).toContainEqual([4, 2, 1]);
    expect(cell(v, 4, 3).base).toBe(2);
    expect(cell(v, 4, 4).base).toBe(3);
    expect(cell(v, 4, 6).base).toBe(3);
    expect(v.some((c) => c.time === 1)).toBe(false);
  });

  test('universal: g − 1 for every t, with a zero reference cell at t = g − 1', () => {
    const u = cells('never', 'universal');
    expect(u.filter((c) => c.group === 5).map((c) => c.base)).toEqual([4, 4, 4, 4, 4, 4]);
    expect(cell(u, 5, 4)).toMatchObject({ reference: true, att: 0 });
  });

  test('anticipation δ = 1 moves the base to g − 2', () => {
    const a = cells('never', 'universal', 1);
    expect(cell(a, 5, 6).base).toBe(3);
    expect(cell(a, 5, 3)).toMatchObject({ reference: true });
  });
});

describe('comparison groups', () => {
  test('never treated: the same controls in every cell', () => {
    const v = cells('never', 'varying');
    expect(new Set(v.map((c) => c.nControl))).toEqual(new Set([size(0)]));
    expect(cell(v, 3, 5).nTreated).toBe(size(3));
  });

  test('not yet treated: cohorts first treated after max(t, b) + δ, other than g', () => {
    const v = cells('notyet', 'varying');
    expect(cell(v, 3, 3).nControl).toBe(size(0) + size(4) + size(5)); // t = 3, b = 2
    expect(cell(v, 3, 4).nControl).toBe(size(0) + size(5)); // t = 4
    expect(cell(v, 3, 5).nControl).toBe(size(0)); // t = 5: cohort 5 is treated
    expect(cell(v, 5, 3).nControl).toBe(size(0) + size(4)); // pre-period of g = 5, t = 3, b = 2: not g itself
    const u = cells('notyet', 'universal');
    // universal pre-period t = 2 of g = 5 has base 4: cohorts treated by 4 are excluded
    expect(cell(u, 5, 2).nControl).toBe(size(0));
    const a = cells('notyet', 'varying', 1);
    expect(cell(a, 3, 4).nControl).toBe(size(0)); // first treated after 4 + 1 = 5: none but never treated
  });
});
