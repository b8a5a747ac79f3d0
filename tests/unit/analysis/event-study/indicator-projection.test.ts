import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { demeanByFactors } from '../../../../analysis/alternating-projections.ts';
import {
  canProjectIndicators,
  indicatorScores,
  projectIndicators,
} from '../../../../analysis/event-study/indicator-projection.ts';

/**
 * The sparse projection against the dense one: every indicator column demeaned by units and
 * periods (alternating-projections.ts), then X̃′X̃ and the cluster scores X̃_g′(ỹ − X̃β) summed
 * directly, on a random unbalanced panel whose clusters hold several units.
 */
describe('projection of an indicator design on unit and period effects', () => {
  const rng = seedrandom('indicator-projection');
  const units = 60;
  const periods = 7;
  const p = 9;
  const unitCodes: number[] = [];
  const periodCodes: number[] = [];
  const code: number[] = [];
  const y: number[] = [];
  for (let u = 0; u < units; u++)
    for (let t = 0; t < periods; t++) {
      if (rng() < 0.2) continue;
      unitCodes.push(u);
      periodCodes.push(t);
      code.push(rng() < 0.3 ? -1 : Math.floor(rng() * p));
      y.push(u * 0.1 + t * 0.3 + rng());
    }
  const n = y.length;
  const unit = { codes: Int32Array.from(unitCodes), levels: units };
  const period = { codes: Int32Array.from(periodCodes), levels: periods };
  const cluster = { codes: Int32Array.from(unitCodes, (u) => Math.floor(u / 4)), levels: units / 4 };
  const design = { code: Int32Array.from(code), columns: p };

  it('gives the dense gram and cluster scores', () => {
    expect(canProjectIndicators(unit, period, cluster)).toBe(true);
    const dense = demeanByFactors(
      [
        Float64Array.from(y),
        ...Array.from({ length: p }, (_, k) => Float64Array.from(code, (c) => (c === k ? 1 : 0))),
      ],
      [unit, period],
      { algorithm: 'alternating', tolerance: 1e-15 },
    ).columns;
    const [yt, ...xt] = dense;
    const projection = projectIndicators(design, unit, period);
    for (let j = 0; j < p; j++)
      for (let k = 0; k < p; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += xt[j][i] * xt[k][i];
        expect(projection.gram[j * p + k]).toBeCloseTo(s, 9);
      }
    const kept = [0, 2, 3, 5, 8];
    const beta = Float64Array.from(kept, (k) => 0.1 * k - 0.2);
    const scores = indicatorScores(projection, design, period, cluster, yt, kept, beta);
    const e = Float64Array.from(yt, (v, i) => v - kept.reduce((s, k, r) => s + beta[r] * xt[k][i], 0));
    for (let g = 0; g < cluster.levels; g++)
      kept.forEach((k, r) => {
        let s = 0;
        for (let i = 0; i < n; i++) if (cluster.codes[i] === g) s += xt[k][i] * e[i];
        expect(scores[g * kept.length + r]).toBeCloseTo(s, 9);
      });
  });

  it('does not apply when a unit spans two clusters or periods outnumber units', () => {
    const split = { codes: Int32Array.from(periodCodes), levels: periods };
    expect(canProjectIndicators(unit, period, split)).toBe(false);
    expect(canProjectIndicators(period, unit, cluster)).toBe(false);
  });
});
