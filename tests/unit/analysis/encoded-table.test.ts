/**
 * The analysis table read once (analysis/encoded-table.ts) gives exactly csvToColumns's columns, for
 * the whole table and for subsets of its rows, and so exactly the same fits.
 */
import { describe, expect, it } from '@jest/globals';
import seedrandom from 'seedrandom';
import { csvToColumns, physicalLines, rowLabels, type ColumnSpec } from '../../../analysis/csv-columns.ts';
import { encodedTable, numberColumn, tableColumns, withColumns } from '../../../analysis/encoded-table.ts';
import type { EstimationColumnsOutcome } from '../../../analysis/csv-columns.ts';

function table(seed: number): string[][] {
  const rng = seedrandom(`encoded-${seed}`);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)];
  const rows = [['block', 'cluster', 'treatment', 'received', 'x', 'g', 'district', 'y']];
  const n = 5 + Math.floor(rng() * 40);
  for (let i = 0; i < n; i++) {
    const z = rng() < 0.5 ? '1' : '0';
    rows.push([
      rng() < 0.05 ? 'NA' : pick(['b1', 'b2', ' b3', '10']),
      rng() < 0.05 ? '' : `c${Math.floor(rng() * 8)}`,
      rng() < 0.03 ? 'NA' : rng() < 0.1 ? (z === '1' ? 'TRUE' : 'false') : z,
      z === '1' ? pick(['0', '1', '1', 'NA']) : '0',
      rng() < 0.1 ? pick(['NA', '.', 'NaN', '']) : String(rng() - 0.5),
      rng() < 0.1 ? 'NA' : pick(['a', 'b', '7', '1e2']),
      pick(['0862667', '3824240', '0100002']),
      rng() < 0.1 ? 'NA' : String(Math.round(rng() * 20) / 4),
    ]);
  }
  // now and then a problem csvToColumns reports (located by line)
  if (rng() < 0.1) rows[1 + Math.floor(rng() * n)][7] = 'seven';
  if (rng() < 0.05) rows[1 + Math.floor(rng() * n)][4] = '1e400';
  if (rng() < 0.05) rows[1 + Math.floor(rng() * n)][3] = '2';
  return rows;
}

/** The outcome with label columns as labels (the encoded reader gives codes, csvToColumns labels). */
function plain(out: EstimationColumnsOutcome) {
  if (!out.ok) return out;
  const c = out.columns;
  return {
    ...c,
    blocks: c.blocks && rowLabels(c.blocks),
    clusters: c.clusters && rowLabels(c.clusters),
  };
}

const SPECS: ColumnSpec[] = [
  { outcome: 'y', treatment: 'treatment', blocks: 'block', clusters: 'cluster', covariates: ['x'] },
  { outcome: 'y', treatment: 'treatment', received: 'received', clusters: 'cluster', covariates: [] },
  { outcome: 'y', treatment: 'treatment', blocks: 'block', covariates: ['x', 'g', 'district'] },
  { outcome: 'x', treatment: 'treatment', covariates: ['y'] },
];

describe('tableColumns: csvToColumns without parsing again', () => {
  it('equals csvToColumns on random tables, whole and on random subsets of rows', () => {
    let compared = 0;
    for (let seed = 0; seed < 200; seed++) {
      const cells = table(seed);
      const lines = physicalLines(cells);
      const t = encodedTable(cells, lines);
      const rng = seedrandom(`subset-${seed}`);
      for (const spec of SPECS) {
        expect(plain(tableColumns(t, spec, 'a.csv'))).toEqual(
          plain(csvToColumns(cells, spec, 'a.csv', lines)),
        );
        const subset = Int32Array.from(Array.from({ length: t.rows }, (_, i) => i).filter(() => rng() < 0.6));
        const sub = [cells[0], ...Array.from(subset, (i) => cells[i + 1])];
        const subLines = [lines[0], ...Array.from(subset, (i) => lines[i + 1])];
        expect(plain(tableColumns(t, spec, 'a.csv', subset))).toEqual(
          plain(csvToColumns(sub, spec, 'a.csv', subLines)),
        );
        compared++;
      }
    }
    expect(compared).toBe(800);
  });

  it('gives label columns as codes in order of first appearance, as encodeFactor of the labels', () => {
    const cells = [
      ['y', 'z', 'b'],
      ['1', '0', 'q'],
      ['2', '1', 'p'],
      ['3', '1', 'q'],
      ['4', '0', 'p'],
    ];
    const t = encodedTable(cells, physicalLines(cells));
    const out = tableColumns(
      t,
      { outcome: 'y', treatment: 'z', blocks: 'b', covariates: [] },
      'a.csv',
      Int32Array.of(1, 2, 3),
    );
    if (!out.ok) throw new Error('unreadable');
    expect(out.columns.blocks).toEqual({ codes: Int32Array.of(0, 1, 0), levels: ['p', 'q'] });
  });

  it('reads a covariate named in asFactors by its text (leading zeros kept)', () => {
    const cells = [
      ['y', 'z', 'd'],
      ['1', '0', '0862667'],
      ['2', '1', '3824240'],
      ['3', '1', 'NA'],
    ];
    const t = encodedTable(cells, physicalLines(cells));
    const spec = { outcome: 'y', treatment: 'z', covariates: ['d'] };
    const out = tableColumns(t, spec, 'a.csv', null, new Set(['d']));
    if (!out.ok) throw new Error('unreadable');
    expect(out.columns.covariates[0]).toEqual({
      name: 'd',
      kind: 'factor',
      values: ['0862667', '3824240', null],
    });
    const numeric = tableColumns(t, spec, 'a.csv');
    if (!numeric.ok) throw new Error('unreadable');
    expect(numeric.columns.covariates[0].kind).toBe('numeric');
  });

  it('replaces columns by numbers as a table formats and reads them (−0 as 0, non-finite as NA)', () => {
    const cells = [
      ['y', 'z'],
      ['1', '0'],
      ['2', '1'],
      ['3', '1'],
      ['4', '0'],
    ];
    const t = encodedTable(cells, physicalLines(cells));
    const y = [0.1 + 0.2, -0, null, Infinity];
    const made = [
      ['y', 'z'],
      ...y.map((v, i) => [v === null || !Number.isFinite(v) ? 'NA' : String(v), cells[i + 1][1]]),
    ];
    const month = withColumns(t, new Map([['y', numberColumn(y)]]), () => made);
    const spec = { outcome: 'y', treatment: 'z', covariates: [] };
    const got = tableColumns(month, spec, 'a.csv');
    expect(got).toEqual(csvToColumns(made, spec, 'a.csv', physicalLines(made)));
    if (!got.ok) throw new Error('unreadable');
    expect(Object.is(got.columns.outcome[1], 0)).toBe(true);
  });
});
