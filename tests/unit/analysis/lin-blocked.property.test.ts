/**
 * The blocked fast path of Lin's estimator (analysis/lin-blocked.ts) against the dense QR path on
 * random small designs: the effect's estimate, standard error and df, every coefficient, for each se
 * type; and the fallback to the dense path when a condition of the fast path fails. The dense path is
 * itself checked against estimatr by the golden fixtures (estimators-golden.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { blockedLin, clearBlockedDesignCache } from '../../../analysis/lin-blocked.ts';
import { lmLin, lmLinDense } from '../../../analysis/lm-lin.ts';
import { toTable } from '../../../analysis/estimate-output.ts';
import { waldTest } from '../../../analysis/linear-hypothesis.ts';
import type { LinCovariate, LmLinInput } from '../../../analysis/estimator-inputs.ts';
import type { EstimateOutcome, EstimateResult, SeType } from '../../../analysis/types.ts';

const TOLERANCE = 1e-9;

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));
}

/** A blocked, household-clustered design; `cellMin` units at least per block × arm. */
function design(seed: number) {
  const rng = seedrandom(`lin-blocked-${seed}`);
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const blocks = int(2, 9);
  const k = int(0, 3);
  const cellMin = rng() < 0.15 ? 1 : 2;
  const clusterMode = int(0, 2); // 0 households in a cell, 1 households across arms and blocks, 2 few large clusters
  const block: string[] = [];
  const z: number[] = [];
  const cluster: number[] = [];
  let household = 0;
  for (let b = 0; b < blocks; b++) {
    for (const arm of [0, 1]) {
      const size = int(cellMin, 9);
      for (let u = 0; u < size; u++) {
        if (u === 0 || rng() < 0.5) household++;
        block.push(`B${String(b).padStart(2, '0')}`);
        z.push(arm);
        cluster.push(clusterMode === 0 ? household : clusterMode === 1 ? int(0, 3 * blocks) : int(0, 2));
      }
    }
  }
  const n = z.length;
  const xs = Array.from({ length: k }, (_, j) =>
    Array.from({ length: n }, (_, i) => {
      const v = normal() + 0.5 * j + (block[i].charCodeAt(2) % 3);
      return j === 0 && rng() < 0.1 ? NaN : j === 2 ? Math.round(v) : v;
    }),
  );
  const y = Array.from(
    { length: n },
    (_, i) => 1 + 0.4 * z[i] + xs.reduce((s, x) => s + 0.3 * (Number.isNaN(x[i]) ? 0 : x[i]), 0) + normal(),
  );
  const covariates: LinCovariate[] = xs.map((values, j) => ({ name: `x${j + 1}`, values }));
  // the block factor among the covariates (estimatr's ~x + block), first or last
  const factor: LinCovariate = { name: 'block', kind: 'factor', values: block };
  if (rng() < 0.5) covariates.push(factor);
  else covariates.unshift(factor);
  // numeric levels sometimes (sorted numerically, as R's factor)
  if (rng() < 0.3) factor.values = block.map((b) => Number(b.slice(1)) * 10);
  return { y, z, cluster, covariates };
}

const SE_TYPES: SeType[] = ['classical', 'HC0', 'HC1', 'HC2', 'HC3', 'CR2'];

describe('Lin with block indicators: the blocked fast path equals the dense path', () => {
  it('on 150 random designs, for each se type: effect estimate, SE, df, and every coefficient', () => {
    let fast = 0;
    let compared = 0;
    for (let seed = 0; seed < 150; seed++) {
      const d = design(seed);
      for (const seType of SE_TYPES) {
        const input: LmLinInput = {
          outcome: d.y,
          treatment: d.z,
          treatmentName: 'z',
          covariates: d.covariates,
          clusters: seType === 'CR2' ? d.cluster : undefined,
          seType,
          effectDfOnly: true,
        };
        const quick = lmLin(input);
        const dense = lmLinDense(input);
        if (!dense.ok) {
          expect(quick.ok).toBe(false);
          continue;
        }
        const q = ok(quick);
        const r = dense.result;
        const usedFast = q.covariance === undefined;
        if (usedFast) fast++;
        compared++;
        const where = `seed ${seed} ${seType}`;
        expect(q.terms.map((t) => t.term)).toEqual(r.terms.map((t) => t.term));
        const a = q.terms.find((t) => t.term === 'z')!;
        const b = r.terms.find((t) => t.term === 'z')!;
        for (const key of ['estimate', 'stdError', 'df', 'pValue', 'confLow', 'confHigh'] as const) {
          if (!close(a[key], b[key])) throw new Error(`${where}: ${key} ${a[key]} vs dense ${b[key]}`);
        }
        for (const t of q.terms) {
          const e = r.terms.find((x) => x.term === t.term)!;
          if (Number.isNaN(e.estimate)) {
            expect(usedFast).toBe(false);
            continue;
          }
          if (!close(t.estimate, e.estimate))
            throw new Error(`${where}: ${t.term} ${t.estimate} vs dense ${e.estimate}`);
        }
        expect(q.n).toBe(r.n);
        expect(q.nClusters).toBe(r.nClusters);
        expect(q.warnings.map((w) => w.code)).toEqual(r.warnings.map((w) => w.code));
        // without effectDfOnly: the dense fit's terms, the effect's row from the cell form
        const full = ok(lmLin({ ...input, effectDfOnly: false }));
        if (usedFast) expect(full.terms.find((t) => t.term === 'z')).toEqual(a);
      }
    }
    expect(compared).toBeGreaterThan(800);
    // most designs satisfy the fast path's conditions (x3 = rounded values may not vary within a cell)
    expect(fast).toBeGreaterThan(0.8 * compared);
  });
});

