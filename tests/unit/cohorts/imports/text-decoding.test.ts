import { describe, it, expect } from '@jest/globals';
import iconv from 'iconv-lite';
import {
  decodeText,
  createLineDecoder,
  firstInvalidUtf8,
} from '../../../../cohorts/imports/text-decoding.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const cp1252 = (s: string): Uint8Array => new Uint8Array(iconv.encode(s, 'win1252'));

describe('decodeText', () => {
  it('passes valid UTF-8 through, accents included', () => {
    const r = decodeText(utf8('student_id,name\n1,José Núñez\n'), 'students.csv');
    expect(r).toEqual({ ok: true, text: 'student_id,name\n1,José Núñez\n', warnings: [] });
  });

  it('accepts and strips a UTF-8 byte-order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('a,b\n')]);
    const r = decodeText(bytes, 'x.csv');
    expect(r.ok && r.text).toBe('a,b\n');
  });

  it('refuses Windows-1252 bytes, naming line, column, the character and the fix', () => {
    const r = decodeText(cp1252('student_id,name\n1,Ann\n2,José\n'), 'students.csv');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.file).toBe('students.csv');
    expect(r.problem.line).toBe(3);
    expect(r.problem.column).toBe('character 6');
    expect(r.problem.reason).toContain('Windows-1252');
    expect(r.problem.reason).toContain('"é"');
    expect(r.problem.reason).toContain('UTF-8');
    expect(r.problem.reason).toContain('nothing was imported');
  });

  it('decodes Windows-1252 when asked explicitly, with a warning', () => {
    const r = decodeText(cp1252('name\nJosé\n'), 'c.csv', { encoding: 'windows-1252' });
    expect(r.ok && r.text).toBe('name\nJosé\n');
    expect(r.ok && r.warnings[0].reason).toContain('Windows-1252');
  });

  it('refuses UTF-16 with a byte-order mark, and UTF-16 without one', () => {
    const withBom = new Uint8Array([0xff, 0xfe, ...iconv.encode('a,b\n', 'utf16le')]);
    const r1 = decodeText(withBom, 'u.csv');
    expect(!r1.ok && r1.problem.reason).toContain('UTF-16');
    expect(!r1.ok && r1.problem.reason).toContain('FF FE');
    const r2 = decodeText(new Uint8Array(iconv.encode('a,b\n', 'utf16le')), 'u.csv');
    expect(!r2.ok && r2.problem.reason).toContain('UTF-16');
  });

  it('refuses a file cut inside a multi-byte character', () => {
    const bytes = utf8('x\nJosé');
    const r = decodeText(bytes.subarray(0, bytes.length - 1), 'cut.csv');
    expect(!r.ok && r.problem.line).toBe(2);
    expect(!r.ok && r.problem.column).toBe('character 4');
  });
});

describe('firstInvalidUtf8', () => {
  it('rejects overlongs and surrogates as the WHATWG decoder does', () => {
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(utf8('ok ✓ 😀'))).toBe(-1);
  });
});

describe('createLineDecoder', () => {
  function feed(bytes: Uint8Array, size: number) {
    const d = createLineDecoder('big.csv');
    let text = '';
    for (let i = 0; i < bytes.length; i += size) {
      const r = d.push(bytes.subarray(i, i + size));
      if (!r.ok) return r;
      text += r.text;
    }
    const r = d.end();
    if (!r.ok) return r;
    return { ok: true as const, text: text + r.text, lines: d.line };
  }

  it('reassembles characters split across every possible chunk boundary', () => {
    const source = '\ufeffid,name\n1,Zoë 😀\n2,Nguyễn\n';
    const bytes = utf8(source);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const r = feed(bytes, size);
      expect(r.ok && r.text).toBe(source.slice(1));
    }
  });

  it('reports a bad byte deep in the stream at its true line and column', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `s${i},2025-09-02,present`);
    rows[4321] = 's4321,2025-09-02,pr\u00e9sent';
    const bytes = cp1252(`student_id,date,category\n${rows.join('\n')}\n`);
    for (const size of [1000, 4096, 65536]) {
      const r = feed(bytes, size);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.problem.line).toBe(4323);
      expect(r.problem.column).toBe(`character ${'s4321,2025-09-02,pr'.length + 1}`);
      expect(r.problem.reason).toContain('"é"');
    }
  });

  it('refuses UTF-16 at the first chunk and a truncated character at the end', () => {
    const d = createLineDecoder('u.csv');
    const r = d.push(new Uint8Array([0xff, 0xfe, 0x61, 0x00]));
    expect(!r.ok && r.problem.reason).toContain('UTF-16');
    const bytes = utf8('a\nb\u00e9');
    const e = feed(bytes.subarray(0, bytes.length - 1), 2);
    expect(!e.ok && e.problem.line).toBe(2);
  });

  it('decodes Windows-1252 chunk by chunk when asked', () => {
    const d = createLineDecoder('w.csv', { encoding: 'windows-1252' });
    const a = d.push(cp1252('Jos'));
    const b = d.push(cp1252('é\n'));
    expect(a.ok && b.ok && a.text + b.text).toBe('José\n');
    expect(d.line).toBe(2);
  });
});
