import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError } from '../errors.ts';
import type { Upload } from './route.ts';

/** A file name as a district's SIS names its exports; no folders, no `..`, no control characters. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._ ()-]{0,150}$/;

export function checkFileName(name: string): string {
  if (!SAFE_NAME.test(name) || name.includes('..'))
    throw new AppError(
      'BAD_INPUT',
      `\`file\`: the name "${name.slice(0, 160)}" is not allowed (letters, digits, spaces, . _ - ( ) only; no folders)`,
    );
  return name;
}

export interface ParsedUpload {
  fields: Record<string, string>;
  upload: Upload | null;
  /** Removes the temporary folder. */
  cleanup(): Promise<void>;
}

/**
 * Streams a multipart/form-data request: one file field `file`, written to a private temporary folder
 * under its own (checked) name, so import problems cite it; small text fields. Nothing is buffered:
 * over maxBytes the request is refused with 413 as soon as the limit is crossed.
 */
export async function receiveUpload(req: Request, maxBytes: number): Promise<ParsedUpload> {
  if (!req.is('multipart/form-data'))
    throw new AppError('BAD_INPUT', 'send the file as multipart/form-data with the field "file"');
  const dir = await mkdtemp(join(tmpdir(), 'pilot-upload-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const result = await new Promise<Omit<ParsedUpload, 'cleanup'>>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({
          headers: req.headers,
          preservePath: true, // see the name as sent, so a path is refused rather than silently cut
          // busboy signals 'limit' on reaching fileSize, so one byte more is the first refused size.
          limits: { fileSize: maxBytes + 1, files: 1, fields: 24, fieldSize: 1024, parts: 26 },
        });
      } catch {
        return reject(new AppError('BAD_INPUT', 'malformed multipart/form-data request'));
      }
      const fields: Record<string, string> = {};
      let upload: Upload | null = null;
      let writing: Promise<void> = Promise.resolve();
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(bb);
        req.resume();
        reject(e);
      };
      bb.on('field', (name, value, info) => {
        if (info.valueTruncated) return fail(new AppError('TOO_LARGE', `\`${name}\`: field value too long`));
        fields[name] = value;
      });
      bb.on('file', (name, stream, info) => {
        if (name !== 'file') {
          stream.resume();
          return fail(new AppError('BAD_INPUT', `\`${name}\`: unknown file field; send the file as "file"`));
        }
        let fileName: string;
        try {
          fileName = checkFileName(info.filename ?? '');
        } catch (e) {
          stream.resume();
          return fail(e);
        }
        const path = join(dir, fileName);
        let bytes = 0;
        stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
        stream.on('limit', () =>
          fail(new AppError('TOO_LARGE', `\`file\`: over the limit of ${maxBytes} bytes`)),
        );
        writing = pipeline(stream, createWriteStream(path)).then(() => {
          upload = { path, fileName, bytes };
        });
      });
      bb.on('filesLimit', () => fail(new AppError('BAD_INPUT', 'send one file per request')));
      bb.on('fieldsLimit', () => fail(new AppError('BAD_INPUT', 'too many form fields')));
      bb.on('partsLimit', () => fail(new AppError('BAD_INPUT', 'too many form parts')));
      bb.on('error', () => fail(new AppError('BAD_INPUT', 'malformed multipart/form-data request')));
      bb.on('close', () => {
        writing.then(() => !failed && resolve({ fields, upload }), fail);
      });
      req.pipe(bb);
    });
    return { ...result, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
