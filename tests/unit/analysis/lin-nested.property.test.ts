/**
 * The nested fast path of Lin's estimator (analysis/lin-nested.ts: factors nested in the blocks, as
 * the report's heterogeneity test by district or grade band) against the dense QR path on random small
 * designs: which columns are dropped, every coefficient, standard error, df, covariance and warning,
 * for each se type, and the Wald test of the nested factor's interactions; and the fallback to the
 * dense path when the fast path's conditions fail.
 */
import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { lmLin, lmLinDense } from '../../../analysis/lm-lin.ts';
import { waldTest } from '../../../analysis/linear-hypothesis.ts';
import type { LinCovariate, LmLinInput } from '../../../analysis/estimator-inputs.ts';
import type { EstimateOutcome, EstimateResult, SeType } from '../../../analysis/types.ts';

const TOLERANCE = 1e-9;

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

const close = (a: number, b: number, scale = Math.abs(b)) =>
  (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= TOLERANCE * Math.max(scale, 1e-300);

/**
 * A blocked, clustered design with one or two factors nested in the blocks (each block in one level
 * of each): unbalanced cells (sometimes a single unit), levels made of one or several blocks, labels
 * sometimes numeric, the factor before or after the blocks among the covariates.
 */
function design(seed: number) {
  const rng = seedrandom(`lin-nested-${seed}`);
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const blocks = int(2, 9);
  const k = int(0, 3);
  const cellMin = rng() < 0.2 ? 1 : 2;
  const levelCount = int(2, Math.max(2, blocks));
  const levelOf = Array.from({ length: blocks }, (_, b) => (b < levelCount ? b : int(0, levelCount - 1)));
  // shuffle so that levels are not in block order
  for (let b = blocks - 1; b > 0; b--) {
    const c = int(0, b);
    [levelOf[b], levelOf[c]] = [levelOf[c], levelOf[b]];
  }
  const numericLevels = rng() < 0.3;
  const second = rng() < 0.25; // a second nested factor: pairs of the first one's levels
  const clusterMode = int(0, 2);
  const block: string[] = [];
  const g: (string | number)[] = [];
  const h: string[] = [];
  const z: number[] = [];
  const cluster: number[] = [];
  let household = 0;
  for (let b = 0; b < blocks; b++) {
    for (const arm of [0, 1]) {
      const size = int(cellMin, 8);
      for (let u = 0; u < size; u++) {
        if (u === 0 || rng() < 0.5) household++;
        block.push(`B${String(b).padStart(2, '0')}`);
        g.push(numericLevels ? 10 * levelOf[b] + 5 : `L${levelOf[b]}`);
        h.push(`P${levelOf[b] >> 1}`);
        z.push(arm);
        cluster.push(clusterMode === 0 ? household : clusterMode === 1 ? int(0, 3 * blocks) : int(0, 2));
      }
    }
  }
  const n = z.length;
  const xs = Array.from({ length: k }, (_, j) =>
    Array.from({ length: n }, (_, i) => {
      const v = normal() + 0.5 * j + (block[i].charCodeAt(2) % 3);
      return j === 0 && rng() < 0.1 ? NaN : v;
    }),
  );
  const y = Array.from(
    { length: n },
    (_, i) =>
      1 +
      0.4 * z[i] +
      0.2 * z[i] * (block[i].charCodeAt(2) % 4) +
      xs.reduce((s, x) => s + 0.3 * (Number.isNaN(x[i]) ? 0 : x[i]), 0) +
      normal(),
  );
  const covariates: LinCovariate[] = xs.map((values, j) => ({ name: `x${j + 1}`, values }));
  covariates.push({ name: 'g', kind: 'factor', values: g });
  if (second) covariates.push({ name: 'h', kind: 'factor', values: h });
  const factor: LinCovariate = { name: 'block', kind: 'factor', values: block };
  if (rng() < 0.8) covariates.push(factor);
  else covariates.unshift(factor);
  return { y, z, cluster, covariates };
}

const SE_TYPES: SeType[] = ['classical', 'HC0', 'HC1', 'HC2', 'HC3', 'CR2'];
const PRINTED = ['estimate', 'stdError', 'statistic', 'df', 'pValue', 'confLow', 'confHigh'] as const;

/** Every printed number of every term, the covariance and the warnings of two full fits agree. */
function sameFullFit(q: EstimateResult, r: EstimateResult, where: string): void {
  expect(q.terms.map((t) => t.term)).toEqual(r.terms.map((t) => t.term));
  q.terms.forEach((t, j) => {
    const e = r.terms[j];
    if (Number.isNaN(e.estimate) !== Number.isNaN(t.estimate))
      throw new Error(`${where}: ${t.term} dropped by one path only`);
    for (const key of PRINTED) {
      const scale =
        key === 'statistic' ? 1 : key === 'pValue' || key === 'df' ? Math.abs(e[key]) : e.stdError;
      if (!close(t[key], e[key], Math.max(Math.abs(e[key]), scale)))
        throw new Error(`${where}: ${t.term} ${key} ${t[key]} vs dense ${e[key]}`);
    }
  });
  const p = q.terms.length;
  const [vq, vr] = [q.covariance!.vcov, r.covariance!.vcov];
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++)
      if (!close(vq[a * p + b], vr[a * p + b], Math.sqrt(vr[a * p + a] * vr[b * p + b])))
        throw new Error(`${where}: vcov[${a}, ${b}] ${vq[a * p + b]} vs dense ${vr[a * p + b]}`);
  expect(q.covariance!.denDf).toBe(r.covariance!.denDf);
  expect(q.warnings).toEqual(r.warnings);
  expect([q.n, q.nTreatment, q.nControl, q.nClusters, q.design, q.seType]).toEqual([
    r.n,
    r.nTreatment,
    r.nControl,
    r.nClusters,
    r.design,
    r.seType,
  ]);
}

