import { describe, it, expect } from '@jest/globals';
import { parseCsv } from '../../../../../cohorts/imports/oneroster/csv-table.ts';

describe('parseCsv', () => {
  it("reads quoted lists, escaped quotes and CRLF, keeping each record's line", () => {
    const r = parseCsv('a,b,c\r\n1,"s1,s2","say ""hi"""\r\n2,,x\r\n', 'f.csv');
    expect(r).toEqual({
      ok: true,
      header: ['a', 'b', 'c'],
      records: [
        { line: 2, cells: ['1', 's1,s2', 'say "hi"'] },
        { line: 3, cells: ['2', '', 'x'] },
      ],
    });
  });

  it('counts line breaks inside quoted fields so later lines stay true', () => {
    const r = parseCsv('a,b\n1,"two\nlines"\n2,z\n', 'f.csv');
    expect(r.ok && r.records.map((x) => x.line)).toEqual([2, 4]);
    expect(r.ok && r.records[0].cells[1]).toBe('two\nlines');
  });

  it('skips blank lines and accepts a missing final newline', () => {
    const r = parseCsv('a,b\n\n1,2\n\n3,4', 'f.csv');
    expect(r.ok && r.records).toEqual([
      { line: 3, cells: ['1', '2'] },
      { line: 5, cells: ['3', '4'] },
    ]);
  });

  it('refuses a ragged row with too few fields, naming the first missing column', () => {
    expect(parseCsv('a,b,c\n1,2,3\n4,5\n', 'f.csv')).toEqual({
      ok: false,
      problem: {
        file: 'f.csv',
        line: 3,
        column: 'c',
        reason: expect.stringContaining('2 fields but the header has 3'),
      },
    });
  });

  it('refuses a row with too many fields', () => {
    const r = parseCsv('a,b\n1,2,3\n', 'f.csv');
    expect(!r.ok && r.problem).toMatchObject({
      line: 2,
      column: null,
      reason: expect.stringContaining('unquoted comma'),
    });
  });

  it('refuses a quote that never closes, at the line it opens', () => {
    const r = parseCsv('a,b\n1,2\n3,"open\n4,5\n', 'f.csv');
    expect(!r.ok && r.problem).toEqual({
      file: 'f.csv',
      line: 3,
      column: 'b',
      reason: 'a quoted field opens here and is never closed',
    });
  });

  it('refuses an empty file', () => {
    expect(parseCsv('', 'f.csv')).toMatchObject({
      ok: false,
      problem: { line: 1, reason: expect.stringContaining('empty') },
    });
  });
});
