/**
 * The multiplier bootstrap cannot match did draw for draw (R's generator), so its properties are
 * tested: R's type-1 quantiles, the subset-sum table equals the plain sum Σ v_i ψ_i for the same
 * multipliers, reproducibility by seed, clustering, bootstrap SEs close to the analytic ones with
 * many draws, and uniform bands wider than the pointwise intervals.
 */
import { describe, expect, test } from '@jest/globals';
import seedrandom from 'seedrandom';
import {
  callawaySantAnna,
  type CsOptions,
  type CsResult,
} from '../../../../analysis/event-study/callaway-santanna.ts';
import {
  multiplierBootstrap,
  quantileType1,
  uniformCriticalValue,
  type BitSource,
} from '../../../../analysis/event-study/multiplier-bootstrap.ts';
import { panelFromRows } from '../../../../analysis/event-study/panel.ts';
import { syntheticRows } from './synthetic-panels.ts';

/** A deterministic bit source that also records the words it handed out. */
function recordingSource(seed: string): BitSource & { words: number[] } {
  const rng = seedrandom(seed);
  const words: number[] = [];
  return {
    words,
    int32() {
      const w = rng.int32();
      words.push(w);
      return w;
    },
  };
}

/** The multipliers the bootstrap used: block of 8 rows, one byte per draw and block, bit j = row start + j. */
function multipliersFrom(words: number[], rows: number, draws: number): Int8Array {
  const v = new Int8Array(rows * draws);
  const perBlock = Math.ceil(draws / 4);
  for (let block = 0; block * 8 < rows; block++) {
    for (let b = 0; b < draws; b++) {
      const byte = (words[block * perBlock + (b >> 2)] >>> (8 * (b & 3))) & 255;
      for (let j = 0; j < 8 && block * 8 + j < rows; j++)
        v[(block * 8 + j) * draws + b] = byte & (1 << j) ? 1 : -1;
    }
  }
  return v;
}

describe('multiplier bootstrap mechanics', () => {
  test("quantileType1 is R's quantile(type = 1)", () => {
    const x = Float64Array.from({ length: 10 }, (_, i) => i + 1);
    // R: quantile(1:10, c(.25, .5, .75, .95, 1), type = 1) → 3 5 8 10 10
    expect([0.25, 0.5, 0.75, 0.95, 1].map((p) => quantileType1(x, p))).toEqual([3, 5, 8, 10, 10]);
    // R: quantile(c(0.1, 0.2, 0.3), 2/3, type = 1) → 0.2 (n p = 2 exactly)
    expect(quantileType1(Float64Array.from([0.1, 0.2, 0.3]), 2 / 3)).toBe(0.2);
  });

  test('the subset-sum table gives exactly n^{-1/2} Σ v_i ψ_i with the drawn multipliers', () => {
    const rng = seedrandom('psi');
    const n = 37; // not a multiple of 8: the last block is partial
    const draws = 9;
    const columns = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => rng() - 0.5));
    const source = recordingSource('bits');
    const boot = multiplierBootstrap(columns, null, draws, source);
    const v = multipliersFrom(source.words, n, draws);
    for (let b = 0; b < draws; b++) {
      columns.forEach((psi, k) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += v[i * draws + b] * psi[i];
        expect(boot.draws[b * 3 + k]).toBeCloseTo(s / Math.sqrt(n), 12);
      });
    }
  });

  test('one cluster per unit is the unclustered bootstrap; clusters sum ψ within cluster', () => {
    const rng = seedrandom('psi2');
    const n = 50;
    const columns = [Float64Array.from({ length: n }, () => rng() - 0.5)];
    const plain = multiplierBootstrap(columns, null, 200, seedrandom('same'));
    const perUnit = multiplierBootstrap(
      columns,
      Int32Array.from({ length: n }, (_, i) => i),
      200,
      seedrandom('same'),
    );
    expect(Array.from(perUnit.draws)).toEqual(Array.from(plain.draws));
    const pairs = Int32Array.from({ length: n }, (_, i) => i >> 1);
    const clustered = multiplierBootstrap(columns, pairs, 200, seedrandom('same'));
    expect(clustered.nMultipliers).toBe(25);
    const sums = Float64Array.from({ length: 25 }, (_, c) => columns[0][2 * c] + columns[0][2 * c + 1]);
    const direct = multiplierBootstrap([sums], null, 200, seedrandom('same'));
    direct.draws.forEach((x, b) => expect(clustered.draws[b]).toBeCloseTo(x, 12));
  });

  test('a family with a degenerate estimate ignores it in the critical value', () => {
    const rng = seedrandom('psi3');
    const columns = [Float64Array.from({ length: 400 }, () => rng() - 0.5), new Float64Array(400)];
    const boot = multiplierBootstrap(columns, null, 500, seedrandom('d'));
    expect(Number.isNaN(boot.se[1])).toBe(true);
    expect(uniformCriticalValue(boot, [0, 1], 0.05)).toBe(uniformCriticalValue(boot, [0], 0.05));
  });
});

