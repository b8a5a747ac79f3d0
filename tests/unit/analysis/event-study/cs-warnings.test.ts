/**
 * What Callaway–Sant'Anna tells the user about awkward panels: the no-never-treated fallback,
 * dropped units, small groups, cells with too few units, refusals, and caller mistakes.
 */
import { describe, expect, test } from '@jest/globals';
import { callawaySantAnna, type CsResult } from '../../../../analysis/event-study/callaway-santanna.ts';
import { panelFromRows, type PanelRow } from '../../../../analysis/event-study/panel.ts';
import { fixturePanel } from './fixture-panels.ts';
import { syntheticRows } from './synthetic-panels.ts';

function ok(out: ReturnType<typeof callawaySantAnna>): CsResult {
  if (!out.ok) throw new Error(out.refusal.message);
  return out.result;
}

const codes = (r: CsResult) => r.warnings.map((w) => w.code);
const base = syntheticRows({
  units: 120,
  periods: 6,
  cohorts: [0, 3, 4, 5],
  effect: () => 1,
  seed: 'cs-warnings',
});

describe('no never-treated group', () => {
  const panel = fixturePanel('dev02_no_never_unbalanced');

  test('never-treated controls fall back to not-yet-treated, said so, with the same numbers', () => {
    const asked = ok(callawaySantAnna(panel, { control: 'never' }));
    const notyet = ok(callawaySantAnna(panel, { control: 'notyet' }));
    expect(asked.control).toBe('notyet');
    const fallback = asked.warnings.filter((w) => w.code === 'no-never-treated-fallback');
    expect(fallback[0].message).toMatch(
      /no never-treated units: not-yet-treated units are used as controls instead/,
    );
    expect(fallback[1].message).toMatch(/last cohort \(first treated in 10\)/);
    expect(asked.attGt).toEqual(notyet.attGt);
    expect(asked.terms).toEqual(notyet.terms);
  });

  test('units missing a period are dropped and counted, as did does', () => {
    const r = ok(callawaySantAnna(panel, { control: 'notyet' }));
    const w = r.warnings.find((x) => x.code === 'unbalanced-units-dropped')!;
    expect(w.details).toEqual({ units: 160 });
    expect(w.message).toMatch(/^160 unit\(s\) are missing in some periods/);
    expect(r.nUnits).toBe(340);
    const kept = ok(callawaySantAnna(panel, { control: 'notyet', allowUnbalancedPanel: true }));
    expect(codes(kept)).not.toContain('unbalanced-units-dropped');
    expect(kept.nUnits).toBe(500);
  });
});

describe('units and cohorts did drops or flags', () => {
  test('units treated in the first period are dropped with a warning', () => {
    const rows: PanelRow[] = [
      ...base,
      ...[1, 2, 3, 4, 5, 6].flatMap((t) => [
        { id: 'always-a', time: t, y: 1, cohort: 1 },
        { id: 'always-b', time: t, y: 2, cohort: 1 },
      ]),
    ];
    const r = ok(callawaySantAnna(panelFromRows(rows)));
    expect(r.nUnits).toBe(120);
    expect(r.warnings.find((w) => w.code === 'always-treated-dropped')!.message).toBe(
      'Dropped 2 unit(s) already treated in the first period (1).',
    );
  });

  test('a cohort after the last period counts as never treated', () => {
    const rows = base.map((row) => (row.id === 'u0' || row.id === 'u1' ? { ...row, cohort: 9 } : row));
    const r = ok(callawaySantAnna(panelFromRows(rows)));
    expect(r.warnings.find((w) => w.code === 'cohort-after-last-period')!.details).toEqual({ units: 2 });
    expect(r.attGt.every((c) => c.group !== 9)).toBe(true);
  });

  test('a cohort with fewer than 5 units is named', () => {
    const rows: PanelRow[] = [
      ...base,
      ...[1, 2, 3, 4, 5, 6].flatMap((t) =>
        ['s1', 's2', 's3'].map((id, k) => ({ id, time: t, y: k + t, cohort: 6 })),
      ),
    ];
    const r = ok(callawaySantAnna(panelFromRows(rows)));
    const w = r.warnings.find((x) => x.code === 'small-group')!;
    expect(w.details).toEqual({ cohorts: [6], required: 5 });
    expect(w.message).toMatch(/fewer than 5 units.*cohort\(s\) 6/);
  });

  test('a cell without observed treated units is not estimated, named, and left out of the aggregations', () => {
    // cohort 4 is never observed in period 5 (unbalanced panel)
    const rows = base.filter((row) => !(row.cohort === 4 && row.time === 5));
    const r = ok(callawaySantAnna(panelFromRows(rows), { allowUnbalancedPanel: true }));
    const cell = r.attGt.find((c) => c.group === 4 && c.time === 5)!;
    expect(Number.isNaN(cell.estimate)).toBe(true);
    expect(cell.stdError).toBeNull();
    const w = r.warnings.find((x) => x.code === 'empty-cell')!;
    expect(w.message).toMatch(
      /Too few units: no treated or no comparison units observed for ATT\(g=4, t=5\)/,
    );
    expect(r.terms.every((t) => Number.isFinite(t.estimate))).toBe(true);
    expect(Number.isFinite(r.overall.estimate)).toBe(true);
  });
});

