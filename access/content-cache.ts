import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);

/**
 * Bytes that never change once stored, with their strong ETag (the SHA-256 of the bytes) and, when
 * it is smaller, their gzip encoding (compressed once, when the content is first loaded) with its own
 * strong ETag: a strong validator names one representation (RFC 9110 §8.8.1), and the gzip-encoded
 * bytes are another representation than the identity ones.
 */
export interface CachedContent {
  body: Buffer;
  etag: string;
  gzip?: Encoded;
}

/** One content coding of the content: its bytes and their strong ETag. */
export interface Encoded {
  body: Buffer;
  etag: string;
}

/**
 * An in-process least-recently-used cache of immutable content (stored report files: report_run rows
 * cannot change), bounded by total bytes. It holds nothing that processes must share: a miss only
 * costs one read, so two `pilot serve` processes stay interchangeable.
 */
export class ContentCache {
  private readonly entries = new Map<string, CachedContent>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The content under key, loading (and keeping) it on a miss; null when load finds nothing. */
  async get(key: string, load: () => Promise<string | Buffer | null>): Promise<CachedContent | null> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // most recently used goes last
      this.entries.set(key, hit);
      return hit;
    }
    const loaded = await load();
    if (loaded === null) return null;
    const content = await withGzip(contentOf(loaded));
    this.put(key, content);
    return content;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private put(key: string, c: CachedContent): void {
    if (sizeOf(c) > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= sizeOf(old);
    }
    this.entries.set(key, c);
    this.bytes += sizeOf(c);
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= sizeOf(v);
    }
  }
}

/** Bytes with their strong ETag: the SHA-256 of the bytes sent. */
export function contentOf(data: string | Buffer): CachedContent {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { body, etag: strongEtag(body) };
}

function strongEtag(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('hex')}"`;
}

/**
 * The content with its gzip encoding added when that is smaller than the bytes themselves; the
 * encoding's ETag is the SHA-256 of the compressed bytes, so it never equals the identity one.
 */
export async function withGzip(c: CachedContent): Promise<CachedContent> {
  const z = await gzip(c.body);
  return z.length < c.body.length ? { ...c, gzip: { body: z, etag: strongEtag(z) } } : c;
}

function sizeOf(c: CachedContent): number {
  return c.body.length + (c.gzip?.body.length ?? 0);
}
