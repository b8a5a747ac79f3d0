import { describe, expect, it } from '@jest/globals';
import { panelFromCsv, type PanelCsvSpec } from '../../../../analysis/event-study/panel-csv.ts';
import { balancedPanel } from '../../../../analysis/event-study/panel-subset.ts';
import { panelFromRows, type PanelRow } from '../../../../analysis/event-study/panel.ts';
import { DEV_SPEC, readCsvCells } from './event-study-fixtures.ts';

const spec: PanelCsvSpec = { id: 'id', time: 't', cohort: 'g', outcome: 'y' };
const cells = (text: string) => text.split('\n').map((line) => line.split(','));

describe('panelFromCsv', () => {
  it('reads a panel: never treated as 0 or empty, missing outcomes dropped and counted, unbalanced units counted', () => {
    const out = panelFromCsv(
      cells('id,t,g,y\na,1,2,1\na,2,2,3\nb,1,,2\nb,2,,NA\nc,1,0,5\nc,2,0,6'),
      spec,
      'p.csv',
    );
    if (!out.ok) throw new Error(JSON.stringify(out.problems));
    expect(out.panel.ids).toEqual(['a', 'b', 'c']);
    expect(Array.from(out.panel.cohort)).toEqual([2, 0, 0]);
    expect(Array.from(out.panel.times)).toEqual([1, 2]);
    expect(out.summary).toEqual({
      rows: 6,
      droppedMissingOutcome: 1,
      units: 3,
      periods: 2,
      unbalancedUnits: 1,
      lateCohortUnits: 0,
    });
    const balanced = balancedPanel(out.panel);
    expect(balanced.dropped).toBe(1);
    expect(balanced.panel.ids).toEqual(['a', 'c']);
  });

  it('checks the header as the estimators do (csv-columns.ts): a missing column, a name given twice', () => {
    const out = panelFromCsv(cells('id,t,y,t\na,1,1,1'), spec, 'p.csv');
    expect(out).toEqual({
      ok: false,
      problems: [
        { file: 'p.csv', line: 1, column: 'g', reason: 'column "g" is not in the header (id, t, y, t)' },
        {
          file: 'p.csv',
          line: 1,
          column: 't',
          reason: 'column "t" appears more than once in the header (fields 2 and 4); rename one',
        },
      ],
    });
  });

  it('locates every problem by physical line and column, and reports them all', () => {
    const rows = [
      ['id', 't', 'g', 'y'],
      ['a', '1', '2', '1'],
      ['a\nx', '1', '2', '1'],
      ['b', 'x', '2', '1'],
      ['b', '2', '2.5', '1'],
      ['c', '1'],
    ];
    const out = panelFromCsv(rows, spec, 'p.csv');
    if (out.ok) throw new Error('accepted');
    expect(out.problems.map((p) => `${p.line}:${p.column}`)).toEqual(['5:t', '6:g', '7:null']);
    expect(out.problems[2].reason).toBe('expected 4 fields, found 2');
  });

  it('refuses a cohort before the first period and a subgroup that changes within a unit', () => {
    const early = panelFromCsv(cells('id,t,g,y\na,3,1,1\na,4,1,1'), spec, 'p.csv');
    expect(early.ok || early.problems[0].reason).toBe(
      'cohort 1 of unit "a" is before the first observed period (3)',
    );
    const by = panelFromCsv(cells('id,t,g,y,el\na,1,0,1,yes\na,2,0,1,no'), { ...spec, by: 'el' }, 'p.csv');
    expect(by.ok || `${by.problems[0].line}:${by.problems[0].column}`).toBe('3:el');
  });

  it('returns unit-level subgroups, clusters and baseline covariates', () => {
    const out = panelFromCsv(
      cells('id,t,g,y,el,hh,x\na,2,0,1,no,h1,7\na,1,0,1,no,h1,5\nb,1,2,1,yes,h2,9\nb,2,2,1,yes,h2,8'),
      { ...spec, by: 'el', cluster: 'hh', covariates: ['x'] },
      'p.csv',
    );
    if (!out.ok) throw new Error(JSON.stringify(out.problems));
    expect(out.groups).toEqual(['no', 'yes']);
    expect(Array.from(out.panel.cluster!)).toEqual([0, 1]);
    expect(Array.from(out.panel.covariates!.values[0])).toEqual([5, 9]);
  });
});

describe('panelFromCsv builds the same Panel as panel.ts panelFromRows', () => {
  it('on the unbalanced fixture, with clusters and a covariate', () => {
    const rows = readCsvCells('event-study/data/dev02_no_never_unbalanced.csv');
    const header = rows[0];
    const at = (name: string) => header.indexOf(name);
    const shuffled = [
      header,
      ...rows
        .slice(1)
        .filter((r) => r.length === header.length)
        .reverse(),
    ];
    const out = panelFromCsv(
      shuffled,
      { ...DEV_SPEC, cluster: 'district', covariates: ['absent_days'] },
      'dev02.csv',
    );
    if (!out.ok) throw new Error(JSON.stringify(out.problems));
    const panelRows: PanelRow[] = shuffled.slice(1).map((r) => ({
      id: r[at('student_id')],
      time: Number(r[at('month')]),
      y: Number(r[at('absent_days')]),
      cohort: Number(r[at('cohort')]),
      cluster: r[at('district')],
      covariates: [Number(r[at('absent_days')])],
    }));
    expect(out.panel).toEqual(panelFromRows(panelRows, ['absent_days']));
    expect(out.summary.unbalancedUnits).toBeGreaterThan(0);
  });
});