describe('refusals and caller mistakes', () => {
  test('refuses panels it cannot estimate, with a reason; covariates work on unbalanced panels', () => {
    const never = base.map((row) => ({ ...row, cohort: 0 }));
    expect(callawaySantAnna(panelFromRows(never))).toMatchObject({
      ok: false,
      refusal: { code: 'no-treated-units' },
    });
    const onePeriod = base.filter((row) => row.time === 1);
    expect(callawaySantAnna(panelFromRows(onePeriod))).toMatchObject({
      ok: false,
      refusal: { code: 'single-period' },
    });
    expect(callawaySantAnna(panelFromRows([]))).toMatchObject({ ok: false, refusal: { code: 'empty-data' } });
    const gappy = base.filter((row) => !(row.id === 'u5' && row.time === 2));
    const withCovariate = ok(callawaySantAnna(panelFromRows(gappy, ['x']), { allowUnbalancedPanel: true }));
    expect(withCovariate.nUnits).toBe(120);
    expect(withCovariate.estMethod).toBe('dr');
  });

  test('throws for malformed input', () => {
    const panel = panelFromRows(base);
    expect(() => callawaySantAnna({ ...panel, y: panel.y.subarray(1) })).toThrow(/one entry per observation/);
    expect(() => callawaySantAnna(panel, { alpha: 1.5 })).toThrow(/alpha/);
    expect(() => callawaySantAnna(panel, { bootstrap: { draws: 1, seed: 's' } })).toThrow(/draws/);
    expect(() => panelFromRows([...base, { ...base[0] }])).toThrow(/two rows for time 1/);
    expect(() => panelFromRows([...base, { ...base[0], time: 7, cohort: 5 }])).toThrow(
      /cohort of unit u0 changes/,
    );
    expect(() => panelFromRows([{ id: 'a', time: 1.5, y: 1, cohort: 0 }])).toThrow(/not an integer/);
  });
});

describe('JSON rendering (issue 12 item 7)', () => {
  test('snake_case, NaN as null, every field the issue lists', async () => {
    const { csResultJson } = await import('../../../../analysis/event-study/cs-json.ts');
    const rows = base.filter((row) => !(row.cohort === 4 && row.time === 5));
    const r = ok(
      callawaySantAnna(panelFromRows(rows), {
        allowUnbalancedPanel: true,
        basePeriod: 'universal',
        aggregate: 'group',
      }),
    );
    const json = JSON.parse(JSON.stringify(csResultJson(r)));
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'method',
        'control',
        'base_period',
        'n_units',
        'terms',
        'overall',
        'att_gt',
        'pretrend',
        'warnings',
      ]),
    );
    expect(Object.keys(json.terms[0])).toEqual([
      'event_time',
      'estimate',
      'std_error',
      'df',
      'p_value',
      'conf_low',
      'conf_high',
      'uniform_low',
      'uniform_high',
      'n',
    ]);
    expect(json.terms.find((t: { event_time: number }) => t.event_time === -1)).toMatchObject({
      estimate: 0,
      std_error: null,
    });
    expect(
      json.att_gt.find((c: { group: number; time: number }) => c.group === 4 && c.time === 5),
    ).toMatchObject({ estimate: null, std_error: null });
    expect(json.aggregation.terms.map((t: { group: number }) => t.group)).toEqual([3, 4, 5]);
    expect(json.pretrend).toMatchObject({ df2: null });
    expect(json.overall.estimate).toBeCloseTo(r.overall.estimate, 15);
  });
});
