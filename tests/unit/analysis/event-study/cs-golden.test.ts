/**
 * Callaway–Sant'Anna against did 2.5.1: every `callaway_santanna` case of
 * tests/fixtures/event-study/expected.json (copied from the shared fixtures with make.R and its
 * provenance), to 1e-8 relative (1e-10 absolute near zero).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import {
  callawaySantAnna,
  type CsOptions,
  type CsResult,
} from '../../../../analysis/event-study/callaway-santanna.ts';
import { FIXTURE_DIR, fixturePanel } from './fixture-panels.ts';

interface Case {
  case_id: string;
  dataset: string;
  cli_args: string[];
  estimator: string;
  output: 'att_gt' | 'aggte_dynamic' | 'aggte_dynamic_overall' | 'twfe_event_study';
  n_units: number;
  group?: number;
  time?: number;
  event_time: number | null;
  estimate: number;
  std_error: number | null;
  p_value: number | null;
  conf_low: number | null;
  conf_high: number | null;
}

const fixture = JSON.parse(readFileSync(new URL('expected.json', FIXTURE_DIR), 'utf8')) as {
  cases: Case[];
  packages: Record<string, string>;
};
const cases = fixture.cases.filter((c) => c.estimator === 'callaway_santanna');

function optionsOf(args: string[]): CsOptions {
  const value = (flag: string) => {
    const k = args.indexOf(flag);
    return k >= 0 ? args[k + 1] : undefined;
  };
  const options: CsOptions = {
    control: value('--control') as CsOptions['control'],
    basePeriod: value('--base-period') as CsOptions['basePeriod'],
    allowUnbalancedPanel: args.includes('--allow-unbalanced-panel'),
  };
  const window = value('--window');
  if (window) [options.minE, options.maxE] = window.split(',').map(Number);
  return options;
}

const fits = new Map<string, CsResult>();
function fitFor(c: Case): CsResult {
  const key = `${c.dataset} ${c.cli_args.join(' ')}`;
  if (!fits.has(key)) {
    const out = callawaySantAnna(fixturePanel(c.dataset), optionsOf(c.cli_args));
    if (!out.ok) throw new Error(out.refusal.message);
    fits.set(key, out.result);
  }
  return fits.get(key)!;
}

function expectClose(actual: number | null | undefined, expected: number | null, label: string): void {
  if (expected === null) {
    expect({ label, actual: actual ?? null }).toEqual({ label, actual: null });
    return;
  }
  expect(typeof actual).toBe('number');
  const tolerance = Math.max(1e-8 * Math.abs(expected), 1e-10);
  if (!(Math.abs((actual as number) - expected) <= tolerance)) {
    throw new Error(
      `${label}: expected ${expected}, got ${actual} (difference ${(actual as number) - expected})`,
    );
  }
}

describe(`Callaway–Sant'Anna matches did ${fixture.packages.did}`, () => {
  test('the fixture holds the did cases it promises', () => {
    expect(cases.length).toBe(336);
  });

  test.each(cases.map((c) => [c.case_id, c] as const))('%s', (_id, c) => {
    const fit = fitFor(c);
    expect(fit.nUnits).toBe(c.n_units);
    let row:
      | {
          estimate: number;
          stdError: number | null;
          pValue: number | null;
          confLow: number | null;
          confHigh: number | null;
        }
      | undefined;
    if (c.output === 'att_gt') row = fit.attGt.find((r) => r.group === c.group && r.time === c.time);
    else if (c.output === 'aggte_dynamic') row = fit.terms.find((t) => t.eventTime === c.event_time);
    else row = fit.overall;
    if (!row) throw new Error(`${c.case_id}: no such estimate in Pilot's result`);
    expectClose(row.estimate, c.estimate, 'estimate');
    expectClose(row.stdError, c.std_error, 'std_error');
    expectClose(row.pValue, c.p_value, 'p_value');
    expectClose(row.confLow, c.conf_low, 'conf_low');
    expectClose(row.confHigh, c.conf_high, 'conf_high');
  });

  test('Pilot estimates no cell that did does not report', () => {
    for (const key of new Set(cases.map((c) => `${c.dataset}|${c.cli_args.join(' ')}`))) {
      const some = cases.find((c) => `${c.dataset}|${c.cli_args.join(' ')}` === key)!;
      const fit = fitFor(some);
      const same = cases.filter((c) => `${c.dataset}|${c.cli_args.join(' ')}` === key);
      if (same.some((c) => c.output === 'att_gt'))
        expect(fit.attGt.length).toBe(same.filter((c) => c.output === 'att_gt').length);
      expect(fit.terms.length).toBe(same.filter((c) => c.output === 'aggte_dynamic').length);
    }
  });
});
