import { createHash } from 'node:crypto';

/** Bytes that never change once stored, with their strong ETag (the SHA-256 of the bytes). */
export interface CachedContent {
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
    const content = contentOf(loaded);
    this.put(key, content);
    return content;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private put(key: string, c: CachedContent): void {
    if (c.body.length > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.body.length;
    }
    this.entries.set(key, c);
    this.bytes += c.body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.body.length;
    }
  }
}

/** Bytes with their strong ETag. */
export function contentOf(data: string | Buffer): CachedContent {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { body, etag: `"${createHash('sha256').update(body).digest('hex')}"` };
}
