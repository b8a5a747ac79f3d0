import { AppError } from '../errors.ts';
import type { Upload } from './route.ts';
import { z } from './zod.ts';

/** A form field naming a column of the uploaded CSV. */
export const column = z.string().min(1, 'must name a column').max(200);

/** A form field listing names, comma-separated (`--covariates a,b`). */
export const list = z
  .string()
  .max(1000)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/**
 * Runs a CLI command's service on the uploaded file (its path on the server) and answers what the
 * command's --json prints, with `file`: the name the caller sent. Problems name the file as the
 * caller sent it too, never the server's temporary folder.
 */
export async function onUploadedFile<T extends object>(
  upload: Upload | null,
  fn: (path: string) => Promise<T>,
): Promise<T & { file: string }> {
  if (!upload) throw new AppError('BAD_INPUT', '`file`: a multipart field "file" is required');
  try {
    return { ...(await fn(upload.path)), file: upload.fileName };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const hide = (s: string) => s.replaceAll(upload.path, upload.fileName);
    const details = error.details === undefined ? undefined : JSON.parse(hide(JSON.stringify(error.details)));
    throw new AppError(error.code, hide(error.message), details);
  }
}
