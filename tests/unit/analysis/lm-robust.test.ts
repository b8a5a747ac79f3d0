import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { lmRobust } from '../../../analysis/lm-robust.ts';
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

const mtcars = loadGolden('mtcars.json');
const mpg = numeric(mtcars, 'mpg');
const hp = numeric(mtcars, 'hp');
const wt = numeric(mtcars, 'wt');
const cyl = numeric(mtcars, 'cyl');

describe('lmRobust: CR2 agrees with clubSandwich 0.5.8 (Satterthwaite df)', () => {
  it.each([
    ['households.json', 'cr2-households'],
    ['mtcars.json', 'clustered-cyl-cr2-two-regressors'],
    ['formula-clusters.json', 'clustered-dim'],
  ])('%s %s', (fileName, caseName) => {
    const file = loadGolden(fileName);
    const c = file.cases.find((x) => x.name === caseName)!;
    const r = ok(
      runCase(file, {
        ...c,
        args:
          c.args.estimator === 'difference_in_means'
            ? { estimator: 'lm_robust', outcome: 'Y', columns: ['Z'], se_type: 'CR2', clusters: 'cl' }
            : c.args,
      }),
    );
    for (const club of c.clubsandwich!) {
      const t = r.terms.find((x) => x.term === (club.term === '(Intercept)' ? '(Intercept)' : club.term))!;
      expect(relativeError(t.estimate, club.estimate)).toBeLessThan(1e-10);
      expect(relativeError(t.stdError, club.std_error)).toBeLessThan(1e-8);
      expect(relativeError(t.df, club.df)).toBeLessThan(1e-8);
    }
  });
});

describe('lmRobust: properties', () => {
  it('"stata" without clusters is HC1', () => {
    const a = ok(lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], seType: 'stata' }));
    const b = ok(lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], seType: 'HC1' }));
    expect(a.seType).toBe('HC1');
    expect(a.terms).toEqual(b.terms);
  });

  it('defaults to HC2, or CR2 with clusters', () => {
    expect(ok(lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }] })).seType).toBe('HC2');
    expect(ok(lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], clusters: cyl })).seType).toBe(
      'CR2',
    );
  });

  it('CR2 SE and df do not depend on the order of the rows', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 32, maxLength: 32 }), (keys) => {
        const order = Array.from({ length: 32 }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
        const pick = (x: Float64Array) => order.map((i) => x[i]);
        const base = ok(
          lmRobust({
            outcome: mpg,
            columns: [
              { name: 'hp', values: hp },
              { name: 'wt', values: wt },
            ],
            clusters: cyl,
          }),
        );
        const shuffled = ok(
          lmRobust({
            outcome: pick(mpg),
            columns: [
              { name: 'hp', values: pick(hp) },
              { name: 'wt', values: pick(wt) },
            ],
            clusters: pick(cyl),
          }),
        );
        base.terms.forEach((t, k) => {
          expect(relativeError(shuffled.terms[k].stdError, t.stdError)).toBeLessThan(1e-9);
          expect(relativeError(shuffled.terms[k].df, t.df)).toBeLessThan(1e-9);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('counts treated and control units of the designated treatment column', () => {
    const r = ok(
      lmRobust({ outcome: mpg, columns: [{ name: 'am', values: numeric(mtcars, 'am') }], treatment: 'am' }),
    );
    expect([r.nTreatment, r.nControl]).toEqual([13, 19]);
    expect(ok(lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }] })).nTreatment).toBeNull();
  });
});

