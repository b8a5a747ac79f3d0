import { parseCsvText } from '../../../csv/csv-reader.ts';
import type { InputProblem } from '../../../errors.ts';

/** One row of a OneRoster CSV table and the 1-based line it starts on. */
export interface TableRow {
  line: number;
  cells: string[];
}

export type CsvParseResult =
  { ok: true; header: string[]; records: TableRow[] } | { ok: false; problem: InputProblem };

/**
 * Reads a OneRoster CSV entry with Pilot's one CSV reader (csv/csv-reader.ts: RFC 4180, quoted line
 * breaks, blank lines skipped, each record's line kept) and checks it is a table: the first record
 * is the header, and a record whose field count differs from the header's is refused, naming the
 * first missing column (or the count, when there are too many fields). A quote left open at the end
 * of the file is refused, naming the line and column it opened in.
 *
 * @example parseCsv('a,b\n1,"x,y"\n', 'f.csv') // { ok: true, header: ['a','b'], records: [{ line: 2, cells: ['1','x,y'] }] }
 */
export function parseCsv(text: string, file: string): CsvParseResult {
  const { records, problem } = parseCsvText(text);
  const header = records[0]?.fields;
  for (let k = 1; k < records.length; k++) {
    if (records[k].fields.length !== header.length)
      return { ok: false, problem: raggedProblem(file, records[k].line, header, records[k].fields.length) };
  }
  if (problem) {
    const column = header?.[problem.field] ?? null;
    return { ok: false, problem: { file, line: problem.line, column, reason: problem.reason } };
  }
  if (records.length === 0)
    return {
      ok: false,
      problem: {
        file,
        line: 1,
        column: null,
        reason: 'the file is empty; it must at least have a header line',
      },
    };
  return {
    ok: true,
    header,
    records: records.slice(1).map((r) => ({ line: r.line, cells: r.fields })),
  };
}

function raggedProblem(file: string, line: number, header: string[], count: number): InputProblem {
  if (count < header.length) {
    return {
      file,
      line,
      column: header[count],
      reason: `the row has ${count} fields but the header has ${header.length}: it ends before column '${header[count]}' (a missing comma, or a line break inside an unquoted field?)`,
    };
  }
  return {
    file,
    line,
    column: null,
    reason: `the row has ${count} fields but the header has ${header.length} (an unquoted comma inside a value?)`,
  };
}
