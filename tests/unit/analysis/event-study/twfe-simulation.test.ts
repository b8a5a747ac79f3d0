import { describe, expect, it } from '@jest/globals';
import { callawaySantAnna } from '../../../../analysis/event-study/callaway-santanna.ts';
import { twfeEventStudy } from '../../../../analysis/event-study/twfe-event-study.ts';
import { syntheticPanel } from './regression-panels.ts';

/**
 * Staggered adoption with dynamic effects that differ by cohort (the early cohort's effect grows
 * fast, the late one's barely), parallel trends and no anticipation: the true event-time effect is
 * the cohort-size-weighted mean of τ(g, e) over the cohorts observed at e.
 */
const cohorts = [
  { cohort: 0, units: 400 },
  { cohort: 3, units: 300 },
  { cohort: 6, units: 300 },
  { cohort: 9, units: 300 },
];
const tau = (g: number, e: number) => (g === 3 ? 1 + 0.8 * e : g === 6 ? 0.5 + 0.2 * e : 0.1);
const periods = 12;

function truth(e: number): number {
  let num = 0;
  let den = 0;
  for (const { cohort, units } of cohorts) {
    if (cohort === 0 || cohort + e < 1 || cohort + e > periods) continue;
    num += units * (e >= 0 ? tau(cohort, e) : 0);
    den += units;
  }
  return num / den;
}

describe('simulation: staggered adoption with heterogeneous dynamic effects', () => {
  const panel = syntheticPanel({ seed: 'twfe-vs-cs', periods, cohorts, effect: tau });

  it('TWFE visibly misses the true event-time effects', () => {
    const out = twfeEventStudy(panel);
    if (!out.ok) throw new Error(out.refusal.message);
    const misses = out.result.terms.map((t) => Math.abs(t.estimate - truth(t.eventTime)) / t.stdError);
    expect(Math.max(...misses)).toBeGreaterThan(6);
    // at least a quarter of the event times lie outside their own 95% interval
    const outside = out.result.terms.filter(
      (t) => truth(t.eventTime) < t.confLow || truth(t.eventTime) > t.confHigh,
    );
    expect(outside.length).toBeGreaterThanOrEqual(Math.ceil(out.result.terms.length / 4));
  });

  it("Callaway–Sant'Anna recovers every one within its uniform band", () => {
    const out = callawaySantAnna(panel, {
      control: 'never',
      basePeriod: 'universal',
      bootstrap: { draws: 999, seed: 'sim' },
    });
    if (!out.ok) throw new Error(out.refusal.message);
    for (const t of out.result.terms) {
      const e = t.eventTime!;
      if (e === -1) continue;
      expect(truth(e)).toBeGreaterThanOrEqual(t.uniformLow!);
      expect(truth(e)).toBeLessThanOrEqual(t.uniformHigh!);
    }
  });
});
