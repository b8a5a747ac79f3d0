import iconv from 'iconv-lite';
import type { InputProblem } from '../../errors.ts';

/**
 * Decoding of import files. Pilot reads UTF-8 only, because a guessed encoding silently corrupts
 * names: a UTF-8 BOM is accepted and stripped; UTF-16 is refused; bytes that are not UTF-8 are
 * refused with their line and column, the character they would be in Windows-1252 (what Excel's
 * plain "CSV" writes on Windows), and the fix: re-save as "CSV UTF-8" and import again. Nothing is
 * imported from a refused file. A caller that knows a file is Windows-1252 passes
 * `{ encoding: 'windows-1252' }` explicitly.
 */

export type TextEncodingName = 'utf-8' | 'windows-1252';

export interface DecodeOptions {
  encoding?: TextEncodingName;
}

export type DecodeResult =
  { ok: true; text: string; warnings: InputProblem[] } | { ok: false; problem: InputProblem };

const RESAVE =
  'save the file as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)") and import it again; nothing was imported from it';

/** Length in bytes of a BOM to strip, or a problem for a UTF-16 file. */
function inspectStart(bytes: Uint8Array, fileName: string): number | InputProblem {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 3;
  const le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const be = bytes[0] === 0xfe && bytes[1] === 0xff;
  const bomless = bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0;
  if (le || be || bomless) {
    const how = le || be ? `its byte-order mark is ${le ? 'FF FE' : 'FE FF'}` : 'every other byte is zero';
    return {
      file: fileName,
      line: 1,
      column: null,
      reason: `the file is UTF-16 encoded (${how}), not UTF-8; ${RESAVE}`,
    };
  }
  return 0;
}

/**
 * Offset of the first byte that is not part of a well-formed UTF-8 sequence (WHATWG decoder
 * rules: no overlongs, no surrogates, nothing above U+10FFFF), or -1. With `allowTruncatedEnd`,
 * an incomplete sequence at the very end is not an error (the next chunk may complete it).
 */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, allowTruncatedEnd = false): number {
  const n = bytes.length;
  let i = start;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number,
      lo = 0x80,
      hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return allowTruncatedEnd ? -1 : i;
      const c = bytes[i + k];
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Where a byte offset falls: 1-based line and character column, counted in the valid prefix. */
function locate(
  bytes: Uint8Array,
  from: number,
  offset: number,
  line0: number,
  col0: number,
): { line: number; column: number } {
  let line = line0,
    lineStart = from;
  for (let i = from; i < offset; i++)
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  const prefix = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, column: (line === line0 ? col0 : 0) + prefix.length + 1 };
}

function invalidProblem(
  fileName: string,
  line: number,
  column: number,
  byte: number,
  context: Uint8Array,
): InputProblem {
  const hex = byte.toString(16).toUpperCase().padStart(2, '0');
  const asCp1252 = iconv.decode(Buffer.from([byte]), 'win1252');
  const looksCp1252 = byte >= 0x80 && asCp1252 !== '\ufffd' && ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(byte);
  const snippet = iconv
    .decode(Buffer.from(context), 'win1252')
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const why = looksCp1252
    ? `it looks like Windows-1252, where byte ${hex} is "${asCp1252}" ("${snippet}")`
    : `byte ${hex} cannot start or continue a UTF-8 character`;
  return {
    file: fileName,
    line,
    column: `character ${column}`,
    reason: `the file is not valid UTF-8 at line ${line}, character ${column}: ${why}; ${RESAVE}`,
  };
}

/** Up to 20 bytes either side of `offset`, cut at line ends, for the example in a message. */
function contextAround(bytes: Uint8Array, offset: number): Uint8Array {
  let a = offset,
    b = offset + 1;
  while (a > 0 && offset - a < 20 && bytes[a - 1] !== 0x0a) a--;
  while (b < bytes.length && b - offset < 20 && bytes[b] !== 0x0a && bytes[b] !== 0x0d) b++;
  return bytes.subarray(a, b);
}

/**
 * Decode a whole file held in memory (see the module comment for the rules).
 *
 * @example decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'a.csv') // { ok: true, text: 'a', warnings: [] }
 */
export function decodeText(bytes: Uint8Array, fileName: string, options: DecodeOptions = {}): DecodeResult {
  const start = inspectStart(bytes, fileName);
  if (typeof start !== 'number') return { ok: false, problem: start };
  if (options.encoding === 'windows-1252') {
    const body = bytes.subarray(start);
    const text = iconv.decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), 'win1252');
    return {
      ok: true,
      text,
      warnings: [{ file: fileName, line: 1, column: null, reason: 'decoded as Windows-1252, as requested' }],
    };
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
    return { ok: true, text, warnings: [] };
  } catch {
    const offset = firstInvalidUtf8(bytes, start);
    const at = offset < 0 ? bytes.length - 1 : offset;
    const { line, column } = locate(bytes, start, at, 1, 0);
    return {
      ok: false,
      problem: invalidProblem(fileName, line, column, bytes[at], contextAround(bytes, at)),
    };
  }
}

