import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import {
  connectedComponents,
  demeanByFactors,
  makeDemeaner,
  observedLevels,
  redundantFixedEffectLevels,
  type DemeanFactor,
} from '../../../analysis/alternating-projections.ts';
import { thinQr } from '../../../analysis/householder-qr.ts';

/** Dummy columns of every factor, scaled by √w, with collinear columns removed (full column rank). */
function denseBasis(factors: DemeanFactor[], sqrtW: Float64Array): Float64Array[] {
  const n = sqrtW.length;
  let columns: Float64Array[] = [];
  for (const factor of factors) {
    for (let level = 0; level < factor.levels; level++) {
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) if (factor.codes[i] === level) d[i] = sqrtW[i];
      columns.push(d);
    }
  }
  for (;;) {
    const qr = thinQr(columns, 1e-9);
    if (qr.ok) return qr.qr.q;
    const drop = new Set(qr.collinear);
    columns = columns.filter((_, j) => !drop.has(j));
  }
}

/** Residual of the weighted least-squares projection of x on all dummies, computed densely. */
function denseResidual(x: Float64Array, factors: DemeanFactor[], weights?: Float64Array): Float64Array {
  const n = x.length;
  const sqrtW = Float64Array.from({ length: n }, (_, i) => Math.sqrt(weights ? weights[i] : 1));
  const q = denseBasis(factors, sqrtW);
  const xt = Float64Array.from(x, (v, i) => v * sqrtW[i]);
  for (const qj of q) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += qj[i] * xt[i];
    for (let i = 0; i < n; i++) xt[i] -= dot * qj[i];
  }
  return Float64Array.from(xt, (v, i) => v / sqrtW[i]);
}

function randomFactor(rng: () => number, n: number, levels: number): DemeanFactor {
  const codes = Int32Array.from({ length: n }, () => Math.floor(rng() * levels));
  return { codes, levels };
}

/** An unbalanced unit × period panel: each unit observed in a random subset of periods. */
function unbalancedPanel(
  rng: () => number,
  units: number,
  periods: number,
): { unit: DemeanFactor; period: DemeanFactor } {
  const u: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < units; i++) {
    for (let p = 0; p < periods; p++) {
      if (rng() < 0.6) {
        u.push(i);
        t.push(p);
      }
    }
  }
  return {
    unit: { codes: Int32Array.from(u), levels: units },
    period: { codes: Int32Array.from(t), levels: periods },
  };
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('demeanByFactors', () => {
  it('with one factor subtracts the level means in one sweep', () => {
    const out = demeanByFactors(
      [Float64Array.of(1, 3, 10, 4)],
      [{ codes: Int32Array.of(0, 0, 1, 1), levels: 2 }],
    );
    expect(Array.from(out.columns[0])).toEqual([-1, 1, 3, -3]);
    expect(out.iterations).toBe(1);
    expect(out.converged).toBe(true);
  });

  it('matches the dense projection on an unbalanced two-way panel', () => {
    const rng = seedrandom('ap-two-way');
    const { unit, period } = unbalancedPanel(rng, 40, 9);
    const n = unit.codes.length;
    const x = Float64Array.from(
      { length: n },
      (_, i) => rng() * 10 + unit.codes[i] * 0.3 + period.codes[i] * period.codes[i],
    );
    const y = Float64Array.from({ length: n }, () => rng() - 0.5);
    const out = demeanByFactors([x, y], [unit, period]);
    expect(out.converged).toBe(true);
    expect(maxDiff(out.columns[0], denseResidual(x, [unit, period]))).toBeLessThan(1e-10);
    expect(maxDiff(out.columns[1], denseResidual(y, [unit, period]))).toBeLessThan(1e-10);
    expect(x[0]).not.toBe(out.columns[0][0]); // returns copies, input untouched
  });

  it('matches the dense projection by alternating projections too, and weighted, on two factors', () => {
    const rng = seedrandom('ap-two-way-alternating');
    const { unit, period } = unbalancedPanel(rng, 35, 7);
    const n = unit.codes.length;
    const x = Float64Array.from({ length: n }, () => rng() * 10);
    const weights = Float64Array.from({ length: n }, () => 0.1 + rng() * 2);
    const alternating = demeanByFactors([x], [unit, period], { algorithm: 'alternating' });
    expect(alternating.converged).toBe(true);
    expect(alternating.iterations).toBeGreaterThan(1);
    expect(maxDiff(alternating.columns[0], denseResidual(x, [unit, period]))).toBeLessThan(1e-10);
    const exact = demeanByFactors([x], [period, unit], { weights });
    expect(exact.iterations).toBe(1);
    expect(maxDiff(exact.columns[0], denseResidual(x, [unit, period], weights))).toBeLessThan(1e-10);
  });

  it('is exact on a disconnected two-way panel (two components: two redundant levels)', () => {
    const u = Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3, 3);
    const t = Int32Array.of(0, 1, 0, 1, 2, 3, 2, 3, 2);
    const a = { codes: u, levels: 4 };
    const b = { codes: t, levels: 4 };
    const x = Float64Array.of(1, 4, 2, 8, 5, 7, 1, 3, 2);
    expect(redundantFixedEffectLevels([a, b])).toBe(2);
    expect(maxDiff(demeanByFactors([x], [a, b]).columns[0], denseResidual(x, [a, b]))).toBeLessThan(1e-12);
  });

  it('matches the dense weighted projection with three factors', () => {
    const rng = seedrandom('ap-three-way');
    const n = 300;
    const factors = [randomFactor(rng, n, 25), randomFactor(rng, n, 7), randomFactor(rng, n, 4)];
    const weights = Float64Array.from({ length: n }, () => 0.2 + rng() * 3);
    const x = Float64Array.from({ length: n }, () => rng() * 100);
    const out = demeanByFactors([x], factors, { weights });
    expect(out.converged).toBe(true);
    expect(maxDiff(out.columns[0], denseResidual(x, factors, weights))).toBeLessThan(1e-9);
  });

  it('is exact after two sweeps on a balanced panel', () => {
    const units = 5;
    const periods = 4;
    const unit = {
      codes: Int32Array.from({ length: units * periods }, (_, i) => Math.floor(i / periods)),
      levels: units,
    };
    const period = {
      codes: Int32Array.from({ length: units * periods }, (_, i) => i % periods),
      levels: periods,
    };
    const x = Float64Array.from({ length: units * periods }, (_, i) => (i * 7919) % 13);
    const out = demeanByFactors([x], [unit, period]);
    expect(maxDiff(out.columns[0], denseResidual(x, [unit, period]))).toBeLessThan(1e-12);
    expect(out.iterations).toBeLessThanOrEqual(3);
  });

  it('converges on a badly connected chain of levels (slow plain projections)', () => {
    // Workers 0…L−1 each linked to firms i and i+1 only: plain alternating projections converge
    // at a rate close to 1; the extrapolation must still reach the exact residual.
    const levels = 60;
    const u: number[] = [];
    const f: number[] = [];
    for (let i = 0; i < levels; i++) {
      u.push(i, i);
      f.push(i, Math.min(i + 1, levels - 1));
    }
    const a = { codes: Int32Array.from(u), levels };
    const b = { codes: Int32Array.from(f), levels };
    const x = Float64Array.from(u, (v, i) => Math.sin(v + i));
    const out = demeanByFactors([x], [a, b]);
    expect(out.converged).toBe(true);
    expect(maxDiff(out.columns[0], denseResidual(x, [a, b]))).toBeLessThan(1e-9);
  });

  it('reports non-convergence when the iteration budget is too small', () => {
    const rng = seedrandom('ap-budget');
    const { unit, period } = unbalancedPanel(rng, 30, 8);
    const x = Float64Array.from({ length: unit.codes.length }, () => rng());
    const out = demeanByFactors([x], [unit, period], { maxIterations: 2, algorithm: 'alternating' });
    expect(out.converged).toBe(false);
  });

  it('refuses inputs of different lengths and codes out of range', () => {
    const f = { codes: Int32Array.of(0, 1), levels: 2 };
    expect(() => demeanByFactors([Float64Array.of(1, 2, 3)], [f])).toThrow(RangeError);
    expect(() =>
      demeanByFactors([Float64Array.of(1, 2)], [{ codes: Int32Array.of(0, 2), levels: 2 }]),
    ).toThrow(/outside/);
    expect(() => demeanByFactors([Float64Array.of(1, 2)], [f], { weights: Float64Array.of(1, -1) })).toThrow(
      /weight/,
    );
  });
});

