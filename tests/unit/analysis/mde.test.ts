import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { clusterMde, individualMde, mdeMultiplier } from '../../../analysis/mde.ts';

interface MdeCase {
  name: string;
  design: 'cluster' | 'individual';
  clusters?: number;
  cluster_size?: number;
  icc?: number;
  r2_cluster?: number;
  r2_individual?: number;
  n?: number;
  r2?: number;
  covariates?: number;
  treatment_share?: number;
  alpha?: number;
  power?: number;
  tails?: 1 | 2;
  distribution: 'normal' | 't';
  df?: number;
  multiplier: number;
  mde: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/design/mde.json', import.meta.url), 'utf8'),
) as { cases: MdeCase[] };
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('minimum detectable effect (golden from R qnorm/qt)', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options = {
      alpha: c.alpha,
      power: c.power,
      tails: c.tails,
      treatmentShare: c.treatment_share,
      distribution: c.distribution,
    };
    const r =
      c.design === 'cluster'
        ? clusterMde({
            clusters: c.clusters!,
            clusterSize: c.cluster_size!,
            icc: c.icc!,
            r2Cluster: c.r2_cluster,
            r2Individual: c.r2_individual,
            ...options,
          })
        : individualMde({ n: c.n!, r2: c.r2, covariates: c.covariates, ...options });
    expect(rel(r.multiplier, c.multiplier)).toBeLessThan(1e-8);
    expect(rel(r.mde, c.mde)).toBeLessThan(1e-8);
    if (c.df !== undefined) expect(r.df).toBe(c.df);
  });

  it('reproduces the published METHODS.md numbers', () => {
    expect(rel(mdeMultiplier(0.05, 0.8, 2, Infinity), 2.8015852)).toBeLessThan(1e-7);
    expect(rel(mdeMultiplier(0.05, 0.8, 2, 38), 2.8755769)).toBeLessThan(1e-7);
    expect(rel(clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05 }).mde, 0.21610376)).toBeLessThan(1e-7);
    expect(
      rel(clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05, distribution: 't' }).mde, 0.2218112),
    ).toBeLessThan(1e-6);
    expect(
      rel(
        clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05, r2Cluster: 0.5, r2Individual: 0.5 }).mde,
        0.15280843,
      ),
    ).toBeLessThan(1e-7);
    expect(rel(individualMde({ n: 41500 }).mde, 0.027504882)).toBeLessThan(1e-7);
  });

  it('scales with σ and shrinks with covariates and more clusters', () => {
    const base = clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05 });
    expect(clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05, sd: 4 }).mde).toBeCloseTo(
      4 * base.mde,
      12,
    );
    expect(clusterMde({ clusters: 80, clusterSize: 100, icc: 0.05 }).mde).toBeLessThan(base.mde);
    expect(clusterMde({ clusters: 40, clusterSize: 100, icc: 0.05, r2Cluster: 0.3 }).mde).toBeLessThan(
      base.mde,
    );
    // icc = 0 reduces to an individual design of J·n units
    expect(clusterMde({ clusters: 40, clusterSize: 100, icc: 0 }).mde).toBeCloseTo(
      individualMde({ n: 4000 }).mde,
      12,
    );
  });

  it('refuses impossible designs', () => {
    expect(() => individualMde({ n: 2 })).toThrow(RangeError);
    expect(() => individualMde({ n: 100, r2: 1 })).toThrow(/R²/);
    expect(() => clusterMde({ clusters: 40, clusterSize: 10, icc: 1.5 })).toThrow(/icc/);
    expect(() => clusterMde({ clusters: 40, clusterSize: 10, icc: 0.1, treatmentShare: 1 })).toThrow(
      /treatmentShare/,
    );
    expect(() => mdeMultiplier(0, 0.8, 2, Infinity)).toThrow(/alpha/);
    expect(() => individualMde({ n: 3, covariates: 1, distribution: 't' })).toThrow(/degrees of freedom/);
  });
});
