import { describe, expect, it } from '@jest/globals';
import { twfeEventStudy } from '../../../../analysis/event-study/twfe-event-study.ts';
import { closeTo, DEV_SPEC, loadEventStudyGolden, readPanel } from './event-study-fixtures.ts';

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