describe('Lin with block indicators: the dense path is used when a condition fails', () => {
  const d = design(7);
  const base: LmLinInput = {
    outcome: d.y,
    treatment: d.z,
    treatmentName: 'z',
    covariates: d.covariates,
    seType: 'HC2',
    effectDfOnly: true,
  };
  const usesFast = (input: LmLinInput) => ok(lmLin(input)).covariance === undefined;

  it('applies to the base design', () => {
    expect(usesFast(base)).toBe(true);
    expect(usesFast({ ...base, clusters: d.cluster, seType: 'CR2' })).toBe(true);
  });

  it('a block with one arm only', () => {
    const n = d.y.length;
    const covariates = d.covariates.map((c) =>
      c.kind === 'factor'
        ? { ...c, values: [...Array.from(c.values as ArrayLike<string | number>), 'lonely', 'lonely'] }
        : { ...c, values: [...Array.from(c.values as ArrayLike<number>), 0.5, 1.5] },
    );
    const input = { ...base, outcome: [...d.y, 1, 2], treatment: [...d.z, 1, 1], covariates };
    expect(input.outcome).toHaveLength(n + 2);
    expect(usesFast(input)).toBe(false);
    const r = ok(lmLin(input));
    expect(r.warnings.map((w) => w.code)).toContain('collinear-dropped');
  });

  it('weights', () => {
    expect(usesFast({ ...base, weights: d.y.map((_, i) => 1 + (i % 3)) })).toBe(false);
  });

  it('three arms', () => {
    const arm = d.z.map((v, i) => (v === 1 ? 1 + (i % 2) : 0));
    const treatments = [1, 2].map((a) => ({ name: `arm${a}`, values: arm.map((x) => (x === a ? 1 : 0)) }));
    expect(usesFast({ ...base, treatments })).toBe(false);
  });

  it('a subgroup factor nested in the blocks (its dummies do not vary within cells): the nested fast path instead', () => {
    const block = d.covariates.find((c) => c.kind === 'factor')!.values as ArrayLike<string | number>;
    const levels = [...new Set(Array.from(block, String))].sort();
    const nested = Array.from(block, (b) => (levels.indexOf(String(b)) % 2 ? 'odd' : 'even'));
    expect(new Set(nested).size).toBe(2);
    const covariates = [...d.covariates, { name: 'g', kind: 'factor' as const, values: nested }];
    // not the blocked path's cell form but lin-nested.ts's (tested in lin-nested.property.test.ts)
    expect(usesFast({ ...base, covariates })).toBe(true);
  });

  it('CR0 and stata clustered standard errors', () => {
    for (const seType of ['CR0', 'stata'] as const)
      expect(usesFast({ ...base, clusters: d.cluster, seType })).toBe(false);
  });

  it('a covariate that does not vary within the cells of an arm', () => {
    const block = d.covariates.find((c) => c.kind === 'factor')!.values as ArrayLike<string | number>;
    const level = Array.from(
      block,
      (b) => String(b).length + (String(b).charCodeAt(String(b).length - 1) % 5),
    );
    const covariates = [...d.covariates, { name: 'blockwise', values: level }];
    expect(usesFast({ ...base, covariates })).toBe(false);
  });

  it('blockedLin itself returns null for these, and a fit for the base design', () => {
    const expanded = [{ name: 'x', values: Float64Array.from(d.y, (_, i) => i % 7) }];
    const factor = d.covariates.find((c) => c.kind === 'factor')!;
    const z = Float64Array.from(d.z);
    const covariates = [{ name: 'x', values: expanded[0].values }, factor];
    expect(blockedLin({ outcome: d.y, z, covariates, expanded, seType: 'HC2' })).not.toBeNull();
    expect(
      blockedLin({ outcome: d.y, z, covariates, expanded, seType: 'CR0', clusters: d.cluster }),
    ).toBeNull();
    expect(blockedLin({ outcome: d.y, z, covariates: [covariates[0]], expanded, seType: 'HC2' })).toBeNull();
  });
});

