import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { goodmanBacon } from '../../../../analysis/event-study/goodman-bacon.ts';
import { subsetPanel } from '../../../../analysis/event-study/panel-subset.ts';
import { staticTwfe } from '../../../../analysis/event-study/static-twfe.ts';
import type { Panel } from '../../../../analysis/event-study/panel.ts';
import { fixtureUrl, readPanel } from './event-study-fixtures.ts';
import { syntheticPanel } from './regression-panels.ts';

const golden = JSON.parse(readFileSync(fixtureUrl('public-data/bacon-castle.json'), 'utf8')) as {
  twfe: { estimate: number };
  published: { by_type: { type: string; weight: number; estimate: number }[]; overall: number };
};
const castle = readPanel('public-data/castle.csv', {
  id: 'state',
  time: 'year',
  cohort: 'effyear',
  outcome: 'l_homicide',
});

/** The 2×2 comparison estimated by brute force: static TWFE on the two cohorts and the window. */
function twoByTwo(panel: Panel, treated: number, control: number, from: number, to: number): number {
  const sub = subsetPanel(panel, (o) => {
    const g = panel.cohort[panel.unit[o]];
    const t = panel.times[panel.period[o]];
    return (g === treated || g === control) && t >= from && t < to;
  });
  // the control cohort, when already treated throughout the window, is a control: its D is absorbed
  for (let u = 0; u < sub.cohort.length; u++) if (sub.cohort[u] === control) sub.cohort[u] = 0;
  return staticTwfe(sub)!.estimate;
}

describe('goodmanBacon on castle (METHODS.md §6 case 8)', () => {
  const out = goodmanBacon(castle);
  if (!out.ok) throw new Error(out.refusal.message);
  const r = out.result;

  it('reproduces the published weights and estimates by comparison type', () => {
    for (const expected of golden.published.by_type) {
      const got = r.byType.find((t) => t.type === expected.type)!;
      expect(Math.abs(got.weight - expected.weight)).toBeLessThanOrEqual(5e-6);
      expect(Math.abs(got.estimate - expected.estimate)).toBeLessThanOrEqual(5e-6);
    }
    expect(r.byType.map((t) => t.type).sort()).toEqual(golden.published.by_type.map((t) => t.type).sort());
  });

  it('adds up to the two-way fixed-effects coefficient of lm to 1e-8', () => {
    expect(Math.abs(r.comparisons.reduce((s, c) => s + c.weight, 0) - 1)).toBeLessThan(1e-12);
    expect(Math.abs(r.estimate - golden.twfe.estimate)).toBeLessThan(1e-8 * golden.twfe.estimate);
    expect(Math.abs(staticTwfe(castle)!.estimate - golden.twfe.estimate)).toBeLessThan(
      1e-8 * golden.twfe.estimate,
    );
    expect(Math.abs(r.estimate - golden.published.overall)).toBeLessThan(5e-5);
  });

  it('every 2×2 estimate equals a brute-force TWFE regression on its two cohorts and window', () => {
    const first = castle.times[0];
    const end = castle.times[castle.times.length - 1] + 1;
    for (const c of r.comparisons) {
      let expected: number;
      if (c.type === 'Treated vs Untreated') expected = twoByTwo(castle, c.treated, 0, first, end);
      else if (c.type === 'Earlier vs Later Treated')
        expected = twoByTwo(castle, c.treated, c.control, first, c.control);
      else expected = twoByTwo(castle, c.treated, c.control, c.control, end);
      expect(Math.abs(c.estimate - expected)).toBeLessThan(1e-10);
    }
    expect(r.comparisons.length).toBe(5 + 2 * 10);
  });
});

describe('goodmanBacon on synthetic panels', () => {
  it('adds up to the static TWFE estimate with an always-treated group and no never-treated units', () => {
    const panel = syntheticPanel({
      seed: 'bacon-always',
      periods: 8,
      cohorts: [
        { cohort: 1, units: 7 },
        { cohort: 4, units: 10 },
        { cohort: 6, units: 12 },
      ],
      effect: (g, e) => 1 + 0.5 * e,
    });
    const out = goodmanBacon(panel);
    if (!out.ok) throw new Error(out.refusal.message);
    expect(out.result.byType.map((t) => t.type)).toContain('Later vs Always Treated');
    expect(Math.abs(out.result.estimate - staticTwfe(panel)!.estimate)).toBeLessThan(1e-10);
  });

  it('refuses an unbalanced panel', () => {
    const panel = syntheticPanel({
      seed: 'bacon-unbalanced',
      periods: 6,
      missing: 0.1,
      cohorts: [
        { cohort: 0, units: 10 },
        { cohort: 3, units: 10 },
      ],
    });
    const out = goodmanBacon(panel);
    expect(out.ok || out.refusal.code).toBe('unbalanced-panel');
  });
});
