/**
 * Simulation: a staggered panel with known dynamic, cohort-heterogeneous effects. Callaway–
 * Sant'Anna's dynamic aggregation recovers the true event-time effects within its uniform bands;
 * the classic TWFE event study (unit and month fixed effects, one dummy per relative month,
 * reference −1, never-treated units at zero; here by the within transformation, exact on a
 * balanced panel) visibly does not, because each of its coefficients mixes cohorts with other
 * cohorts' effects (Sun & Abraham 2021).
 */
import { describe, expect, test } from '@jest/globals';
import { callawaySantAnna } from '../../../../analysis/event-study/callaway-santanna.ts';
import { panelFromRows, type PanelRow } from '../../../../analysis/event-study/panel.ts';
import { fitLeastSquares } from '../../../../analysis/least-squares.ts';
import { syntheticRows } from './synthetic-panels.ts';

const PERIODS = 8;
const COHORTS = [0, 3, 5, 7];
const scale: Record<number, number> = { 3: 3, 5: 0.5, 7: -3 };
const tau = (g: number, e: number) => scale[g] * (1 + e);

/** True dynamic effect: cohort-size weighted average of τ(g, e) over cohorts observed at e. */
function truth(rows: PanelRow[], e: number): number {
  const sizes = new Map<number, number>();
  for (const r of rows) if (r.time === 1) sizes.set(r.cohort, (sizes.get(r.cohort) ?? 0) + 1);
  let num = 0;
  let den = 0;
  for (const g of COHORTS.filter((c) => c > 0 && c + e <= PERIODS && c + e >= 1)) {
    num += sizes.get(g)! * (e >= 0 ? tau(g, e) : 0);
    den += sizes.get(g)!;
  }
  return num / den;
}

/** TWFE event study by two-way demeaning (balanced panel): coefficients by relative month. */
function twfeEventStudy(rows: PanelRow[]): Map<number, number> {
  const ids = [...new Set(rows.map((r) => r.id))];
  const unitOf = new Map(ids.map((id, k) => [id, k]));
  const rels = [...new Set(rows.filter((r) => r.cohort > 0).map((r) => r.time - r.cohort))]
    .filter((e) => e !== -1)
    .sort((a, b) => a - b);
  const demean = (v: Float64Array) => {
    const unitMean = new Float64Array(ids.length);
    const timeMean = new Float64Array(PERIODS + 1);
    let all = 0;
    rows.forEach((r, o) => {
      unitMean[unitOf.get(r.id)!] += v[o] / PERIODS;
      timeMean[r.time] += v[o] / ids.length;
      all += v[o] / rows.length;
    });
    return v.map((x, o) => x - unitMean[unitOf.get(rows[o].id)!] - timeMean[rows[o].time] + all);
  };
  const y = demean(Float64Array.from(rows, (r) => r.y));
  const columns = rels.map((e) =>
    demean(Float64Array.from(rows, (r) => (r.cohort > 0 && r.time - r.cohort === e ? 1 : 0))),
  );
  const out = fitLeastSquares(y, columns);
  if (!out.ok) throw new Error('collinear TWFE design');
  return new Map(rels.map((e, k) => [e, out.fit.beta[k]]));
}

describe('simulation: staggered adoption with dynamic heterogeneous effects', () => {
  const rows = syntheticRows({
    units: 1200,
    periods: PERIODS,
    cohorts: COHORTS,
    effect: tau,
    seed: 'cs-simulation',
    noise: 1,
  });
  const out = callawaySantAnna(panelFromRows(rows), {
    control: 'notyet',
    bootstrap: { draws: 999, seed: 'cs-simulation-bands' },
  });
  if (!out.ok) throw new Error(out.refusal.message);
  const cs = out.result;

  test("Callaway–Sant'Anna recovers every event-time effect within its uniform band", () => {
    expect(cs.terms.length).toBe(11); // e = −5 … 5 (varying base period: cohort 7 from month 2, cohort 3 to month 8)
    for (const t of cs.terms) {
      const e = t.eventTime!;
      expect({ e, covered: t.uniformLow! <= truth(rows, e) && truth(rows, e) <= t.uniformHigh! }).toEqual({
        e,
        covered: true,
      });
    }
  });

  test('TWFE misses the truth by many standard errors', () => {
    const twfe = twfeEventStudy(rows);
    const misses = cs.terms
      .filter((t) => t.eventTime! >= 0)
      .map((t) => Math.abs(twfe.get(t.eventTime!)! - truth(rows, t.eventTime!)) / t.stdError!);
    expect(Math.max(...misses)).toBeGreaterThan(10);
    expect(misses.filter((m) => m > 4).length).toBeGreaterThanOrEqual(2);
  });
});
