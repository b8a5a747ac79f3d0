import fc from 'fast-check';
import { describe, expect, it } from '@jest/globals';
import {
  rowLabels,
  type ColumnSpec,
  type EstimationColumns,
  type LabelColumn,
} from '../../../analysis/csv-columns.ts';
import { readGeneral } from '../../../analysis/estimate-file.service.ts';
import {
  countLineFeeds,
  csvColumnsFromBytes,
  csvColumnsFromReader,
  readNumber,
} from '../../../analysis/csv-columns-bytes.ts';
import { encodeFactor } from '../../../analysis/factor-codes.ts';

// The byte reader of `pilot estimate` must give exactly what the general reader gives whenever it
// decides a file, and hand everything else over (null).
const general = (text: string, spec: ColumnSpec) => readGeneral('f.csv', text, spec);
const bytes = (text: string) => new TextEncoder().encode(text);
const spec: ColumnSpec = { outcome: 'y', treatment: 'z', blocks: 'b', clusters: 'hh', covariates: ['x'] };
const fixedEffectsSpec: ColumnSpec = { outcome: 'y', treatment: 'z', fixedEffects: 'hh', covariates: [] };

/**
 * The byte reader gives label columns as codes and levels: they must be exactly what encodeFactor
 * gives for the labels they stand for; the columns are returned with those labels, as the general
 * reader gives them.
 */
function withRowLabels(fast: EstimationColumns): EstimationColumns {
  const labels = (column: LabelColumn | null): LabelColumn | null => {
    if (column === null) return null;
    expect(Array.isArray(column)).toBe(false);
    const decoded = rowLabels(column);
    const encoded = encodeFactor(decoded);
    expect(Array.from(encoded.codes)).toEqual(Array.from(encodeFactor(column).codes));
    expect(encoded.levels).toEqual(encodeFactor(column).levels);
    return decoded;
  };
  return {
    ...fast,
    blocks: labels(fast.blocks),
    clusters: labels(fast.clusters),
    fixedEffects: labels(fast.fixedEffects),
  };
}

const numberCell = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom(
    '0',
    '-0',
    '+.5',
    '5.',
    '007',
    '1e-5',
    '2.5E+3',
    '123456789012345678',
    '0.1',
    '1e400',
    '1e-400',
  ),
  fc.constantFrom('', 'NA', ' 2', 'x', '.', '1,5', '"3"', '4 '),
);
const binaryCell = fc.oneof(fc.constantFrom('0', '1', '1.0', '0.0'), fc.constantFrom('2', 'TRUE', '', 'NA'));
const labelCell = fc.oneof(
  fc.constantFrom('a', 'b', 'block 1', 'é', '北', '0100005'),
  // IDs written as integers take the reader's direct-index path; leading zeros, signs and long ones do not
  fc.constantFrom('0', '7', '12', '00', '07', '+7', '-7', '12345678', '123456789', '99999999999'),
  fc.constantFrom(' a', 'a ', '', 'NA', 'null', '"q"'),
);

const rowArb = fc.record({
  y: numberCell,
  z: binaryCell,
  b: labelCell,
  hh: labelCell,
  x: numberCell,
  extra: labelCell,
});
const fileArb = fc.record({
  order: fc.shuffledSubarray(['y', 'z', 'b', 'hh', 'x', 'extra'], { minLength: 6, maxLength: 6 }),
  rows: fc.array(rowArb, { minLength: 1, maxLength: 12 }),
  crlf: fc.boolean(),
  finalBreak: fc.boolean(),
  blankLine: fc.boolean(),
  plain: fc.boolean(),
});

type File = typeof fileArb extends fc.Arbitrary<infer T> ? T : never;
type Row = File['rows'][number];

function render(f: File): string {
  const nl = f.crlf ? '\r\n' : '\n';
  const clean = (row: Row): Record<keyof Row, string> =>
    f.plain
      ? {
          ...row,
          y: /^[-+]?\d/.test(row.y) ? row.y : '1',
          z: row.z === '1' ? '1' : '0',
          b: 'a',
          hh: 'h1',
          x: '3',
        }
      : row;
  const lines = [
    f.order.join(','),
    ...f.rows.map((r: Row) => f.order.map((c: string) => clean(r)[c as keyof Row]).join(',')),
  ];
  if (f.blankLine && lines.length > 2) lines.splice(2, 0, '');
  return lines.join(nl) + (f.finalBreak ? nl : '');
}

