import { describe, expect, it } from '@jest/globals';
import { sunAbraham } from '../../../../analysis/event-study/sun-abraham.ts';
import { twfeEventStudy } from '../../../../analysis/event-study/twfe-event-study.ts';
import { closeTo, DEV_SPEC, loadEventStudyGolden, readPanel } from './event-study-fixtures.ts';
import { cohortMean, denseTwoWayFit, syntheticPanel, unitsInCohort } from './regression-panels.ts';

const dynamic = (g: number, e: number) => (e + 1) * (g === 3 ? 1.5 : g === 5 ? 0.8 : 0.3);

describe('sunAbraham', () => {
  it("equals Callaway–Sant'Anna dynamic aggregation (never-treated, universal base) on a balanced panel", () => {
    const panel = syntheticPanel({
      seed: 'sa-identity',
      periods: 8,
      cohorts: [
        { cohort: 0, units: 30 },
        { cohort: 3, units: 20 },
        { cohort: 5, units: 25 },
        { cohort: 7, units: 15 },
      ],
      effect: dynamic,
    });
    const out = sunAbraham(panel);
    if (!out.ok) throw new Error(out.refusal.message);
    expect(out.result.control).toBe('never');
    const cohorts = [3, 5, 7];
    for (const term of out.result.terms) {
      // ATT(g, g+e) = DiD of cohort g vs never-treated between g−1 and g+e; weights n_g
      let num = 0;
      let den = 0;
      for (const g of cohorts) {
        const t = g + term.eventTime;
        if (t < 1 || t > 8) continue;
        const att =
          cohortMean(panel, g, t) -
          cohortMean(panel, g, g - 1) -
          (cohortMean(panel, 0, t) - cohortMean(panel, 0, g - 1));
        num += unitsInCohort(panel, g) * att;
        den += unitsInCohort(panel, g);
      }
      expect(Math.abs(term.estimate - num / den)).toBeLessThan(1e-10);
    }
    expect(out.result.terms.map((t) => t.eventTime)).toEqual([-6, -5, -4, -3, -2, 0, 1, 2, 3, 4, 5]);
  });

  it('with a single cohort equals the TWFE event study, estimates and standard errors', () => {
    const panel = syntheticPanel({
      seed: 'sa-single',
      periods: 6,
      cohorts: [
        { cohort: 0, units: 25 },
        { cohort: 4, units: 25 },
      ],
      effect: (_g, e) => 1 + e,
      missing: 0.1,
    });
    const sa = sunAbraham(panel);
    const tw = twfeEventStudy(panel);
    if (!sa.ok || !tw.ok) throw new Error('refused');
    expect(sa.result.terms.map((t) => t.eventTime)).toEqual(tw.result.terms.map((t) => t.eventTime));
    sa.result.terms.forEach((t, k) => {
      expect(Math.abs(t.estimate - tw.result.terms[k].estimate)).toBeLessThan(1e-10);
      expect(Math.abs(t.stdError - tw.result.terms[k].stdError)).toBeLessThan(1e-10);
    });
  });

  it('matches a brute-force dense regression with every dummy on an unbalanced panel', () => {
    const panel = syntheticPanel({
      seed: 'sa-dense',
      periods: 6,
      cohorts: [
        { cohort: 0, units: 12 },
        { cohort: 3, units: 10 },
        { cohort: 5, units: 9 },
      ],
      effect: dynamic,
      missing: 0.12,
    });
    const out = sunAbraham(panel);
    if (!out.ok) throw new Error(out.refusal.message);
    // cells (g, e), e ≠ −1, in cohort then event-time order
    const cells: { g: number; e: number; rows: number }[] = [];
    for (const g of [3, 5])
      for (let t = 1; t <= 6; t++) if (t - g !== -1) cells.push({ g, e: t - g, rows: 0 });
    const indicators = cells.map((c) =>
      Float64Array.from(panel.unit, (u, o) => {
        const hit = panel.cohort[u] === c.g && panel.times[panel.period[o]] - c.g === c.e;
        if (hit) c.rows++;
        return hit ? 1 : 0;
      }),
    );
    const k = cells.length + panel.times.length; // β + (periods − 1) + 1; unit effects nested in the clusters
    const dense = denseTwoWayFit(panel, indicators, k);
    for (const term of out.result.terms) {
      const idx = cells.flatMap((c, j) => (c.e === term.eventTime ? [j] : []));
      const total = idx.reduce((s, j) => s + cells[j].rows, 0);
      const w = idx.map((j) => cells[j].rows / total);
      const theta = idx.reduce((s, j, a) => s + w[a] * dense.beta[j], 0);
      let variance = 0;
      idx.forEach((a, x) =>
        idx.forEach((b, y) => (variance += w[x] * w[y] * dense.vcov[a * cells.length + b])),
      );
      expect(Math.abs(term.estimate - theta)).toBeLessThan(1e-9 * (1 + Math.abs(theta)));
      expect(Math.abs(term.stdError - Math.sqrt(variance)) / Math.sqrt(variance)).toBeLessThan(1e-8);
      expect(term.df).toBe(dense.clusters - 1);
    }
  });

  it('without never-treated units uses the last-treated cohort and drops its treated periods', () => {
    const panel = syntheticPanel({
      seed: 'sa-last',
      periods: 10,
      cohorts: [
        { cohort: 4, units: 20 },
        { cohort: 6, units: 20 },
        { cohort: 9, units: 20 },
      ],
      effect: dynamic,
    });
    const out = sunAbraham(panel);
    if (!out.ok) throw new Error(out.refusal.message);
    expect(out.result.control).toBe('last');
    expect(out.result.nObs).toBe(60 * 8);
    expect(out.result.warnings.map((w) => w.code)).toContain('no-never-treated');
    // cohort 4 vs cohort 9 between 3 and 4 + e is the only comparison at e = 4 (t = 8 < 9)
    const e4 = out.result.terms.find((t) => t.eventTime === 4)!;
    const did =
      cohortMean(panel, 4, 8) - cohortMean(panel, 4, 3) - (cohortMean(panel, 9, 8) - cohortMean(panel, 9, 3));
    expect(Math.abs(e4.estimate - did)).toBeLessThan(1e-10);
  });

  it('refuses CR2 and a panel whose units are all treated at once', () => {
    const panel = syntheticPanel({ seed: 'sa-refuse', periods: 5, cohorts: [{ cohort: 3, units: 10 }] });
    const cr2 = sunAbraham(panel, { seType: 'CR2' });
    expect(cr2.ok || cr2.refusal.code).toBe('unsupported-se-type');
    const one = sunAbraham(panel);
    expect(one.ok || one.refusal.code).toBe('no-control-units');
  });
});

