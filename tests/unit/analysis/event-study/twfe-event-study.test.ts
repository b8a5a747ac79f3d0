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
