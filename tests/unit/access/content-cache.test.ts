import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { ContentCache, contentOf } from '../../../access/content-cache.ts';

describe('ContentCache', () => {
  it('loads once per key and gives the SHA-256 of the bytes as a strong ETag', async () => {
    const cache = new ContentCache(1000);
    let loads = 0;
    const load = async () => {
      loads++;
      return 'é report';
    };
    const a = await cache.get('k', load);
    const b = await cache.get('k', load);
    expect(loads).toBe(1);
    expect(b).toBe(a);
    expect(a!.body.toString('utf8')).toBe('é report');
    expect(a!.etag).toBe(`"${createHash('sha256').update(Buffer.from('é report')).digest('hex')}"`);
  });

  it('keeps nothing when the loader finds nothing', async () => {
    const cache = new ContentCache(1000);
    expect(await cache.get('k', async () => null)).toBeNull();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('evicts the least recently used entries beyond its byte budget, and never keeps an oversized one', async () => {
    const cache = new ContentCache(10);
    const loads: string[] = [];
    const loader = (k: string, n: number) => async () => {
      loads.push(k);
      return 'x'.repeat(n);
    };
    await cache.get('a', loader('a', 4));
    await cache.get('b', loader('b', 4));
    await cache.get('a', loader('a', 4)); // a is now the most recently used
    await cache.get('c', loader('c', 4)); // 12 bytes: b goes
    expect(cache.size).toEqual({ entries: 2, bytes: 8 });
    await cache.get('a', loader('a', 4));
    await cache.get('b', loader('b', 4));
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    const big = await cache.get('big', loader('big', 11));
    expect(big!.body.length).toBe(11);
    expect(cache.size.bytes).toBeLessThanOrEqual(10);
    await cache.get('big', loader('big', 11));
    expect(loads.filter((k) => k === 'big')).toHaveLength(2);
  });

  it('keeps the gzip encoding once when it is smaller, counted in the byte budget', async () => {
    const cache = new ContentCache(10_000);
    const text = '<tr><td>district</td><td>0.5</td></tr>\n'.repeat(100);
    const c = await cache.get('k', async () => text);
    expect(c!.gzip).toBeDefined();
    expect(c!.gzip!.body.length).toBeLessThan(c!.body.length);
    expect(gunzipSync(c!.gzip!.body).toString('utf8')).toBe(text);
    expect(cache.size.bytes).toBe(c!.body.length + c!.gzip!.body.length);
    expect((await cache.get('k', async () => 'other'))!.gzip).toBe(c!.gzip);
    const tiny = await cache.get('t', async () => 'ab');
    expect(tiny!.gzip).toBeUndefined();
  });

  it('gives the gzip encoding its own strong ETag: the SHA-256 of the compressed bytes', async () => {
    const cache = new ContentCache(10_000);
    const c = await cache.get('k', async () => 'report of one district\n'.repeat(50));
    const sha = (b: Buffer) => `"${createHash('sha256').update(b).digest('hex')}"`;
    expect(c!.etag).toBe(sha(c!.body));
    expect(c!.gzip!.etag).toBe(sha(c!.gzip!.body));
    expect(c!.gzip!.etag).not.toBe(c!.etag);
  });

  it('contentOf keeps Buffers as they are', () => {
    const buf = Buffer.from([0, 1, 2]);
    expect(contentOf(buf).body).toBe(buf);
  });
});
