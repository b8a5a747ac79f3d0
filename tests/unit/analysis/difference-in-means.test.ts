import { describe, expect, it } from '@jest/globals';
import { differenceInMeans } from '../../../analysis/difference-in-means.ts';
import { lmLin } from '../../../analysis/lm-lin.ts';
import { loadGolden, numeric, relativeError, runCase } from './golden-fixtures.ts';
import type { EstimateOutcome, EstimateResult } from '../../../analysis/types.ts';

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

function refusal(out: EstimateOutcome) {
  if (out.ok) throw new Error('expected a refusal');
  return out.refusal;
}

/** METHODS.md §6 case 5, rebuilt from its formula (no RNG). */
function formulaData() {
  const sizes = [3, 4, 5, 6, 3, 4, 5, 6, 3, 4, 5, 6];
  const cl: number[] = sizes.flatMap((s, k) => Array<number>(s).fill(k + 1));
  const z = cl.map((c) => (c % 2 === 0 ? 1 : 0));
  const y = cl.map((c, k) => ((7 * (k + 1)) % 11) + 0.5 * c + 2 * z[k]);
  return { cl, z, y, blk4: cl.map((c) => Math.ceil(c / 4)), blk2: cl.map((c) => Math.ceil(c / 2)) };
}

describe('differenceInMeans: the 12-cluster formula data rebuilt without RNG', () => {
  const file = loadGolden('formula-clusters.json');
  const d = formulaData();
  const expected = (name: string) => file.cases.find((c) => c.name === name)!.expected.terms[0];

  it('rebuilds exactly the data R used', () => {
    expect(d.y).toEqual(Array.from(numeric(file, 'Y')));
    expect(d.cl).toEqual(Array.from(numeric(file, 'cl')));
  });

  it.each([
    ['clustered-dim', 'Clustered', undefined],
    ['block-clustered-dim', 'Block-clustered', 'blk4'],
    ['matched-pair-clustered-dim', 'Matched-pair clustered', 'blk2'],
  ] as const)('%s gives design %s and estimatr’s numbers', (name, design, blocks) => {
    const r = ok(
      differenceInMeans({
        outcome: d.y,
        treatment: d.z,
        clusters: d.cl,
        blocks: blocks ? d[blocks] : undefined,
        treatmentName: 'Z',
      }),
    );
    const e = expected(name);
    expect(r.design).toBe(design);
    expect(relativeError(r.terms[0].estimate, e.estimate)).toBeLessThan(1e-12);
    expect(relativeError(r.terms[0].stdError, e.std_error)).toBeLessThan(1e-8);
    expect(relativeError(r.terms[0].df, e.df)).toBeLessThan(1e-8);
  });

  it('the clustered difference equals clubSandwich CR2 with Satterthwaite df', () => {
    const club = file.cases
      .find((c) => c.name === 'clustered-dim')!
      .clubsandwich!.find((t) => t.term === 'Z')!;
    const r = ok(differenceInMeans({ outcome: d.y, treatment: d.z, clusters: d.cl }));
    expect(relativeError(r.terms[0].stdError, club.std_error)).toBeLessThan(1e-8);
    expect(relativeError(r.terms[0].df, club.df)).toBeLessThan(1e-8);
    expect(r.nClusters).toBe(12);
  });
});