describe('estimate CSV byte reader', () => {
  it('gives exactly the general reader’s columns whenever it decides a file', () => {
    let decided = 0;
    fc.assert(
      fc.property(fileArb, fc.boolean(), (f, absorbed) => {
        const text = render(f);
        const chosen = absorbed ? fixedEffectsSpec : spec;
        const fast = csvColumnsFromBytes(bytes(text), chosen);
        if (fast === null) return;
        decided++;
        const slow = general(text, chosen);
        expect(slow.ok).toBe(true);
        if (slow.ok) expect(withRowLabels(fast)).toEqual(slow.columns);
      }),
      { numRuns: 600 },
    );
    expect(decided).toBeGreaterThan(50);
  });

  it('decides a plain file and hands over quoted, blank-line, missing and non-numeric ones', () => {
    const plain = 'y,z,b,hh,x\n1.5,1,a,h1,0.25\n2,0,b,h2,-3e2\n';
    expect(withRowLabels(csvColumnsFromBytes(bytes(plain), spec)!)).toEqual(
      (general(plain, spec) as { columns: unknown }).columns,
    );
    for (const text of [
      'y,z,b,hh,x\n"1.5",1,a,h1,0.25\n',
      'y,z,b,hh,x\n1.5,1,a,h1,0.25\n\n2,0,b,h2,1\n',
      'y,z,b,hh,x\nNA,1,a,h1,0.25\n',
      'y,z,b,hh,x\n1.5,1,a,h1,high\n',
      'y,z,b,hh,x\n1.5,2,a,h1,1\n',
      'y,z,b,hh,x\n1e400,1,a,h1,1\n',
      'y,z,b,hh,x,y\n1,1,a,h1,1,2\n',
      'y,z,b,hh,x\n1,1,a,h1\n',
      'y,z,b,hh,x\n1,1,a,h1,1,9\n',
      'y,z,b,hh,x\n1,1,a,,1\n', // an empty label (missing)
      'y,z,b,hh,x\n1,1,a,NA,1\n',
      'y,z,b,hh,x\n1,1,a,h1,\n', // an empty number (missing)
      'y,z,b,hh,x\r\n1,1,a,h1,2\r\n\r\n3,0,b,h2,4\r\n', // a blank CRLF line
      'y,z,b,hh,x\n1,1,a,h1,2\r3,0,b,h2,4\n', // a lone CR
    ])
      expect(csvColumnsFromBytes(bytes(text), spec)).toBeNull();
  });

  it('reads numbers exactly as Number() does', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
          fc
            .tuple(
              fc.bigInt({ min: 0n, max: 10n ** 20n }),
              fc.integer({ min: 0, max: 20 }),
              fc.integer({ min: -30, max: 30 }),
            )
            .map(([m, point, e]) => {
              const digits = m.toString();
              const at = Math.min(point, digits.length);
              return `${digits.slice(0, at) || '0'}.${digits.slice(at)}e${e}`;
            }),
        ),
        (text) => {
          expect(Object.is(readNumber(bytes(text), 0, text.length), Number(text))).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('labels of the byte reader (many distinct values)', () => {
  it("gives the general reader's labels and the codes encodeFactor would compute, past every table growth", () => {
    // 5,000 households in shuffled order: integer IDs (direct index, grown past its first size) mixed with text labels sharing a hash bucket prefix, non-ASCII ones too
    const rows: string[] = ['y,z,b,hh,x'];
    for (let i = 0; i < 20_000; i++) {
      const h = (i * 7919) % 5000;
      rows.push(
        `${i % 13},${i % 2},${h % 7 === 0 ? 'é' : 'b'}${h % 3},${h % 11 === 0 ? `北${h}` : h % 2 === 0 ? `${h * 37}` : `H${h}`},${i % 5}`,
      );
    }
    const text = `${rows.join('\n')}\n`;
    const fast = csvColumnsFromBytes(bytes(text), spec);
    const slow = general(text, spec);
    expect(fast).not.toBeNull();
    if (!fast || !slow.ok) throw new Error('unreadable');
    // withRowLabels checks the codes against encodeFactor of the decoded labels
    expect(withRowLabels(fast)).toEqual(slow.columns);
    expect(encodeFactor(fast.clusters!).levels).toHaveLength(5000);
  });

  it('tells apart labels whose bytes hash alike (FNV-1a collisions), in CRLF files with or without a final line break', () => {
    // "costarring"/"liquid" and "altarage"/"zinke" have the same 32-bit FNV-1a hash
    const labels = ['costarring', 'liquid', 'altarage', 'zinke', '7', '12', '012', 'liquid', '7', 'zinke'];
    for (const [nl, end] of [
      ['\n', '\n'],
      ['\r\n', '\r\n'],
      ['\r\n', ''],
    ]) {
      const rows = labels.map((l, i) => `${i}.5,${i % 2},${labels[(i * 3) % labels.length]},${i},${l}`);
      const text = ['y,z,b,x,hh', ...rows].join(nl) + end;
      const fast = csvColumnsFromBytes(bytes(text), spec);
      const slow = general(text, spec);
      if (!fast || !slow.ok) throw new Error('unreadable');
      expect(withRowLabels(fast)).toEqual(slow.columns);
      expect(encodeFactor(fast.clusters!).levels).toEqual([
        'costarring',
        'liquid',
        'altarage',
        'zinke',
        '7',
        '12',
        '012',
      ]);
    }
  });

  it('takes integer labels at and beyond the direct index limit by their bytes', () => {
    // 3 rows: the limit is 4·3 + 1024 = 1036; 1035 is indexed directly, 1036 and 99999999 are hashed
    const text = 'y,z,b,hh,x\n1,1,1035,1036,1\n2,0,1036,99999999,2\n3,1,1035,1036,3\n';
    const fast = csvColumnsFromBytes(bytes(text), spec);
    const slow = general(text, spec);
    if (!fast || !slow.ok) throw new Error('unreadable');
    expect(withRowLabels(fast)).toEqual(slow.columns);
    expect(encodeFactor(fast.blocks!).levels).toEqual(['1035', '1036']);
  });
});

describe('the byte reader on a file, one buffer at a time', () => {
  /** The reader's columns (rows given as labels) on a file of `content`, with `chunk` bytes read at a time. */
  const fromFile = (content: Uint8Array, chosen: ColumnSpec, chunk: number) => {
    const read = (into: Uint8Array, at: number, count: number, position: number) => {
      const piece = content.subarray(position, position + count);
      into.set(piece, at);
      return piece.length;
    };
    const columns = csvColumnsFromReader(read, chosen, chunk);
    return columns && withRowLabels(columns);
  };
  const fromBytes = (content: Uint8Array, chosen: ColumnSpec) => {
    const columns = csvColumnsFromBytes(content, chosen);
    return columns && withRowLabels(columns);
  };
  const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
  const withBom = (content: Uint8Array) => {
    const out = new Uint8Array(content.length + 3);
    out.set(BOM);
    out.set(content, 3);
    return out;
  };

  it('gives exactly what the reader of the whole bytes gives, whatever the buffer size and wherever lines break', () => {
    let decided = 0;
    fc.assert(
      fc.property(
        fileArb,
        fc.boolean(),
        fc.integer({ min: 4, max: 80 }),
        fc.boolean(),
        (f, absorbed, chunk, bom) => {
          const content = bytes(render(f));
          const chosen = absorbed ? fixedEffectsSpec : spec;
          const whole = fromBytes(content, chosen);
          if (whole) decided++;
          expect(fromFile(bom ? withBom(content) : content, chosen, chunk)).toEqual(whole);
        },
      ),
      { numRuns: 400 },
    );
    expect(decided).toBeGreaterThan(30);
  });

  it('hands over quotes and lone CRs anywhere, also in the header and at a buffer edge', () => {
    for (const text of [
      'y,z,b,hh,"x"\n1.5,1,a,h1,0.25\n',
      'y,z,b\r,hh,x\n1.5,1,a,h1,0.25\n',
      'y,z,b,hh,x\n1.5,1,a,h1,0.25\r',
      'y,z,b,hh,x\n1.5,1,a,h1,2\r3,0,b,h2,4\n',
      'y,z,b,hh,x\n1.5,1,a,h1,0.25\n2,0,"b",h2,1\n',
    ])
      for (let chunk = 4; chunk <= text.length + 1; chunk++)
        expect(fromFile(bytes(text), spec, chunk)).toBeNull();
  });

  it('keeps labels apart across buffers (each label compared with a copy of its first bytes)', () => {
    const rows: string[] = ['y,z,b,hh,x'];
    for (let i = 0; i < 5_000; i++) {
      const h = (i * 7919) % 1500;
      rows.push(
        `${i % 13},${i % 2},${h % 7 === 0 ? 'é' : 'b'}${h % 3},${h % 11 === 0 ? `北${h}` : `H${h}`},${i % 5}`,
      );
    }
    // a header longer than the buffer, which grows to hold it
    const content = bytes(`${rows.join('\n')}\n`);
    for (const chunk of [7, 64, 1000, 1 << 20]) {
      const file = fromFile(content, spec, chunk);
      expect(file).not.toBeNull();
      expect(file).toEqual(fromBytes(content, spec));
    }
  });

  it('reads rows longer than its buffer, and a last row without a line feed', () => {
    const long = 'x'.repeat(300);
    const text = `y,z,b,hh,x,${long}\n1.5,1,a,h1,0.25,${long}\n2,0,b,h2,1,${long}`;
    const file = fromFile(bytes(text), spec, 16);
    expect(file).not.toBeNull();
    expect(file).toEqual(fromBytes(bytes(text), spec));
    expect(file!.n).toBe(2);
  });
});

describe('countLineFeeds', () => {
  it('counts the line feeds of any bytes at any offset, as a byte-by-byte loop does', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.constantFrom(0x0a, 0x0b, 0x09, 0x8a, 0x0a0a), { maxLength: 40 }),
        fc.nat(7),
        (noise, feeds, offset) => {
          // line feeds and their near neighbours (bytes one bit away) mixed into random bytes
          const mixed = [...noise, ...feeds.flatMap((b) => (b > 0xff ? [0x0a, 0x0a] : [b]))].sort(
            (a, b) => ((a * 31 + b) % 7) - 3,
          );
          const buffer = new Uint8Array(mixed.length + offset);
          buffer.set(mixed, offset);
          const bytes = buffer.subarray(offset);
          expect(countLineFeeds(bytes)).toBe(bytes.filter((b) => b === 0x0a).length);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