describe("bootstrap inference in Callaway–Sant'Anna", () => {
  const rows = syntheticRows({
    units: 600,
    periods: 6,
    cohorts: [0, 3, 4, 5],
    effect: (g, e) => 0.5 + 0.2 * e,
    seed: 'cs-boot',
    clusters: 60,
  });
  const fit = (options: CsOptions): CsResult => {
    const out = callawaySantAnna(panelFromRows(rows), options);
    if (!out.ok) throw new Error(out.refusal.message);
    return out.result;
  };
  const analytic = fit({ control: 'notyet', clustered: false });

  test('reproducible by seed, different with another seed', () => {
    const a = fit({ control: 'notyet', clustered: false, bootstrap: { draws: 300, seed: 'one' } });
    const b = fit({ control: 'notyet', clustered: false, bootstrap: { draws: 300, seed: 'one' } });
    const c = fit({ control: 'notyet', clustered: false, bootstrap: { draws: 300, seed: 'two' } });
    expect(b).toEqual(a);
    expect(c.terms.map((t) => t.stdError)).not.toEqual(a.terms.map((t) => t.stdError));
    expect(a.bootstrap).toEqual({
      draws: 300,
      seed: 'one',
      clustered: false,
      criticalValue: a.bootstrap!.criticalValue,
    });
    // point estimates never depend on the bootstrap
    expect(a.terms.map((t) => t.estimate)).toEqual(analytic.terms.map((t) => t.estimate));
  });

  test('with many draws the bootstrap SEs are close to the analytic SEs', () => {
    const boot = fit({ control: 'notyet', clustered: false, bootstrap: { draws: 4000, seed: 'many' } });
    const ratios: number[] = [];
    boot.attGt.forEach((c, k) => {
      if (c.stdError !== null) ratios.push(c.stdError / analytic.attGt[k].stdError!);
    });
    boot.terms.forEach((t, k) => {
      if (t.stdError !== null) ratios.push(t.stdError / analytic.terms[k].stdError!);
    });
    expect(ratios.length).toBeGreaterThan(20);
    for (const r of ratios) expect(Math.abs(r - 1)).toBeLessThan(0.08);
    expect(Math.abs(ratios.reduce((a, b) => a + b, 0) / ratios.length - 1)).toBeLessThan(0.02);
  });

  test('uniform bands are wider than pointwise intervals, narrower than Bonferroni', () => {
    const boot = fit({ control: 'notyet', clustered: false, bootstrap: { draws: 2000, seed: 'band' } });
    const k = boot.terms.filter((t) => t.stdError !== null).length;
    const c = boot.aggregation.criticalValue;
    expect(c).toBeGreaterThan(1.96);
    expect(c).toBeLessThan(3.2); // z_{1 - 0.05/(2·17)} ≈ 3.2 for the 17 event times at most
    expect(k).toBeGreaterThan(5);
    for (const t of boot.terms.filter((x) => x.stdError !== null)) {
      expect(t.uniformLow!).toBeLessThan(t.confLow!);
      expect(t.uniformHigh!).toBeGreaterThan(t.confHigh!);
      expect(t.uniformHigh! - t.uniformLow!).toBeCloseTo(2 * c * t.stdError!, 10);
    }
    expect(boot.bootstrap!.criticalValue).toBeGreaterThan(c); // more ATT(g,t) than event times
    // without the bootstrap the "uniform" band is the pointwise interval
    for (const t of analytic.terms.filter((x) => x.stdError !== null)) expect(t.uniformLow).toBe(t.confLow);
  });

  test('clustered: the bootstrap SEs approach the analytic cluster-robust SEs', () => {
    const clusteredAnalytic = fit({ control: 'notyet' });
    const boot = fit({ control: 'notyet', bootstrap: { draws: 4000, seed: 'clusters' } });
    expect(boot.bootstrap!.clustered).toBe(true);
    const ratios = boot.terms
      .filter((t) => t.stdError !== null)
      .map((t) => t.stdError! / clusteredAnalytic.terms.find((a) => a.eventTime === t.eventTime)!.stdError!);
    for (const r of ratios) expect(Math.abs(r - 1)).toBeLessThan(0.1);
    // clustering by 60 groups of 10 units changes the analytic SEs
    expect(
      clusteredAnalytic.terms.some(
        (t, k) => t.stdError !== null && Math.abs(t.stdError / analytic.terms[k].stdError! - 1) > 0.01,
      ),
    ).toBe(true);
  });
});