describe('differenceInMeans: designs and identities', () => {
  it('Welch equals R’s t.test(var.equal = FALSE) on E1 data', () => {
    const file = loadGolden('noncompliance.json');
    const c = file.cases.find((x) => x.name === 'welch-dim')!;
    const r = ok(runCase(file, c));
    expect(r.design).toBe('Standard');
    expect(relativeError(r.terms[0].estimate, c.t_test!.estimate)).toBeLessThan(1e-12);
    expect(relativeError(r.terms[0].df, c.t_test!.df)).toBeLessThan(1e-10);
    expect(relativeError(r.terms[0].pValue, c.t_test!.p_value)).toBeLessThan(1e-8);
    // and its SE is the HC2 SE of OLS of y on [1, z]
    const hc2 = file.cases.find((x) => x.name === 'ols-hc2')!.expected.terms[1];
    expect(relativeError(r.terms[0].stdError, hc2.std_error)).toBeLessThan(1e-10);
  });

  it('blocked DiM and Lin with block dummies give the same estimate and HC2 SE', () => {
    const file = loadGolden('blocks.json');
    const y = numeric(file, 'y');
    const z = numeric(file, 'z');
    const b = file.data.b as string[];
    const dim = ok(differenceInMeans({ outcome: y, treatment: z, blocks: b }));
    const lin = ok(
      lmLin({ outcome: y, treatment: z, covariates: [{ name: 'b', kind: 'factor', values: b }] }),
    );
    expect(dim.design).toBe('Blocked');
    expect(dim.nBlocks).toBe(12);
    expect(relativeError(lin.terms[1].estimate, dim.terms[0].estimate)).toBeLessThan(1e-10);
    expect(relativeError(lin.terms[1].stdError, dim.terms[0].stdError)).toBeLessThan(1e-10);
  });

  it('blocked DiM and block fixed effects are different estimands and are not equated (mtcars)', () => {
    const file = loadGolden('mtcars.json');
    const blocked = ok(
      runCase(
        file,
        file.cases.find((c) => c.name === 'blocked-dim-cyl')!,
      ),
    ).terms[0];
    const fe = ok(
      runCase(
        file,
        file.cases.find((c) => c.name === 'fixed-effects-am-cyl-hc2')!,
      ),
    ).terms[0];
    expect(blocked.estimate).toBeCloseTo(2.2473958, 6);
    expect(fe.estimate).toBeCloseTo(2.559954, 6);
    expect(Math.abs(blocked.estimate - fe.estimate)).toBeGreaterThan(0.3);
    expect(
      ok(
        runCase(
          file,
          file.cases.find((c) => c.name === 'fixed-effects-am-cyl-hc2')!,
        ),
      ).design,
    ).toBe('OLS with absorbed fixed effects');
  });

  it('drops a block without treatment variation, warns, and then agrees with estimatr on the rest', () => {
    const file = loadGolden('blocks.json');
    const extra = file.extra_block_without_variation as { y: number[]; z: number[]; b: string[] };
    const y = [...numeric(file, 'y'), ...extra.y];
    const z = [...numeric(file, 'z'), ...extra.z];
    const b = [...(file.data.b as string[]), ...extra.b];
    const r = ok(differenceInMeans({ outcome: y, treatment: z, blocks: b, treatmentName: 'z' }));
    const e = file.cases.find((c) => c.name === 'blocked-dim')!.expected;
    expect(r.warnings.map((w) => w.code)).toEqual(['blocks-dropped-no-variation']);
    expect(r.warnings[0].message).toContain('"B13"');
    expect(r.warnings[0].details).toEqual({ blocks: ['B13'], units: 9 });
    expect(r.n).toBe(e.nobs);
    expect(r.nBlocks).toBe(12);
    expect(relativeError(r.terms[0].stdError, e.terms[0].std_error)).toBeLessThan(1e-8);
    expect(r.terms[0].df).toBe(e.terms[0].df);
  });
});