const usesFast = (input: LmLinInput) =>
  ok(lmLin({ ...input, effectDfOnly: true, covariance: false })).covariance === undefined;

/**
 * Designs whose robust variance is degenerate, where the two paths' rounding differs beyond the
 * tolerance for reasons of their own, not of the nesting: a coefficient's SE at rounding level (0 up
 * to 1e-8 of the others'), or CR2 with few clusters where the blocked path and the dense path already
 * differ on the model without the nested factors (a cluster's I − H_hh nearly singular).
 */
function degenerate(input: LmLinInput, dense: EstimateResult): boolean {
  const se = dense.terms.map((t) => t.stdError).filter((v) => Number.isFinite(v));
  const largest = Math.max(...se);
  if (se.some((v) => v < 1e-6 * largest)) return true;
  const covariates = input.covariates.filter((c) => c.name !== 'g' && c.name !== 'h');
  const reduced = { ...input, covariates, effectDfOnly: true, covariance: false };
  const [a, b] = [ok(lmLin(reduced)).terms[1], ok(lmLinDense(reduced)).terms[1]];
  return !PRINTED.every((key) => close(a[key], b[key]));
}

describe('Lin with a factor nested in the blocks: the nested fast path equals the dense path', () => {
  it('on random designs, for each se type: dropped columns, every term, covariance, warnings', () => {
    let compared = 0;
    let dropped = 0;
    for (let seed = 0; seed < 80; seed++) {
      const d = design(seed);
      for (const seType of SE_TYPES) {
        for (const effectDfOnly of [false, true]) {
          const input: LmLinInput = {
            outcome: d.y,
            treatment: d.z,
            treatmentName: 'z',
            covariates: d.covariates,
            clusters: seType === 'CR2' ? d.cluster : undefined,
            seType,
            effectDfOnly,
            covariance: true,
          };
          const dense = lmLinDense(input);
          if (!dense.ok) {
            expect(lmLin(input).ok).toBe(false);
            continue;
          }
          if (!usesFast(input) || degenerate(input, dense.result)) continue;
          const where = `seed ${seed} ${seType}${effectDfOnly ? ' effectDfOnly' : ''}`;
          const q = ok(lmLin(input));
          sameFullFit(q, dense.result, where);
          // the effect's row is the report's (effectDfOnly, no covariance) row to the last digit
          expect(q.terms[1]).toEqual(ok(lmLin({ ...input, effectDfOnly: true, covariance: false })).terms[1]);
          if (q.warnings.some((w) => w.code === 'collinear-dropped')) dropped++;
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(600);
    expect(dropped).toBeGreaterThan(0.9 * compared);
  });

  it('with effectDfOnly and no covariance: the coefficients, and the effect as the dense path', () => {
    let compared = 0;
    for (let seed = 0; seed < 80; seed++) {
      const d = design(seed);
      for (const seType of ['HC2', 'CR2'] as const) {
        const input: LmLinInput = {
          outcome: d.y,
          treatment: d.z,
          treatmentName: 'z',
          covariates: d.covariates,
          clusters: seType === 'CR2' ? d.cluster : undefined,
          seType,
          effectDfOnly: true,
        };
        const dense = lmLinDense(input);
        if (!dense.ok || !usesFast(input) || degenerate(input, dense.result)) continue;
        const q = ok(lmLin(input));
        const r = dense.result;
        expect(q.terms.map((t) => t.term)).toEqual(r.terms.map((t) => t.term));
        q.terms.forEach((t, j) => {
          if (!close(t.estimate, r.terms[j].estimate, Math.max(1, Math.abs(r.terms[j].estimate))))
            throw new Error(`seed ${seed} ${seType}: ${t.term} ${t.estimate} vs ${r.terms[j].estimate}`);
        });
        for (const key of PRINTED)
          if (!close(q.terms[1][key], r.terms[1][key]))
            throw new Error(`seed ${seed} ${seType}: effect ${key} ${q.terms[1][key]} vs ${r.terms[1][key]}`);
        expect(q.warnings).toEqual(r.warnings);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("the Wald test of the nested factor's interactions (the report's heterogeneity test)", () => {
    let compared = 0;
    for (let seed = 0; seed < 80; seed++) {
      const d = design(seed);
      const input: LmLinInput = {
        outcome: d.y,
        treatment: d.z,
        treatmentName: 'z',
        covariates: d.covariates,
        clusters: d.cluster,
        seType: 'CR2',
        effectDfOnly: true,
        covariance: true,
      };
      const dense = lmLinDense(input);
      if (!dense.ok || !usesFast(input) || degenerate(input, dense.result)) continue;
      const test = (r: EstimateResult) => {
        const names = r.terms.map((t) => t.term);
        const chosen = names.filter((t, j) => t.startsWith('z:g') && Number.isFinite(r.terms[j].estimate));
        return {
          chosen,
          w: waldTest(
            names,
            r.terms.map((t) => t.estimate),
            r.covariance!.vcov,
            r.covariance!.denDf,
            chosen,
          ),
        };
      };
      const a = test(ok(lmLin(input)));
      const b = test(dense.result);
      expect(a.chosen).toEqual(b.chosen);
      if (b.chosen.length === 0) continue;
      if (!a.w.ok || !b.w.ok) {
        expect(a.w).toEqual(b.w);
        continue;
      }
      expect(close(a.w.test.statistic, b.w.test.statistic)).toBe(true);
      expect(close(a.w.test.pValue, b.w.test.pValue)).toBe(true);
      expect([a.w.test.numDf, a.w.test.denDf]).toEqual([b.w.test.numDf, b.w.test.denDf]);
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });
});

describe('Lin with a factor nested in the blocks: the dense path is used when a condition fails', () => {
  const d = design(3);
  const base: LmLinInput = {
    outcome: d.y,
    treatment: d.z,
    treatmentName: 'z',
    covariates: d.covariates,
    seType: 'HC2',
    effectDfOnly: true,
  };

  it('applies to the base design', () => {
    expect(usesFast(base)).toBe(true);
    expect(usesFast({ ...base, clusters: d.cluster, seType: 'CR2' })).toBe(true);
  });

  it('a block with one arm only (the dense path drops its interaction)', () => {
    const covariates = d.covariates.map((c) =>
      c.kind === 'factor'
        ? {
            ...c,
            values: [
              ...Array.from(c.values as ArrayLike<string | number>),
              c.name === 'block' ? 'lonely' : 'L0',
              c.name === 'block' ? 'lonely' : 'L0',
            ],
          }
        : { ...c, values: [...Array.from(c.values as ArrayLike<number>), 0.5, 1.5] },
    );
    const input = { ...base, outcome: [...d.y, 1, 2], treatment: [...d.z, 1, 1], covariates };
    expect(usesFast(input)).toBe(false);
    expect(ok(lmLin(input)).warnings.map((w) => w.code)).toContain('collinear-dropped');
  });

  it('a factor that is not nested (a block holding two of its levels)', () => {
    const covariates = d.covariates.map((c): LinCovariate =>
      c.name === 'g'
        ? {
            name: 'g',
            kind: 'factor',
            values: Array.from(c.values as ArrayLike<string | number>, (v, i) => (i === 0 ? 'other' : v)),
          }
        : c,
    );
    expect(usesFast({ ...base, covariates })).toBe(false);
  });

  it('weights, CR0 and stata clustered standard errors', () => {
    expect(usesFast({ ...base, weights: d.y.map((_, i) => 1 + (i % 3)) })).toBe(false);
    for (const seType of ['CR0', 'stata'] as const)
      expect(usesFast({ ...base, clusters: d.cluster, seType })).toBe(false);
  });
});