describe('sunAbraham against did 2.5.1 (METHODS.md §5 E7 identity)', () => {
  it("dev01 (balanced, never-treated): θ_e equals aggte(type = 'dynamic') of att_gt(never-treated, universal base) to 1e-8", () => {
    const golden = loadEventStudyGolden();
    const expected = golden.cases.filter((c) =>
      c.case_id.startsWith('dev01_dynamic.cs_never_universal.dynamic.e'),
    );
    expect(expected.length).toBeGreaterThan(10);
    const out = sunAbraham(readPanel('event-study/data/dev01_dynamic.csv', DEV_SPEC));
    if (!out.ok) throw new Error(out.refusal.message);
    const byE = new Map(out.result.terms.map((t) => [t.eventTime, t.estimate]));
    for (const c of expected) {
      if (c.event_time === -1) {
        expect(byE.has(-1)).toBe(false); // the reference period: did reports 0
        expect(c.estimate).toBe(0);
        continue;
      }
      const actual = byE.get(c.event_time!);
      if (actual === undefined || !closeTo(actual, c.estimate))
        throw new Error(`${c.case_id}: ${actual} vs ${c.estimate}`);
    }
  });
});

describe('sunAbraham with a window', () => {
  it('bins each cohort’s event times into [LO, HI]', () => {
    const panel = syntheticPanel({
      seed: 'sa-window',
      periods: 10,
      cohorts: [
        { cohort: 0, units: 15 },
        { cohort: 4, units: 12 },
        { cohort: 7, units: 12 },
      ],
      effect: dynamic,
    });
    const out = sunAbraham(panel, { window: [-3, 2] });
    if (!out.ok) throw new Error(out.refusal.message);
    expect(out.result.terms.map((t) => t.eventTime)).toEqual([-3, -2, 0, 1, 2]);
    const full = sunAbraham(panel);
    if (!full.ok) throw new Error(full.refusal.message);
    // a cell inside the window (e = 0) keeps its units; the endpoints collect the binned ones
    expect(out.result.terms.find((t) => t.eventTime === 0)!.n).toBe(
      full.result.terms.find((t) => t.eventTime === 0)!.n,
    );
  });
});
