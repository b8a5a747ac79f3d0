import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { parsePlan } from '../../../analysis/analysis-plan.ts';
import { diagnose, simulateStudy } from '../../../analysis/design-diagnosis.ts';

const parsed = parsePlan({ window: { start: '2025-10-01', end: '2026-04-30' } });
if (!parsed.ok) throw new Error(parsed.problems.join('; '));
const plan = parsed.plan;

describe('design diagnosis by simulation', () => {
  it('simulates household-randomized, blocked studies with the constant effect on treated students', () => {
    const design = { districts: 4, students: 400, effect: -1, sims: 1 };
    const a = simulateStudy(design, seedrandom.alea('s'));
    const b = simulateStudy(design, seedrandom.alea('s'));
    expect(a).toEqual(b);
    expect(a.length).toBe(400);
    const arms = new Map<string, Set<string>>();
    for (const s of a) arms.set(s.unitKey, (arms.get(s.unitKey) ?? new Set()).add(s.arm));
    expect([...arms.values()].every((set) => set.size === 1)).toBe(true); // a household shares its arm
    const treated = a.filter((s) => s.arm === 'treatment').length;
    expect(treated / a.length).toBeGreaterThan(0.4);
    expect(treated / a.length).toBeLessThan(0.6);
  });

  it('coverage: over 200 simulated studies the 95 % CI of the primary ITT covers the truth 92–98 % of the time, bias within 2 simulation SE', () => {
    const effect = -0.8;
    const d = diagnose(
      plan,
      { districts: 4, students: 300, effect, sims: 200 },
      seedrandom.alea('coverage-1'),
    );
    expect(d.estimated).toBe(200);
    expect(d.coverage.value).toBeGreaterThanOrEqual(0.92);
    expect(d.coverage.value).toBeLessThanOrEqual(0.98);
    expect(Math.abs(d.bias.value)).toBeLessThanOrEqual(2 * d.bias.se);
    expect(d.rmse.value).toBeGreaterThan(0);
    // the mean reported standard error is close to the spread of the estimates (RMSE ≈ SD here)
    expect(d.meanStdError / d.rmse.value).toBeGreaterThan(0.8);
    expect(d.meanStdError / d.rmse.value).toBeLessThan(1.25);
  }, 300_000);

  it('power grows with the effect', () => {
    const small = diagnose(plan, { districts: 3, students: 200, effect: 0, sims: 40 }, seedrandom.alea('p0'));
    const large = diagnose(
      plan,
      { districts: 3, students: 200, effect: -8, sims: 40 },
      seedrandom.alea('p1'),
    );
    expect(small.power.value).toBeLessThan(0.2);
    expect(large.power.value).toBeGreaterThan(0.8);
  }, 120_000);
});
