/**
 * The conditional 2×2 estimators against a brute-force base-R re-implementation of DRDID 1.2.3
 * (tests/fixtures/event-study/covariates/make-covariate-fixtures.R: propensity score by glm, outcome
 * regression by lm, influence functions written out): ATT and every entry of the influence
 * function to 1e-8 relative.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { conditionalAtt, twoByTwoPanel } from '../../../../analysis/event-study/doubly-robust.ts';
import { twoByTwoRc } from '../../../../analysis/event-study/doubly-robust-rc.ts';
import {
  unconditionalPanelAtt,
  unconditionalUnbalancedAtt,
} from '../../../../analysis/event-study/two-by-two.ts';

interface Fixture {
  cases: {
    seed: number;
    n: number;
    data: { x1: number[]; x2: number[]; D: number[]; dy: number[] };
    expected: Record<'dr' | 'ipw' | 'reg', { att: number; inf: number[] }>;
  }[];
  rc_cases: {
    seed: number;
    n: number;
    data: { x1: number[]; x2: number[]; D: number[]; post: number[]; y: number[] };
    expected: Record<'dr' | 'ipw' | 'reg', { att: number; inf: number[] }>;
  }[];
}

const fixture = JSON.parse(
  readFileSync(
    new URL('../../../fixtures/event-study/covariates/covariate-2x2.json', import.meta.url),
    'utf8',
  ),
) as Fixture;

const close = (actual: number, expected: number, scale: number) =>
  Math.abs(actual - expected) <= 1e-8 * Math.max(Math.abs(expected), 1e-2 * scale);

describe('conditional 2×2 DiD matches the base-R transcription of DRDID', () => {
  const cases = fixture.cases.flatMap((c) =>
    (['dr', 'ipw', 'reg'] as const).map((m) => [`seed ${c.seed}, n ${c.n}, ${m}`, c, m] as const),
  );
  test.each(cases)('%s', (_label, c, method) => {
    const n = c.n;
    const x = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      x[i * 3] = 1;
      x[i * 3 + 1] = c.data.x1[i];
      x[i * 3 + 2] = c.data.x2[i];
    }
    const out = twoByTwoPanel(Float64Array.from(c.data.dy), Uint8Array.from(c.data.D), x, 3, method);
    if (!out.ok) throw new Error(out.reason);
    const expected = c.expected[method];
    expect(close(out.fit.att, expected.att, 1)).toBe(true);
    const scale = Math.max(...expected.inf.map(Math.abs));
    const bad = expected.inf.filter((v, i) => !close(out.fit.inf[i], v, scale));
    expect(bad).toEqual([]);
    expect(out.fit.trimmed).toBe(0);
  });

  test('refuses a propensity score it cannot fit (perfect separation)', () => {
    const n = 20;
    const x = new Float64Array(n * 2);
    const d = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 2] = 1;
      x[i * 2 + 1] = i;
      d[i] = i >= 10 ? 1 : 0;
    }
    const out = twoByTwoPanel(
      Float64Array.from({ length: n }, (_, i) => i % 3),
      d,
      x,
      2,
      'dr',
    );
    expect(out.ok).toBe(false);
  });
});

describe('repeated cross sections (unbalanced panels) match the base-R transcription of DRDID', () => {
  const cases = fixture.rc_cases.flatMap((c) =>
    (['dr', 'ipw', 'reg'] as const).map((m) => [`seed ${c.seed}, n ${c.n}, ${m}`, c, m] as const),
  );
  test.each(cases)('%s', (_label, c, method) => {
    const n = c.n;
    const x = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      x[i * 3] = 1;
      x[i * 3 + 1] = c.data.x1[i];
      x[i * 3 + 2] = c.data.x2[i];
    }
    const out = twoByTwoRc(
      {
        y: Float64Array.from(c.data.y),
        post: Uint8Array.from(c.data.post),
        d: Uint8Array.from(c.data.D),
        x,
        k: 3,
      },
      method,
    );
    if (!out.ok) throw new Error(out.reason);
    const expected = c.expected[method];
    expect(close(out.att, expected.att, 1)).toBe(true);
    const scale = Math.max(...expected.inf.map(Math.abs));
    expect(expected.inf.filter((v, i) => !close(out.inf[i], v, scale))).toEqual([]);
  });

  test('with the intercept only, every method equals the closed-form unbalanced 2×2', () => {
    // 6 units × 3 periods with gaps; unit 5 is neither treated nor control
    const nan = Number.NaN;
    const y = Float64Array.from([1, 2, 4, 2, nan, 5, 3, 3, 7, nan, 1, 2, 0, 2, nan, 9, 9, 9]);
    const member = Uint8Array.from([1, 1, 2, 2, 2, 0]);
    const closed = unconditionalUnbalancedAtt(y, 3, member, 2, 0);
    for (const method of ['dr', 'ipw', 'reg'] as const) {
      const rc = conditionalAtt(y, 3, member, 2, 0, [], method, 'rc');
      expect(rc.att).toBeCloseTo(closed.att, 12);
      rc.inf.forEach((v, i) => expect(v).toBeCloseTo(closed.inf[i], 10));
    }
  });

  test('with the intercept only, the panel form of every method equals the closed-form panel 2×2', () => {
    const y = Float64Array.from([1, 2, 4, 2, 3, 5, 3, 3, 7, 0, 1, 2, 0, 2, 6, 9, 9, 9]);
    const member = Uint8Array.from([1, 1, 2, 2, 2, 0]);
    const closed = unconditionalPanelAtt(y, 3, member, 2, 0);
    for (const method of ['dr', 'ipw', 'reg'] as const) {
      const panel = conditionalAtt(y, 3, member, 2, 0, [], method, 'panel');
      expect(panel.att).toBeCloseTo(closed.att, 12);
      expect([panel.nTreated, panel.nControl]).toEqual([2, 3]);
      panel.inf.forEach((v, i) => expect(v).toBeCloseTo(closed.inf[i], 10));
    }
  });
});
