import Papa from 'papaparse';
import type { InputProblem } from '../../errors.ts';
import { createLineDecoder, type DecodeOptions } from './text-decoding.ts';

/** One CSV record with the 1-based line it starts on (line 1 is the header). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Decodes a byte stream as UTF-8 (BOM dropped; Windows-1252 only when asked for), stopping at the
 * first undecodable byte and handing its file/line/column problem to onFailure.
 */
export async function* decodeStream(
  bytes: AsyncIterable<Uint8Array>,
  fileName: string,
  options: DecodeOptions,
  onFailure: (p: InputProblem) => void,
): AsyncGenerator<string> {
  const decoder = createLineDecoder(fileName, options);
  for await (const chunk of bytes) {
    const r = decoder.push(chunk);
    if (!r.ok) return onFailure(r.problem);
    if (r.text) yield r.text;
  }
  const r = decoder.end();
  if (!r.ok) return onFailure(r.problem);
  if (r.text) yield r.text;
}

/**
 * Parses CSV text (RFC 4180, by papaparse) into records carrying line numbers, one block of whole
 * lines at a time so memory stays flat on multi-gigabyte files. Fields may not contain line breaks
 * (OneRoster and SIS exports forbid them), which keeps line numbers exact; a record that opens a quote
 * it never closes on its line is reported through `onBadRecord` and skipped.
 */
export async function* csvRecords(
  text: AsyncIterable<string>,
  onBadRecord: (line: number, reason: string) => void,
): AsyncGenerator<CsvRecord[]> {
  let carry = '';
  let line = 1;
  const parseBlock = (block: string): CsvRecord[] => {
    const lines = block.split('\n');
    const out: CsvRecord[] = [];
    if (!block.includes('"')) {
      // No quoting anywhere in the block: RFC 4180 reduces to splitting on commas.
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i];
        if (l === '' || l === '\r') continue;
        out.push({ line: line + i, fields: stripCr(l.split(',')) });
      }
      line += lines.length;
      return out;
    }
    const parsed = Papa.parse<string[]>(block, { header: false, skipEmptyLines: false, newline: '\n' });
    if (parsed.errors.length === 0 && parsed.data.length === lines.length) {
      for (let i = 0; i < parsed.data.length; i++) {
        const fields = parsed.data[i];
        if (!(fields.length === 1 && fields[0] === '')) out.push({ line: line + i, fields: stripCr(fields) });
      }
    } else {
      // Something odd (an unbalanced quote): parse line by line to name the bad ones exactly.
      for (let i = 0; i < lines.length; i++) {
        if (lines[i] === '' || lines[i] === '\r') continue;
        const one = Papa.parse<string[]>(lines[i], { header: false, newline: '\n' });
        if (one.errors.length > 0 || one.data.length !== 1) {
          onBadRecord(line + i, `malformed CSV: ${one.errors[0]?.message ?? 'a quoted field spans lines'}`);
        } else out.push({ line: line + i, fields: stripCr(one.data[0]) });
      }
    }
    line += lines.length;
    return out;
  };
  for await (const chunk of text) {
    const s = carry + chunk;
    const cut = s.lastIndexOf('\n');
    if (cut < 0) {
      carry = s;
      continue;
    }
    carry = s.slice(cut + 1);
    const records = parseBlock(s.slice(0, cut));
    if (records.length) yield records;
  }
  if (carry !== '' && carry !== '\r') {
    const records = parseBlock(carry);
    if (records.length) yield records;
  }
}

function stripCr(fields: string[]): string[] {
  const last = fields.length - 1;
  if (last >= 0 && fields[last].endsWith('\r')) fields[last] = fields[last].slice(0, -1);
  return fields;
}
