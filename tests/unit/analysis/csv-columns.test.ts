import { describe, expect, it } from '@jest/globals';
import { csvToColumns, parseNumber } from '../../../analysis/csv-columns.ts';

const spec = { outcome: 'y', treatment: 'z', covariates: [] as string[] };

describe('csvToColumns', () => {
  it('reads typed columns and drops and counts rows with a missing outcome', () => {
    const rows = [
      ['id', 'y', 'z', 'x', 'g'],
      ['1', '1.5', '1', '0.2', 'a'],
      ['2', 'NA', '0', '0.1', 'b'],
      ['3', '', '1', '', 'b'],
      ['4', '-2e1', '0', 'NA', ''],
      [''],
    ];
    const r = csvToColumns(rows, { ...spec, covariates: ['x', 'g'] }, 'f.csv');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.columns.n).toBe(2);
    expect(Array.from(r.columns.outcome)).toEqual([1.5, -20]);
    expect(Array.from(r.columns.treatment)).toEqual([1, 0]);
    expect(r.columns.droppedMissingOutcome).toBe(2);
    expect(Array.from(r.columns.lines)).toEqual([2, 5]);
    const [x, g] = r.columns.covariates;
    expect(x.kind).toBe('numeric');
    expect(Array.from(x.values as Float64Array)).toEqual([0.2, NaN]);
    expect(g).toEqual({ name: 'g', kind: 'factor', values: ['a', null] });
  });

  it('accepts TRUE/FALSE treatments and keeps design columns as labels', () => {
    const rows = [
      ['y', 'z', 'b', 'h'],
      ['1', 'TRUE', 'x', '7'],
      ['2', 'false', 'y', '8'],
    ];
    const r = csvToColumns(rows, { ...spec, blocks: 'b', clusters: 'h' }, 'f.csv');
    if (!r.ok) throw new Error('expected columns');
    expect(Array.from(r.columns.treatment)).toEqual([1, 0]);
    expect(r.columns.blocks).toEqual(['x', 'y']);
    expect(r.columns.clusters).toEqual(['7', '8']);
  });

  it('locates a non-numeric outcome by file, physical line and column', () => {
    // the quoted field with a line break makes row 2 start on line 4
    const rows = [
      ['note', 'y', 'z'],
      ['two\nlines', '1', '1'],
      ['ok', 'abc', '0'],
    ];
    const r = csvToColumns(rows, spec, 'data/f.csv');
    expect(r).toEqual({
      ok: false,
      problems: [{ file: 'data/f.csv', line: 4, column: 'y', reason: 'outcome "abc" is not a number' }],
    });
  });

  it('reports a treatment that is not 0/1 and ragged rows by line and column', () => {
    const rows = [
      ['y', 'z', 'h'],
      ['1', '2', 'a'],
      ['1', '1', 'b'],
      ['1', '0'],
    ];
    const r = csvToColumns(rows, { ...spec, clusters: 'h' }, 'f.csv');
    if (r.ok) throw new Error('expected problems');
    expect(r.problems).toEqual([
      { file: 'f.csv', line: 4, column: null, reason: 'expected 3 fields, found 2' },
      {
        file: 'f.csv',
        line: 2,
        column: 'z',
        reason: 'treatment "2" must be 0 or 1 (name the arms of a multi-arm column with --condition1)',
      },
    ]);
  });

  it('drops and counts rows with a missing treatment, block, cluster or weight, as estimatr (issue 10 item 8)', () => {
    const rows = [
      ['y', 'z', 'b', 'h', 'w'],
      ['1', '1', 'B1', 'h1', '1'],
      ['2', '', 'B1', 'h2', '1'],
      ['3', '0', 'NA', 'h3', '1'],
      ['4', '1', 'B2', '', '1'],
      ['5', '0', 'B2', 'h5', ''],
      ['', '', 'B2', 'h6', '2'],
      ['7', '0', 'B2', 'h7', '0.5'],
    ];
    const r = csvToColumns(rows, { ...spec, blocks: 'b', clusters: 'h', weights: 'w' }, 'f.csv');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.columns.n).toBe(2);
    expect(Array.from(r.columns.lines)).toEqual([2, 8]);
    expect(Array.from(r.columns.weights!)).toEqual([1, 0.5]);
    expect(r.columns.droppedMissingOutcome).toBe(1);
    expect(r.columns.dropped).toEqual({
      rows: 5,
      byColumn: [
        { column: 'y', rows: 1 },
        { column: 'z', rows: 2 },
        { column: 'b', rows: 1 },
        { column: 'h', rows: 1 },
        { column: 'w', rows: 1 },
      ],
      firstLines: [3, 4, 5, 6, 7],
    });
  });

  it('refuses a number beyond double precision in the outcome or a covariate, and a negative weight (issue 10 item 3)', () => {
    const rows = [
      ['y', 'z', 'x', 'w'],
      ['1e400', '1', '1', '1'],
      ['2', '0', '-1e309', '1'],
      ['3', '1', '2', '-1'],
      ['4', '0', '3', '1'],
    ];
    const r = csvToColumns(rows, { ...spec, covariates: ['x'], weights: 'w' }, 'big.csv');
    if (r.ok) throw new Error('expected problems');
    expect(r.problems).toEqual([
      {
        file: 'big.csv',
        line: 2,
        column: 'y',
        reason: 'outcome "1e400" is beyond double precision (overflows to Infinity)',
      },
      {
        file: 'big.csv',
        line: 4,
        column: 'w',
        reason: 'weight -1 is negative; weights must be non-negative',
      },
      {
        file: 'big.csv',
        line: 3,
        column: 'x',
        reason: 'covariate "-1e309" is beyond double precision (overflows to -Infinity)',
      },
    ]);
  });

  it('reads a treatment column of arm names: reference first, --condition2 leaves other arms out', () => {
    const rows = [
      ['y', 'arm'],
      ['1', 'text'],
      ['2', 'control'],
      ['3', 'email'],
      ['4', 'control'],
      ['5', ''],
    ];
    const all = csvToColumns(rows, { ...spec, treatment: 'arm' }, 'a.csv');
    if (!all.ok) throw new Error(JSON.stringify(all.problems));
    expect(all.columns.arms).toEqual({
      labels: ['control', 'email', 'text'],
      codes: Int32Array.of(2, 0, 1, 0),
      rowsInOtherArms: 0,
    });
    expect(Array.from(all.columns.treatment)).toEqual([1, 0, 1, 0]);
    const two = csvToColumns(
      rows,
      { ...spec, treatment: 'arm', condition1: 'email', condition2: 'text' },
      'a.csv',
    );
    if (!two.ok) throw new Error(JSON.stringify(two.problems));
    expect(two.columns.arms).toEqual({
      labels: ['email', 'text'],
      codes: Int32Array.of(1, 0),
      rowsInOtherArms: 2,
    });
    expect(Array.from(two.columns.outcome)).toEqual([1, 3]);
  });

  it('refuses a header that names a column twice (issue 10 item 9)', () => {
    const rows = [
      ['y', 'z', 'y'],
      ['1', '1', '5'],
      ['2', '0', '6'],
    ];
    expect(csvToColumns(rows, spec, 'dup.csv')).toEqual({
      ok: false,
      problems: [
        {
          file: 'dup.csv',
          line: 1,
          column: 'y',
          reason: 'column "y" appears more than once in the header (fields 1 and 3); rename one',
        },
      ],
    });
  });

  it('refuses an empty file, a header without data, all-missing outcomes and absent columns', () => {
    expect(csvToColumns([], spec, 'e.csv')).toEqual({
      ok: false,
      problems: [{ file: 'e.csv', line: 1, column: null, reason: 'the file is empty' }],
    });
    expect(csvToColumns([['']], spec, 'e.csv')).toMatchObject({
      ok: false,
      problems: [{ reason: 'the file is empty' }],
    });
    expect(csvToColumns([['y', 'z']], spec, 'h.csv')).toMatchObject({
      ok: false,
      problems: [{ line: 1, column: 'y', reason: 'the file has no data rows' }],
    });
    expect(
      csvToColumns(
        [
          ['y', 'z'],
          ['NA', '1'],
          ['', '0'],
        ],
        spec,
        'm.csv',
      ),
    ).toMatchObject({
      ok: false,
      problems: [{ line: 3, reason: 'every row has a missing outcome or design variable' }],
    });
    expect(csvToColumns([['y', 'treat']], spec, 'c.csv')).toMatchObject({
      ok: false,
      problems: [{ line: 1, column: 'z', reason: 'column "z" is not in the header (y, treat)' }],
    });
  });

  it('parses numbers like R and treats the usual missing tokens as missing', () => {
    expect(parseNumber(' 2.5e1 ')).toBe(25);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('-3.')).toBe(-3);
    for (const missing of ['', 'NA', 'N/A', 'NaN', 'null', '.']) expect(parseNumber(missing)).toBeNaN();
    for (const bad of ['1,5', '12abc', '0x10', 'Inf', '--1']) expect(parseNumber(bad)).toBeUndefined();
  });
});
