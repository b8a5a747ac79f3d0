import { describe, expect, it } from '@jest/globals';
import { ivRobust } from '../../../analysis/iv-robust.ts';
import { loadGolden, numeric, relativeError, runCase } from './golden-fixtures.ts';
import type { EstimateOutcome, EstimateResult } from '../../../analysis/types.ts';

function ok(out: EstimateOutcome): EstimateResult {
  if (!out.ok) throw new Error(`refused: ${out.refusal.message}`);
  return out.result;
}

describe('ivRobust', () => {
  const file = loadGolden('noncompliance.json');

  it('without covariates the CACE is the Wald ratio ITT_y / ITT_d', () => {
    const r = ok(
      runCase(
        file,
        file.cases.find((c) => c.name === 'iv-hc2')!,
      ),
    );
    const wald = file.wald as { ratio: number };
    expect(relativeError(r.terms[1].estimate, wald.ratio)).toBeLessThan(1e-12);
    expect(r.terms[1].term).toBe('received');
    expect(r.design).toBe('IV (2SLS)');
  });

  it.each([
    ['noncompliance.json', 'iv-hc2'],
    ['noncompliance.json', 'iv-classical'],
    ['noncompliance.json', 'iv-hc2-covariate'],
    ['households.json', 'iv-cr2-households'],
    ['households.json', 'iv-stata-households-covariate'],
  ])('%s %s: first-stage F as estimatr’s diagnostics', (fileName, caseName) => {
    const f = loadGolden(fileName);
    const c = f.cases.find((x) => x.name === caseName)!;
    const r = ok(runCase(f, c));
    const e = c.first_stage!;
    expect(relativeError(r.firstStage!.value, e.value)).toBeLessThan(1e-8);
    expect(r.firstStage!.numDf).toBe(e.num_df);
    expect(r.firstStage!.denDf).toBe(e.den_df);
    expect(relativeError(r.firstStage!.pValue, e.p_value)).toBeLessThan(1e-6);
    expect(r.warnings).toEqual([]);
  });

  it('warns about a weak instrument', () => {
    const n = 200;
    const z = Array.from({ length: n }, (_, i) => i % 2);
    const d = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const y = Array.from({ length: n }, (_, i) => (i * 37) % 11);
    const r = ok(ivRobust({ outcome: y, received: d, assignment: z }));
    expect(r.firstStage!.value).toBeLessThan(10);
    expect(r.warnings.map((w) => w.code)).toContain('weak-instrument');
  });

  it('refuses when assignment does not move receipt at all', () => {
    const z = [0, 1, 0, 1, 0, 1, 0, 1];
    const out = ivRobust({
      outcome: [1, 2, 3, 4, 5, 6, 7, 8],
      received: [1, 1, 0, 0, 1, 1, 0, 0],
      assignment: z,
    });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.refusal.code).toBe('collinear-columns');
  });

  it('refuses empty data and unsupported se types; throws on a non-binary assignment', () => {
    expect(ivRobust({ outcome: [], received: [], assignment: [] }).ok).toBe(false);
    const y = numeric(file, 'y');
    const out = ivRobust({
      outcome: y,
      received: numeric(file, 'received'),
      assignment: numeric(file, 'z'),
      seType: 'CR0',
    });
    expect(!out.ok && out.refusal.code).toBe('unsupported-se-type');
    expect(() => ivRobust({ outcome: [1, 2, 3], received: [0, 1, 1], assignment: [0, 2, 1] })).toThrow(
      /0 or 1/,
    );
  });
});
