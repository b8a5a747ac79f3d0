/**
 * Pilot's one CSV reader (RFC 4180), used for every CSV the project reads: plain import files,
 * OneRoster entries, `pilot estimate` data and synthetic district lists. The rules, everywhere:
 *
 * - fields are separated by `,`; a record ends at CRLF, LF or a lone CR;
 * - a field that starts with `"` is quoted: it runs to the next lone `"` (`""` is one quote) and may
 *   hold commas and line breaks; text between its closing quote and the next separator is kept
 *   literally, and so is a `"` inside an unquoted field (as most exporters and readers do);
 * - blank lines are skipped;
 * - each record carries the physical line it starts on (line 1 is the first line of the file),
 *   counting the line breaks inside quoted fields, so problems can name file:line:column;
 * - a quote left open at the end of the text is a syntax problem, reported at the line it opens on
 *   with the index of its field; nothing after it is read.
 *
 * The reader knows nothing of headers: callers check field counts against their header and name
 * columns. Pure: text in, records out; `readCsv` streams text chunks of any size with flat memory.
 */

/** One CSV record and the 1-based physical line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A syntax problem: the line it is on and the 0-based index of the field it is in. */
export interface CsvSyntaxProblem {
  line: number;
  field: number;
  reason: string;
}

export const UNCLOSED_QUOTE = 'a quoted field opens here and is never closed';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * An incremental reader: `push` text as it arrives and receive the records it completes; `end`
 * flushes the last record. After a syntax problem it returns nothing more.
 *
 * @example
 * const r = new CsvReader(); [...r.push('a,b\n1,"x'), ...r.push(',y"\n'), ...r.end()]
 * // => [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', 'x,y'] }]
 */
export class CsvReader {
  private carry = '';
  private line = 1;
  private failed: CsvSyntaxProblem | null = null;

  /** The syntax problem that stopped the reader, if any. */
  get problem(): CsvSyntaxProblem | null {
    return this.failed;
  }

  push(chunk: string): CsvRecord[] {
    return this.read(this.carry + chunk, false);
  }

  end(): CsvRecord[] {
    return this.read(this.carry, true);
  }

  private read(text: string, final: boolean): CsvRecord[] {
    this.carry = '';
    if (this.failed) return [];
    const out: CsvRecord[] = [];
    let start = 0;
    // Up to the last LF, a block without quotes or lone CRs is split on LF and comma directly.
    const cut = final ? text.length : text.lastIndexOf('\n') + 1;
    if (cut > 0 && plain(text, cut)) {
      this.splitPlain(text.slice(0, cut), out);
      start = cut;
    }
    while (start < text.length) {
      const r = this.record(text, start, final);
      if (r === null) break;
      if (r.problem) {
        this.failed = r.problem;
        return out;
      }
      if (!r.blank) out.push({ line: this.line, fields: r.fields });
      this.line += r.lines;
      start = r.next;
    }
    this.carry = text.slice(start);
    return out;
  }

  private splitPlain(block: string, out: CsvRecord[]): void {
    const lines = block.split('\n');
    // a block ending in LF gives a last empty piece that is not a line
    const n = block.endsWith('\n') ? lines.length - 1 : lines.length;
    for (let i = 0; i < n; i++) {
      let l = lines[i];
      if (l.endsWith('\r')) l = l.slice(0, -1);
      if (l !== '') out.push({ line: this.line + i, fields: l.split(',') });
    }
    this.line += n;
  }

  /**
   * Reads the record starting at `i`. Returns null when the text ends before the record does (more
   * text may follow); `lines` is the number of line breaks it consumed, its terminator included.
   */
  private record(
    text: string,
    i: number,
    final: boolean,
  ):
    | { fields: string[]; next: number; lines: number; blank: boolean; problem?: undefined }
    | { problem: CsvSyntaxProblem }
    | null {
    const n = text.length;
    const fields: string[] = [];
    const blank = i < n && (text.charCodeAt(i) === LF || text.charCodeAt(i) === CR);
    let breaks = 0;
    for (;;) {
      let value: string;
      if (i < n && text.charCodeAt(i) === QUOTE) {
        let j = i + 1;
        let quoted = '';
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0 || (q === n - 1 && !final)) {
            if (!final) return null;
            return {
              problem: {
                line: this.line + breaks,
                field: fields.length,
                reason: UNCLOSED_QUOTE,
              },
            };
          }
          quoted += text.slice(j, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            quoted += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          break;
        }
        breaks += lineBreaks(quoted);
        const k = separator(text, j);
        value = k === j ? quoted : quoted + text.slice(j, k);
        i = k;
      } else {
        const k = separator(text, i);
        value = text.slice(i, k);
        i = k;
      }
      fields.push(value);
      if (i >= n) {
        if (!final) return null;
        return { fields, next: n, lines: breaks, blank: fields.length === 1 && value === '' };
      }
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= n && !final) return null;
        i += text.charCodeAt(i + 1) === LF ? 2 : 1;
      } else i += 1;
      return { fields, next: i, lines: breaks + 1, blank };
    }
  }
}

/** Index of the next comma, CR or LF at or after `i` (or the end of the text). */
function separator(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === LF || c === CR) return i;
    i++;
  }
  return n;
}

/** Line breaks in a field's text: CRLF, LF or a lone CR each count once. */
function lineBreaks(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === LF) count++;
    else if (c === CR && s.charCodeAt(i + 1) !== LF) count++;
  }
  return count;
}

/** True when text[0, end) holds no quote and no CR other than one before an LF. */
function plain(text: string, end: number): boolean {
  const q = text.indexOf('"');
  if (q >= 0 && q < end) return false;
  for (let r = text.indexOf('\r'); r >= 0 && r < end; r = text.indexOf('\r', r + 1)) {
    if (text.charCodeAt(r + 1) !== LF) return false;
  }
  return true;
}

/**
 * Reads CSV text streamed in chunks, yielding the records of each chunk as one batch (so memory stays
 * flat on multi-gigabyte files). A syntax problem goes to `onProblem` and ends the stream.
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  onProblem: (p: CsvSyntaxProblem) => void,
): AsyncGenerator<CsvRecord[]> {
  const reader = new CsvReader();
  for await (const chunk of text) {
    const records = reader.push(chunk);
    if (records.length) yield records;
    if (reader.problem) return onProblem(reader.problem);
  }
  const records = reader.end();
  if (records.length) yield records;
  if (reader.problem) onProblem(reader.problem);
}

/**
 * Reads a whole CSV text at once: its records and the syntax problem that stopped it, if any.
 *
 * @example parseCsvText('a,b\n1,"two\nlines"\n') // { records: [{ line: 1, … }, { line: 2, fields: ['1', 'two\nlines'] }], problem: null }
 */
export function parseCsvText(text: string): { records: CsvRecord[]; problem: CsvSyntaxProblem | null } {
  const reader = new CsvReader();
  const records = reader.push(text);
  for (const r of reader.end()) records.push(r);
  return { records, problem: reader.problem };
}