describe('lmRobust: observations with leverage 1 (issue 10 item 4)', () => {
  // R: d <- data.frame(y = c(1,2,3,4,5,6,7.5), z = c(0,1,0,1,0,1,1), b = c("a","a","a","b","b","b","c"))
  //    lm_robust(y ~ z, fixed_effects = ~b, data = d, se_type = s)$std.error (estimatr 1.0.0, R 4.2.2)
  //    → HC2 0.65465367070797686, HC3 0.85714285714285698
  const input = {
    outcome: [1, 2, 3, 4, 5, 6, 7.5],
    columns: [{ name: 'z', values: [0, 1, 0, 1, 0, 1, 1] }],
    fixedEffects: ['a', 'a', 'a', 'b', 'b', 'b', 'c'],
  };

  it.each([
    ['HC2', 0.65465367070797686],
    ['HC3', 0.85714285714285698],
  ] as const)(
    "%s: warns and names the singleton fixed-effect level, and gives estimatr's value, not a silent NaN",
    (seType, se) => {
      const out = lmRobust({ ...input, seType });
      if (!out.ok) throw new Error(out.refusal.message);
      const warning = out.result.warnings.find((w) => w.code === 'leverage-one');
      expect(warning?.message).toContain('fixed-effect level "c"');
      expect(warning?.details).toMatchObject({ rows: [7], levels: ['c'] });
      expect(relativeError(out.result.terms[0].stdError, se)).toBeLessThan(1e-12);
    },
  );

  it('gives no warning for HC1, where leverage plays no part', () => {
    const out = lmRobust({ ...input, seType: 'HC1' });
    expect(out.ok && out.result.warnings).toEqual([]);
  });
});

describe('lmRobust: refusals and caller mistakes', () => {
  it('refuses perfectly collinear columns, naming them', () => {
    const r = refusal(
      lmRobust({
        outcome: mpg,
        columns: [
          { name: 'hp', values: hp },
          { name: 'hp_twice', values: hp.map((v) => 2 * v) },
          { name: 'wt', values: wt },
        ],
      }),
    );
    expect(r.code).toBe('collinear-columns');
    expect(r.details).toEqual({ columns: ['hp_twice'] });
    expect(r.message).toMatch(/hp_twice is a linear combination/);
  });

  it('refuses a covariate that is constant within the absorbed fixed effects', () => {
    const r = refusal(
      lmRobust({
        outcome: mpg,
        columns: [
          { name: 'hp', values: hp },
          { name: 'cyl_level', values: cyl },
        ],
        fixedEffects: cyl,
      }),
    );
    expect(r.code).toBe('collinear-columns');
    expect(r.message).toMatch(/fixed effects/);
  });

  it('refuses a constant column next to the intercept', () => {
    expect(
      refusal(lmRobust({ outcome: mpg, columns: [{ name: 'one', values: mpg.map(() => 3) }] })).details,
    ).toEqual({ columns: ['one'] });
  });

  it('refuses se types that do not fit the design', () => {
    expect(
      refusal(lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], seType: 'CR2' })).code,
    ).toBe('unsupported-se-type');
    const r = refusal(
      lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], seType: 'HC2', clusters: cyl }),
    );
    expect(r.message).toMatch(/CR0, CR2, stata/);
  });

  it('refuses a single cluster', () => {
    expect(
      refusal(lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], clusters: mpg.map(() => 1) }))
        .code,
    ).toBe('single-cluster');
  });

  it('refuses empty data and too few observations', () => {
    expect(refusal(lmRobust({ outcome: [], columns: [{ name: 'x', values: [] }] })).code).toBe('empty-data');
    expect(refusal(lmRobust({ outcome: [1, 2], columns: [{ name: 'x', values: [1, 2] }] })).code).toBe(
      'too-few-observations',
    );
  });

  it('throws for non-finite regressors and mismatched lengths', () => {
    expect(() =>
      lmRobust({
        outcome: mpg,
        columns: [{ name: 'hp', values: [...hp.slice(1), Number.POSITIVE_INFINITY] }],
      }),
    ).toThrow(/hp\[31\]/);
    expect(() => lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp.slice(1) }] })).toThrow(
      RangeError,
    );
    expect(() => lmRobust({ outcome: mpg, columns: [{ name: 'hp', values: hp }], treatment: 'zz' })).toThrow(
      /not one of the columns/,
    );
  });
});
