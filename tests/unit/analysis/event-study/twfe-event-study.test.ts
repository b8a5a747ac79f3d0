import { describe, expect, it } from '@jest/globals';
import { twfeEventStudy } from '../../../../analysis/event-study/twfe-event-study.ts';
import { readFileSync } from 'node:fs';
import { closeTo, DEV_SPEC, fixtureUrl, loadEventStudyGolden, readPanel } from './event-study-fixtures.ts';

const golden = loadEventStudyGolden();
const twfeCases = golden.cases.filter((c) => c.output === 'twfe_event_study');

describe('twfeEventStudy against fixest 0.14.2', () => {
  const datasets = [...new Set(twfeCases.map((c) => c.file))];
  it.each(datasets)('%s: every coefficient, SE, df, p-value and interval to 1e-8', (file) => {
    const cases = twfeCases.filter((c) => c.file === file);
    const out = twfeEventStudy(readPanel(`event-study/${file}`, DEV_SPEC));
    if (!out.ok) throw new Error(out.refusal.message);
    const r = out.result;
    expect(r.nObs).toBe(cases[0].nobs);
    expect(r.nClusters).toBe(cases[0].n_clusters);
    expect(r.smallSampleK).toBe(cases[0].k_small_sample);
    expect(r.terms.map((t) => t.eventTime)).toEqual(cases.map((c) => c.event_time));
    expect([...r.referenceEventTimes].sort((a, b) => a - b)).toEqual(
      cases[0].reference_levels!.filter((x) => x !== -1000).sort((a, b) => a - b),
    );
    for (const c of cases) {
      const t = r.terms.find((x) => x.eventTime === c.event_time)!;
      const pairs: [string, number, number | null][] = [
        ['estimate', t.estimate, c.estimate],
        ['std_error', t.stdError, c.std_error],
        ['df', t.df, c.df],
        ['p_value', t.pValue, c.p_value],
        ['conf_low', t.confLow, c.conf_low],
        ['conf_high', t.confHigh, c.conf_high],
      ];
      for (const [what, actual, expected] of pairs) {
        if (!closeTo(actual, expected!)) throw new Error(`${c.case_id} ${what}: ${actual} vs ${expected}`);
      }
    }
    const removed = cases[0].collinear_removed ?? [];
    const warned = r.warnings.find((w) => w.code === 'collinear-terms-dropped');
    expect(warned?.details?.event_times ?? []).toEqual(removed.map((s) => Number(s.replace('rel::', ''))));
  });
});

describe('twfeEventStudy with CR2 against estimatr 1.0.0 (cross-checked with clubSandwich)', () => {
  const cr2 = JSON.parse(readFileSync(fixtureUrl('event-study/twfe-cr2.json'), 'utf8')) as {
    cases: {
      file: string;
      event_time: number;
      estimate: number;
      std_error: number;
      df: number;
      p_value: number;
      conf_low: number;
      conf_high: number;
    }[];
  };
  const files = [...new Set(cr2.cases.map((c) => c.file))];
  it.each(files)('%s: estimates, CR2 SEs, Satterthwaite df, p-values and intervals to 1e-8', (file) => {
    const out = twfeEventStudy(readPanel(`event-study/${file}`, DEV_SPEC), { seType: 'CR2' });
    if (!out.ok) throw new Error(out.refusal.message);
    const cases = cr2.cases.filter((c) => c.file === file);
    expect(out.result.terms.map((t) => t.eventTime)).toEqual(cases.map((c) => c.event_time));
    for (const c of cases) {
      const t = out.result.terms.find((x) => x.eventTime === c.event_time)!;
      const pairs: [string, number, number][] = [
        ['estimate', t.estimate, c.estimate],
        ['std_error', t.stdError, c.std_error],
        ['df', t.df, c.df],
        ['p_value', t.pValue, c.p_value],
        ['conf_low', t.confLow, c.conf_low],
        ['conf_high', t.confHigh, c.conf_high],
      ];
      for (const [what, actual, expected] of pairs)
        if (!closeTo(actual, expected))
          throw new Error(`${file} e=${c.event_time} ${what}: ${actual} vs ${expected}`);
    }
  });
});

describe('twfeEventStudy joint pre-trend test against estimatr-based F (make-twfe-pretrend.R)', () => {
  const pretrend = JSON.parse(readFileSync(fixtureUrl('event-study/twfe-pretrend.json'), 'utf8')) as {
    cases: {
      file: string;
      se_type: 'CR1' | 'CR2';
      statistic: number;
      df1: number;
      df2: number;
      p_value: number;
    }[];
  };
  it.each(pretrend.cases.map((c) => [c.file, c.se_type, c] as const))('%s %s', (file, seType, c) => {
    const out = twfeEventStudy(readPanel(`event-study/${file}`, DEV_SPEC), { seType });
    if (!out.ok) throw new Error(out.refusal.message);
    const p = out.result.pretrend!;
    expect(p.df1).toBe(c.df1);
    expect(p.df2).toBe(c.df2);
    expect(closeTo(p.statistic, c.statistic)).toBe(true);
    expect(closeTo(p.pValue, c.p_value)).toBe(true);
  });
});

describe('twfeEventStudy options', () => {
  it('bins event times outside the window into its endpoints', () => {
    const panel = readPanel('event-study/data/dev01_dynamic.csv', DEV_SPEC);
    const out = twfeEventStudy(panel, { window: [-3, 4] });
    if (!out.ok) throw new Error(out.refusal.message);
    expect(out.result.terms.map((t) => t.eventTime)).toEqual([-3, -2, 0, 1, 2, 3, 4]);
    // months 1…12: cohorts 5 (139 units) and 8 (126) reach event time −3 or below, cohort 3 does not
    expect(out.result.terms[0].n).toBe(139 + 126);
    expect(out.result.pretrend!.df1).toBe(2);
  });

  it('clusters on a coarser variable (districts) with K counting the month effects only', () => {
    const panel = readPanel('event-study/data/dev01_dynamic.csv', { ...DEV_SPEC, cluster: 'district' });
    const out = twfeEventStudy(panel);
    if (!out.ok) throw new Error(out.refusal.message);
    expect(out.result.nClusters).toBe(10);
    expect(out.result.terms[0].df).toBe(9);
    expect(out.result.smallSampleK).toBe(16 + 12);
  });
});

describe('twfeEventStudy uniform band', () => {
  it('has a sup-t critical value between the pointwise and the Bonferroni ones, reproducible from the generator', async () => {
    const { default: seedrandom } = await import('seedrandom');
    const panel = readPanel('event-study/data/dev01_dynamic.csv', DEV_SPEC);
    const a = twfeEventStudy(panel, { uniform: { draws: 2000, rng: seedrandom('band') } });
    const b = twfeEventStudy(panel, { uniform: { draws: 2000, rng: seedrandom('band') } });
    if (!a.ok || !b.ok) throw new Error('refused');
    const c = a.result.uniformCriticalValue!;
    const m = a.result.terms.length;
    const { tQuantileAt } = await import('../../../../analysis/distributions.ts');
    expect(c).toBeGreaterThan(tQuantileAt(0.975, 599));
    expect(c).toBeLessThan(tQuantileAt(1 - 0.025 / m, 599));
    expect(b.result.uniformCriticalValue).toBe(c);
    for (const t of a.result.terms) expect(t.uniformHigh! - t.estimate).toBeCloseTo(c * t.stdError, 12);
  });
});