const PRINTED = ['estimate', 'stdError', 'statistic', 'df', 'pValue', 'confLow', 'confHigh'] as const;

/** Every printed number of every term, and the covariance, of two full fits agree. */
function sameFullFit(q: EstimateResult, r: EstimateResult, where: string): void {
  expect(q.terms.map((t) => t.term)).toEqual(r.terms.map((t) => t.term));
  q.terms.forEach((t, j) => {
    const e = r.terms[j];
    for (const key of PRINTED) {
      const [a, b] = [t[key], e[key]];
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      // a statistic or bound near 0 differs by cancellation: compare it on the SE's scale
      const scale = key === 'statistic' ? 1 : key === 'pValue' || key === 'df' ? Math.abs(b) : e.stdError;
      if (!(Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(b), scale, 1e-300)))
        throw new Error(`${where}: ${t.term} ${key} ${a} vs dense ${b}`);
    }
  });
  const p = q.terms.length;
  const [vq, vr] = [q.covariance!.vcov, r.covariance!.vcov];
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) {
      const scale = Math.sqrt(vr[a * p + a] * vr[b * p + b]);
      if (!(Math.abs(vq[a * p + b] - vr[a * p + b]) <= TOLERANCE * scale))
        throw new Error(`${where}: vcov[${a}, ${b}] ${vq[a * p + b]} vs dense ${vr[a * p + b]}`);
    }
  expect(q.covariance!.denDf).toBe(r.covariance!.denDf);
  expect(q.warnings.map((w) => w.code)).toEqual(r.warnings.map((w) => w.code));
}

