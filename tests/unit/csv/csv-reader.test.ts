import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CsvReader, parseCsvText, readCsv, UNCLOSED_QUOTE, type CsvRecord } from '../../../csv/csv-reader.ts';
import { csvLine, csvText } from '../../../csv/csv-writer.ts';

/** Feeds the text to a reader in pieces of `size` characters. */
function inPieces(text: string, size: number) {
  const reader = new CsvReader();
  const records: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) records.push(...reader.push(text.slice(i, i + size)));
  records.push(...reader.end());
  return { records, problem: reader.problem };
}

describe('the CSV reader', () => {
  it("reads quoted commas, escaped quotes and CRLF, keeping each record's line", () => {
    expect(parseCsvText('a,b,c\r\n1,"s1,s2","say ""hi"""\r\n2,,x\r\n')).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['1', 's1,s2', 'say "hi"'] },
        { line: 3, fields: ['2', '', 'x'] },
      ],
      problem: null,
    });
  });

  it('counts line breaks inside quoted fields (LF, CRLF, lone CR) so later lines stay true', () => {
    const { records } = parseCsvText('a,b\n1,"two\nlines"\n2,"x\r\ny\rz"\n3,w\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 4, 7]);
    expect(records[1].fields[1]).toBe('two\nlines');
    expect(records[2].fields[1]).toBe('x\r\ny\rz');
  });

  it('skips blank lines, accepts a missing final newline and lone-CR line ends', () => {
    expect(parseCsvText('a,b\n\n1,2\r\n\r\n3,4').records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
      { line: 5, fields: ['3', '4'] },
    ]);
    expect(parseCsvText('a,b\r1,2\r').records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  it('keeps a quote inside an unquoted field, and text after a closing quote, literally', () => {
    expect(parseCsvText('5" tall,"a"b,c\n').records[0].fields).toEqual(['5" tall', 'ab', 'c']);
  });

  it('reports a quote that never closes at the line it opens on, with its field, and reads no further', () => {
    expect(parseCsvText('a,b\n1,2\n3,"open\n4,5\n')).toEqual({
      records: [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
      problem: { line: 3, field: 1, reason: UNCLOSED_QUOTE },
    });
    expect(parseCsvText('a\n"x\ny",z,"w').problem).toEqual({ line: 3, field: 2, reason: UNCLOSED_QUOTE });
  });

  it('gives the same records however the text is cut into chunks', () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('', ',', '"', '""', '\n', '\r\n', '\r', 'a,b', 'x"y', ' NA '),
    );
    const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(table, fc.integer({ min: 1, max: 40 }), fc.boolean(), (rows, size, crlf) => {
        // a row of one empty field is written as an empty line, which the reader skips
        const kept = rows.filter((r) => !(r.length === 1 && r[0] === ''));
        let text = csvText(['h'], kept).slice(2);
        if (crlf) text = kept.map((r) => csvLine(r).replace(/\n$/, '\r\n')).join('');
        const { records, problem } = inPieces(text, size);
        expect(problem).toBeNull();
        expect(records.map((r) => r.fields)).toEqual(kept);
        // each record starts after the physical lines of the records before it
        let line = 1;
        kept.forEach((r, k) => {
          expect(records[k].line).toBe(line);
          line += 1 + r.reduce((s, f) => s + (f.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
        });
        expect(parseCsvText(text)).toEqual({ records, problem: null });
      }),
    );
  });

  it('streams: readCsv batches records per chunk and hands a syntax problem to its caller', async () => {
    async function* chunks() {
      yield 'a,b\n1,';
      yield '2\n3,"x';
    }
    const batches: CsvRecord[][] = [];
    const problems: unknown[] = [];
    for await (const b of readCsv(chunks(), (p) => problems.push(p))) batches.push(b);
    expect(batches).toEqual([[{ line: 1, fields: ['a', 'b'] }], [{ line: 2, fields: ['1', '2'] }]]);
    expect(problems).toEqual([{ line: 3, field: 1, reason: UNCLOSED_QUOTE }]);
  });
});