export type DecodeChunkResult = { ok: true; text: string } | { ok: false; problem: InputProblem };

/** A streaming decoder: feed it chunks in order; it keeps line and column across chunk boundaries. */
export interface LineDecoder {
  /** Decode the next chunk; the text may end inside a line (a multi-byte character split across chunks is held back). */
  push(chunk: Uint8Array): DecodeChunkResult;
  /** Flush at end of file; fails if the file ends inside a multi-byte character. */
  end(): DecodeChunkResult;
  /** Lines started so far (1-based), for progress and for locating later problems. */
  readonly line: number;
}

/**
 * A decoder for files too big to hold in memory (18 million attendance rows): same rules as
 * `decodeText`, applied chunk by chunk with a `fatal` TextDecoder, counting lines so a bad byte in
 * chunk 900 is reported at its true line and column.
 */
export function createLineDecoder(fileName: string, options: DecodeOptions = {}): LineDecoder {
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const cp1252 = options.encoding === 'windows-1252';
  let head: Uint8Array | null = new Uint8Array(0); // bytes held until the BOM check can run
  let pending: Uint8Array = new Uint8Array(0); // trailing bytes of an unfinished UTF-8 character
  let line = 1;
  let column = 0; // characters already seen on the current line
  let failed: InputProblem | null = null;

  const track = (text: string): void => {
    let nl = text.indexOf('\n');
    if (nl < 0) {
      column += text.length;
      return;
    }
    let last = nl;
    while (nl >= 0) {
      line++;
      last = nl;
      nl = text.indexOf('\n', nl + 1);
    }
    column = text.length - last - 1;
  };

  const fail = (bytes: Uint8Array, final: boolean): DecodeChunkResult => {
    const offset = firstInvalidUtf8(bytes, 0, !final);
    const at = offset < 0 ? bytes.length - 1 : offset;
    const where = locate(bytes, 0, at, line, column);
    failed = invalidProblem(fileName, where.line, where.column, bytes[at], contextAround(bytes, at));
    return { ok: false, problem: failed };
  };

  /** A NUL character: no text column can hold it (PostgreSQL refuses it), and no CSV export writes one. */
  const nul = (text: string): DecodeChunkResult | null => {
    const at = text.indexOf('\0');
    if (at < 0) return null;
    track(text.slice(0, at));
    failed = {
      file: fileName,
      line,
      column: `character ${column + 1}`,
      reason: `the file holds a NUL byte (00) at line ${line}, character ${column + 1}: it is not a text CSV export as written; export the file again`,
    };
    return { ok: false, problem: failed };
  };

  const decode = (chunk: Uint8Array, final: boolean): DecodeChunkResult => {
    if (failed) return { ok: false, problem: failed };
    if (cp1252) {
      const text = iconv.decode(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), 'win1252');
      const bad = nul(text);
      if (bad) return bad;
      track(text);
      return { ok: true, text };
    }
    let text: string;
    try {
      text = utf8.decode(chunk, { stream: !final });
    } catch {
      return fail(pending.length ? concat(pending, chunk) : chunk, final);
    }
    if (final) pending = new Uint8Array(0);
    else if (chunk.length >= 4) pending = chunk.slice(incompleteTailStart(chunk));
    else {
      const joined = concat(pending, chunk);
      pending = joined.slice(incompleteTailStart(joined));
    }
    const bad = nul(text);
    if (bad) return bad;
    track(text);
    return { ok: true, text };
  };

  return {
    push(chunk) {
      if (head !== null) {
        head = concat(head, chunk);
        if (head.length < 4) return { ok: true, text: '' };
        const start = inspectStart(head, fileName);
        if (typeof start !== 'number') {
          failed = start;
          return { ok: false, problem: start };
        }
        const rest = head.subarray(start);
        head = null;
        return decode(rest, false);
      }
      return decode(chunk, false);
    },
    end() {
      if (head !== null) {
        const start = inspectStart(head, fileName);
        if (typeof start !== 'number') {
          failed = start;
          return { ok: false, problem: start };
        }
        const rest = head.subarray(start);
        head = null;
        return decode(rest, true);
      }
      return decode(new Uint8Array(0), true);
    },
    get line() {
      return line;
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Start of an incomplete UTF-8 sequence at the end of `bytes` (its length if there is none). */
function incompleteTailStart(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return back < len ? n - back : n;
    }
  }
  return n;
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