describe('Lin with block indicators: the full coefficient table from the cell form (pilot estimate)', () => {
  it('every term of every random design, each se type: estimate, SE, statistic, df, p, interval, covariance equal the dense fit', () => {
    let compared = 0;
    for (let seed = 0; seed < 60; seed++) {
      const d = design(seed);
      for (const seType of SE_TYPES) {
        const input: LmLinInput = {
          outcome: d.y,
          treatment: d.z,
          treatmentName: 'z',
          covariates: d.covariates,
          clusters: seType === 'CR2' ? d.cluster : undefined,
          seType,
        };
        const dense = lmLinDense(input);
        if (!dense.ok) continue;
        const usedFast = ok(lmLin({ ...input, effectDfOnly: true })).covariance === undefined;
        if (!usedFast) continue;
        const full = ok(lmLin(input));
        sameFullFit(full, dense.result, `seed ${seed} ${seType}`);
        // the effect's row is the report's (effectDfOnly) row to the last digit
        expect(full.terms[1]).toEqual(ok(lmLin({ ...input, effectDfOnly: true })).terms[1]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(250);
  });

  it('prints the same table as the dense fit', () => {
    const dropped = { outcome: 0, covariates: 0, rows: 0, byColumn: [], firstLines: [] } as never;
    let printed = 0;
    for (const seed of [1, 2, 3, 5, 8]) {
      const d = design(seed);
      for (const seType of ['HC2', 'CR2'] as const) {
        const input: LmLinInput = {
          outcome: d.y,
          treatment: d.z,
          treatmentName: 'z',
          covariates: d.covariates,
          clusters: seType === 'CR2' ? d.cluster : undefined,
          seType,
        };
        if (ok(lmLin({ ...input, effectDfOnly: true })).covariance !== undefined) continue;
        expect(toTable(ok(lmLin(input)), dropped, null, undefined)).toBe(
          toTable(ok(lmLinDense(input)), dropped, null, undefined),
        );
        printed++;
      }
    }
    expect(printed).toBeGreaterThan(5);
  });

  it('a subgroup factor beside the blocks (the heterogeneity test): fast path, same covariance and Wald test', () => {
    let compared = 0;
    for (let seed = 0; seed < 40; seed++) {
      const d = design(seed);
      const rng = seedrandom(`subgroup-${seed}`);
      const g = d.y.map(() => ['a', 'b', 'c'][Math.floor(rng() * 3)]);
      const covariates = [...d.covariates, { name: 'g', kind: 'factor' as const, values: g }];
      const input: LmLinInput = {
        outcome: d.y,
        treatment: d.z,
        treatmentName: 'z',
        covariates,
        clusters: d.cluster,
        seType: 'CR2',
        effectDfOnly: true,
        covariance: true,
      };
      const dense = lmLinDense(input);
      if (!dense.ok || dense.result.warnings.some((w) => w.code === 'collinear-dropped')) continue;
      const quick = lmLin({ ...input, covariance: false });
      if (!quick.ok || quick.result.covariance !== undefined) continue; // the dense path (a cell lacks a level)
      const q = ok(lmLin(input));
      const names = q.terms.map((t) => t.term);
      const chosen = names.filter((t) => t.startsWith('z:g'));
      const tq = waldTest(
        names,
        q.terms.map((t) => t.estimate),
        q.covariance!.vcov,
        q.covariance!.denDf,
        chosen,
      );
      const r = dense.result;
      const tr = waldTest(
        names,
        r.terms.map((t) => t.estimate),
        r.covariance!.vcov,
        r.covariance!.denDf,
        chosen,
      );
      if (!tq.ok || !tr.ok) throw new Error(`seed ${seed}: Wald test refused`);
      expect(close(tq.test.statistic, tr.test.statistic)).toBe(true);
      expect(close(tq.test.pValue, tr.test.pValue)).toBe(true);
      expect(tq.test.denDf).toBe(tr.test.denDf);
      const p = names.length;
      for (let a = 0; a < p; a++)
        expect(close(q.covariance!.vcov[a * p + a], r.covariance!.vcov[a * p + a])).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('with effectDfOnly, no nonpositive-df warning for the terms whose df were not computed', () => {
    const d = design(4);
    const input: LmLinInput = {
      outcome: d.y,
      treatment: d.z,
      treatmentName: 'z',
      covariates: d.covariates,
      clusters: d.cluster,
      seType: 'CR2',
      effectDfOnly: true,
    };
    for (const r of [ok(lmLin(input)), ok(lmLinDense(input)), ok(lmLin({ ...input, covariance: true }))]) {
      expect(r.terms.filter((t) => t.term !== 'z').some((t) => Number.isNaN(t.df))).toBe(true);
      expect(r.warnings.map((w) => w.code)).not.toContain('nonpositive-df');
    }
  });
});

describe('the design cache of the blocked fast path (a report fits several outcomes on the same rows)', () => {
  const SE = ['HC2', 'CR2'] as SeType[];
  const input = (d: ReturnType<typeof design>, y: ArrayLike<number>, seType: SeType): LmLinInput => ({
    outcome: Array.from(y),
    treatment: d.z,
    treatmentName: 'z',
    covariates: d.covariates.map(
      (c) => ({ ...c, values: Array.from(c.values as ArrayLike<number | string>) }) as LinCovariate,
    ),
    clusters: seType === 'CR2' ? d.cluster.slice() : undefined,
    seType,
    effectDfOnly: true,
  });

  it('a second outcome on an equal design (fresh arrays of the same values) gives exactly the fresh fit', () => {
    let hits = 0;
    for (let seed = 0; seed < 60; seed++) {
      const d = design(seed);
      const y2 = d.y.map((v, i) => v * 0.7 + (i % 5) - 2);
      for (const seType of SE) {
        clearBlockedDesignCache();
        const first = lmLin(input(d, d.y, seType));
        if (!first.ok || first.result.covariance !== undefined) continue; // not on the fast path
        const cached = lmLin(input(d, y2, seType));
        clearBlockedDesignCache();
        const fresh = lmLin(input(d, y2, seType));
        expect(cached).toEqual(fresh);
        // and the second outcome's fit differs from the first's (the outcome is not cached)
        expect(ok(cached).terms.find((t) => t.term === 'z')!.estimate).not.toBe(
          ok(first).terms.find((t) => t.term === 'z')!.estimate,
        );
        hits++;
      }
    }
    expect(hits).toBeGreaterThan(60);
  });

  it('a design that differs in one covariate value, one block, one cluster or the treatment is fitted afresh', () => {
    let checked = 0;
    for (let seed = 0; seed < 40; seed++) {
      const d = design(seed);
      const numeric = d.covariates.findIndex((c) => c.kind !== 'factor');
      const variants: ((x: ReturnType<typeof design>) => void)[] = [
        (x) => {
          if (numeric >= 0) (x.covariates[numeric].values as number[])[3] += 0.25;
        },
        (x) => {
          const f = x.covariates.find((c) => c.kind === 'factor')!;
          const v = f.values as (string | number)[];
          v[v.length - 1] = v[0];
        },
        (x) => {
          x.cluster[0] = x.cluster[x.cluster.length - 1];
        },
        (x) => {
          // swap the arms of the first and last unit (every block keeps both arms in most designs)
          const last = x.z.length - 1;
          [x.z[0], x.z[last]] = [x.z[last], x.z[0]];
        },
      ];
      for (const change of variants) {
        for (const seType of SE) {
          const changed = design(seed);
          change(changed);
          clearBlockedDesignCache();
          lmLin(input(d, d.y, seType)); // the original design is now the cached one
          const after = lmLin(input(changed, d.y, seType));
          clearBlockedDesignCache();
          const fresh = lmLin(input(changed, d.y, seType));
          expect(after).toEqual(fresh);
          checked++;
        }
      }
    }
    expect(checked).toBe(40 * 4 * 2);
  });
});
