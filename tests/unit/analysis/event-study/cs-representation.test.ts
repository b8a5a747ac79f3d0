/**
 * The fast bootstrap rests on two facts, tested here: (1) on a balanced panel without covariates
 * every influence function (cells and aggregations, weight terms included) equals its by-cohort
 * representation ψ_i = Σ_t A[c(i),t] Y_it + A[c(i),T]; (2) representedBootstrap computes
 * n^{-1/2} Σ_i v_i ψ_i exactly for the multipliers it drew (units visited cohort by cohort,
 * 8 at a time, one byte per draw and block).
 */
import { describe, expect, test } from '@jest/globals';
import seedrandom from 'seedrandom';
import { aggregate, type Influence } from '../../../../analysis/event-study/cs-aggregate.ts';
import { groupTimeCells } from '../../../../analysis/event-study/cs-cells.ts';
import { preparePanel } from '../../../../analysis/event-study/cs-prepare.ts';
import { panelFromRows } from '../../../../analysis/event-study/panel.ts';
import { representedBootstrap } from '../../../../analysis/event-study/represented-bootstrap.ts';
import { syntheticRows } from './synthetic-panels.ts';

const rows = syntheticRows({
  units: 150,
  periods: 6,
  cohorts: [0, 3, 4, 5],
  effect: (g, e) => g * 0.3 + e,
  seed: 'cs-rep',
});
const out = preparePanel(panelFromRows(rows), {
  control: 'notyet',
  allowUnbalancedPanel: false,
  anticipation: 0,
});
if (!out.ok) throw new Error(out.message);
const prep = out.prepared;
const nT = prep.tlist.length;
const width = nT + 1;

function expand(rep: Float64Array): Float64Array {
  return Float64Array.from({ length: prep.n }, (_, i) => {
    const c = prep.cohortIndex[i];
    let s = rep[c * width + nT];
    for (let t = 0; t < nT; t++) s += rep[c * width + t] * prep.y[i * nT + t];
    return s;
  });
}

function expectSame(f: Influence): void {
  expect(f.rep).not.toBeNull();
  const fromRep = expand(f.rep!);
  const scale = Math.max(...f.inf.map(Math.abs));
  f.inf.forEach((x, i) => expect(Math.abs(fromRep[i] - x)).toBeLessThanOrEqual(1e-10 * scale));
}

describe('by-cohort representation of the influence functions', () => {
  test.each(['varying', 'universal'] as const)(
    'cells and all four aggregations, %s base period',
    (basePeriod) => {
      const { cells } = groupTimeCells(prep, { basePeriod, anticipation: 0, estMethod: 'dr' });
      cells.forEach(expectSame);
      const layout = { cohorts: prep.cohorts, width };
      for (const type of ['simple', 'dynamic', 'group', 'calendar'] as const) {
        const agg = aggregate(
          type,
          cells,
          prep.cohort,
          { balanceE: type === 'dynamic' ? 1 : undefined },
          layout,
        );
        agg.terms.forEach(expectSame);
        expectSame(agg.overall);
      }
    },
  );
});

describe('representedBootstrap', () => {
  test('equals n^{-1/2} Σ v_i ψ_i with the multipliers it drew', () => {
    const { cells } = groupTimeCells(prep, { basePeriod: 'varying', anticipation: 0, estMethod: 'dr' });
    const live = cells.filter((c) => Number.isFinite(c.att)).slice(0, 6);
    const draws = 7;
    const rng = seedrandom('rep-bits');
    const words: number[] = [];
    const boot = representedBootstrap(
      {
        reps: live.map((c) => c.rep!),
        y: prep.y,
        nT,
        cohortIndex: prep.cohortIndex,
        nCohorts: prep.cohorts.length,
      },
      draws,
      {
        int32: () => {
          const w = rng.int32();
          words.push(w);
          return w;
        },
      },
    );
    // rebuild the multipliers: cohort by cohort, blocks of 8 units, ceil(draws/4) words per block
    const v = new Int8Array(prep.n * draws);
    let word = 0;
    for (let c = 0; c < prep.cohorts.length; c++) {
      const units = [...prep.cohortIndex.keys()].filter((i) => prep.cohortIndex[i] === c);
      for (let start = 0; start < units.length; start += 8) {
        for (let b = 0; b < draws; b++) {
          const byte = (words[word + (b >> 2)] >>> (8 * (b & 3))) & 255;
          for (let j = 0; j < 8 && start + j < units.length; j++)
            v[units[start + j] * draws + b] = byte & (1 << j) ? 1 : -1;
        }
        word += Math.ceil(draws / 4);
      }
    }
    expect(word).toBe(words.length);
    for (let b = 0; b < draws; b++) {
      live.forEach((cell, k) => {
        let s = 0;
        for (let i = 0; i < prep.n; i++) s += v[i * draws + b] * cell.inf[i];
        expect(boot.draws[b * live.length + k]).toBeCloseTo(s / Math.sqrt(prep.n), 9);
      });
    }
  });
});

describe('pre-trend Wald test', () => {
  test('the by-cohort Gram matrix gives the same statistic as the dense one (one cluster per unit)', async () => {
    const { callawaySantAnna } = await import('../../../../analysis/event-study/callaway-santanna.ts');
    const panel = panelFromRows(rows);
    const plain = callawaySantAnna(panel, { control: 'notyet' });
    const perUnit = callawaySantAnna(
      { ...panel, cluster: Int32Array.from(panel.ids, (_, u) => u) },
      { control: 'notyet', clustered: true },
    );
    if (!plain.ok || !perUnit.ok) throw new Error('refused');
    expect(plain.result.pretrend!.df1).toBeGreaterThan(3);
    expect(perUnit.result.pretrend!.statistic).toBeCloseTo(plain.result.pretrend!.statistic, 9);
    expect(perUnit.result.pretrend!.pValue).toBeCloseTo(plain.result.pretrend!.pValue, 12);
  });
});
