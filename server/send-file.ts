import type { Request, Response } from 'express';
import type { FileBody } from './route.ts';

/**
 * Sends a download: as an attachment, never stored by caches, with its strong ETag when it has one
 * (res.send answers a matching If-None-Match with 304 and no body). Content stored with a gzip
 * encoding goes compressed to a client whose Accept-Encoding takes gzip, as the same bytes compressed
 * once (nothing is compressed per request). Each encoding is its own representation with its own
 * strong ETag (RFC 9110 §8.8.3: a strong validator changes with the content coding), so an
 * If-None-Match matches only the encoding it was given for, and `Vary: Accept-Encoding` says the
 * representation depends on the request.
 */
export function sendFile(req: Request, res: Response, f: FileBody, status = 200): void {
  res
    .status(status)
    .type(f.contentType)
    .attachment(f.fileName)
    .setHeader('Cache-Control', 'private, no-store');
  if (f.gzip) {
    res.vary('Accept-Encoding');
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      res.setHeader('Content-Encoding', 'gzip').setHeader('ETag', f.gzip.etag);
      res.send(f.gzip.body);
      return;
    }
  }
  if (f.etag) res.setHeader('ETag', f.etag);
  res.send(f.body);
}