describe('differenceInMeans: refusals and caller mistakes', () => {
  const y = [1, 2, 3, 4, 5, 6, 7, 8];
  const z = [0, 1, 0, 1, 0, 1, 0, 1];

  it('refuses empty data', () => {
    expect(refusal(differenceInMeans({ outcome: [], treatment: [] })).code).toBe('empty-data');
  });

  it('refuses when nobody (or everybody) is treated', () => {
    const r = refusal(differenceInMeans({ outcome: y, treatment: y.map(() => 1) }));
    expect(r.code).toBe('no-treatment-variation');
    expect(r.message).toMatch(/same treatment/);
  });

  it('refuses a single cluster', () => {
    const r = refusal(differenceInMeans({ outcome: y, treatment: z, clusters: y.map(() => 'hh1') }));
    expect(r.code).toBe('single-cluster');
  });

  it('refuses a cluster whose units have different treatments', () => {
    const r = refusal(differenceInMeans({ outcome: y, treatment: z, clusters: [1, 1, 2, 2, 3, 3, 4, 4] }));
    expect(r.code).toBe('treatment-varies-within-cluster');
    expect(r.message).toContain('"1"');
  });

  it('refuses a cluster spread over two blocks', () => {
    const r = refusal(
      differenceInMeans({
        outcome: y,
        treatment: [0, 0, 1, 1, 0, 0, 1, 1],
        clusters: [1, 1, 2, 2, 3, 3, 4, 4],
        blocks: ['a', 'b', 'a', 'a', 'b', 'b', 'b', 'b'],
      }),
    );
    expect(r.code).toBe('cluster-spans-blocks');
  });

  it('drops a block with a single unit (no treatment variation in it) with a warning naming it', () => {
    const r = ok(
      differenceInMeans({
        outcome: [...y, 9],
        treatment: [...z, 1],
        blocks: [...y.map(() => 'a'), 'lonely'],
      }),
    );
    const alone = ok(differenceInMeans({ outcome: y, treatment: z, blocks: y.map(() => 'a') }));
    expect(r.n).toBe(8);
    expect(r.terms[0].estimate).toBe(alone.terms[0].estimate);
    expect(r.terms[0].stdError).toBe(alone.terms[0].stdError);
    expect(r.warnings.map((w) => w.code)).toEqual(['blocks-dropped-no-variation']);
    expect(r.warnings[0].message).toContain('"lonely"');
  });

  it('drops a block with a single cluster (no treatment variation), as without clusters', () => {
    const r = ok(
      differenceInMeans({
        outcome: [...y, 9],
        treatment: [...z, 1],
        clusters: [...y.map((_, i) => i), 99],
        blocks: [...y.map(() => 'a'), 'lonely'],
      }),
    );
    expect(r.n).toBe(8);
    expect(r.warnings.map((w) => w.code)).toEqual(['blocks-dropped-no-variation']);
    expect(r.warnings[0].message).toContain('"lonely"');
  });

  it('a single non-paired block with a single treated unit: the small-block deviation rule', () => {
    const r = ok(
      differenceInMeans({
        outcome: y,
        treatment: [0, 0, 0, 1, 0, 1, 0, 1],
        blocks: ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'],
      }),
    );
    expect(r.design).toBe('Blocked (small-block deviation)');
    expect(r.warnings[0].details).toEqual({ blocks: ['a'] });
  });

  it('refuses Welch with a single treated unit', () => {
    expect(refusal(differenceInMeans({ outcome: y, treatment: [1, 0, 0, 0, 0, 0, 0, 0] })).code).toBe(
      'too-few-observations',
    );
  });

  it('throws for caller mistakes: lengths, non-finite outcome, non-binary treatment, alpha', () => {
    expect(() => differenceInMeans({ outcome: y, treatment: z.slice(1) })).toThrow(RangeError);
    expect(() => differenceInMeans({ outcome: [...y.slice(1), Number.NaN], treatment: z })).toThrow(
      /outcome\[7\] is not a finite number/,
    );
    expect(() => differenceInMeans({ outcome: y, treatment: z.map((v) => v * 2) })).toThrow(/must be 0 or 1/);
    expect(() => differenceInMeans({ outcome: y, treatment: z, alpha: 1.5 })).toThrow(RangeError);
  });

  it('uses the matched-pairs variance for all blocks when pairs are mixed with larger blocks, with a warning', () => {
    const file = loadGolden('sleep.json');
    const id = Array.from(numeric(file, 'ID'), (v) => Math.max(v, 2));
    const r = ok(
      differenceInMeans({ outcome: numeric(file, 'extra'), treatment: numeric(file, 'Z'), blocks: id }),
    );
    expect(r.design).toBe('Matched-pair');
    expect(r.warnings.map((w) => w.code)).toEqual(['mixed-pairs-and-blocks']);
    expect(r.terms[0].df).toBe(8);
    const mixed = file.cases.find((c) => c.name === 'mixed-pairs')!;
    expect(Array.from(numeric(file, 'ID_mixed'))).toEqual(id);
    expect(relativeError(r.terms[0].estimate, mixed.expected.terms[0].estimate)).toBeLessThan(1e-12);
    expect(relativeError(r.terms[0].stdError, mixed.expected.terms[0].std_error)).toBeLessThan(1e-8);
  });

  it('warns when the df is not positive (a single pair: df = B − 1 = 0) and gives NaN inference', () => {
    const r = ok(differenceInMeans({ outcome: [1, 3], treatment: [0, 1], blocks: ['p1', 'p1'] }));
    expect(r.design).toBe('Matched-pair');
    expect(r.terms[0].estimate).toBe(2);
    expect(r.terms[0].df).toBeNaN();
    expect(r.terms[0].pValue).toBeNaN();
    expect(r.warnings.map((w) => w.code)).toEqual(['nonpositive-df']);
  });
});