describe('redundantFixedEffectLevels', () => {
  it('equals Σ levels − rank of the dummies for two factors', () => {
    const rng = seedrandom('ap-components');
    for (let trial = 0; trial < 5; trial++) {
      const n = 40;
      const factors = [randomFactor(rng, n, 30), randomFactor(rng, n, 12)];
      const rank = denseBasis(factors, new Float64Array(n).fill(1)).length;
      const observed = observedLevels(factors[0]) + observedLevels(factors[1]);
      expect(redundantFixedEffectLevels(factors)).toBe(observed - rank);
    }
  });

  it('counts components and treats one factor as having none redundant', () => {
    const a = { codes: Int32Array.of(0, 1, 2, 2), levels: 4 };
    const b = { codes: Int32Array.of(0, 1, 1, 0), levels: 3 };
    expect(connectedComponents(a, b)).toBe(1);
    expect(
      connectedComponents(
        { codes: Int32Array.of(0, 1), levels: 2 },
        { codes: Int32Array.of(0, 1), levels: 2 },
      ),
    ).toBe(2);
    expect(redundantFixedEffectLevels([a])).toBe(0);
    expect(redundantFixedEffectLevels([a, b, b])).toBe(2);
  });
});

describe('makeDemeaner', () => {
  it('demeans column after column like demeanByFactors, on both paths', () => {
    const rng = seedrandom('ap-demeaner');
    const { unit, period } = unbalancedPanel(rng, 20, 6);
    const columns = [0, 1, 2].map(() => Float64Array.from({ length: unit.codes.length }, () => rng()));
    for (const algorithm of ['auto', 'alternating'] as const) {
      const demean = makeDemeaner([unit, period], { algorithm });
      const batch = demeanByFactors(columns, [unit, period], { algorithm });
      columns.forEach((column, j) => expect(maxDiff(demean(column).values, batch.columns[j])).toBe(0));
    }
  });
});
