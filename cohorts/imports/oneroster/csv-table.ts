import type { InputProblem } from '../../../errors.ts';

/** One CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export type CsvParseResult =
  { ok: true; header: string[]; records: CsvRecord[] } | { ok: false; problem: InputProblem };

/**
 * Parse RFC 4180 CSV text (comma separator, `"` quoting with `""` escapes, CRLF/LF/CR line ends),
 * keeping the line each record starts on so problems can name it. The first record is the header.
 * Blank lines are skipped. A record whose field count differs from the header's is refused, naming
 * the first missing column (or the count, when there are too many fields). A quote left open at the
 * end of the file is refused, naming the line it opened on. A `"` inside an unquoted field is kept
 * literally, as most exporters and readers do.
 *
 * @example parseCsv('a,b\n1,"x,y"\n', 'f.csv') // { ok: true, header: ['a','b'], records: [{ line: 2, cells: ['1','x,y'] }] }
 */
export function parseCsv(text: string, file: string): CsvParseResult {
  const rows: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const cells: string[] = [];
    let blank = true;
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === 34) {
        const openLine = line;
        let j = i + 1;
        let out = '';
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            return {
              ok: false,
              problem: {
                file,
                line: openLine,
                column: columnName(rows, cells.length),
                reason: 'a quoted field opens here and is never closed',
              },
            };
          }
          out += text.slice(j, q);
          if (text.charCodeAt(q + 1) === 34) {
            out += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          break;
        }
        line += countLineBreaks(out);
        // Anything between the closing quote and the next separator is kept literally.
        let k = j;
        while (k < n && !isSeparator(text.charCodeAt(k))) k++;
        value = out + text.slice(j, k);
        i = k;
        blank = false;
      } else {
        let k = i;
        while (k < n && !isSeparator(text.charCodeAt(k))) k++;
        value = text.slice(i, k);
        if (value !== '') blank = false;
        i = k;
      }
      cells.push(value);
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        blank = false;
        continue;
      }
      if (c === 13) i += text.charCodeAt(i + 1) === 10 ? 2 : 1;
      else if (c === 10) i++;
      line++;
      break;
    }
    if (blank && cells.length === 1) continue;
    if (rows.length > 0 && cells.length !== rows[0].cells.length) {
      return { ok: false, problem: raggedProblem(file, startLine, rows[0].cells, cells.length) };
    }
    rows.push({ line: startLine, cells });
  }
  if (rows.length === 0)
    return {
      ok: false,
      problem: {
        file,
        line: 1,
        column: null,
        reason: 'the file is empty; it must at least have a header line',
      },
    };
  const [head, ...records] = rows;
  return { ok: true, header: head.cells, records };
}

function isSeparator(c: number): boolean {
  return c === 44 || c === 10 || c === 13;
}

function countLineBreaks(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) count++;
  }
  return count;
}

function columnName(rows: CsvRecord[], index: number): string | null {
  return rows.length > 0 ? (rows[0].cells[index] ?? null) : null;
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
