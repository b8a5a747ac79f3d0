import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { zip, type AsyncZippable } from 'fflate';

/**
 * A folder's files as one zip, entries in path order under their relative paths, compressed off
 * the event loop (fflate's asynchronous zip works in worker threads). Every entry is dated
 * 1980-01-01 00:00 (the zip format's earliest date, as local time, which is what it stores), so the
 * same files give the same bytes on any server.
 */
export async function zipFolder(dir: string): Promise<Buffer> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const mtime = new Date(1980, 0, 1);
  const entries: AsyncZippable = {};
  for (const file of files)
    entries[relative(dir, file).split(sep).join('/')] = [await readFile(file), { mtime, level: 6 }];
  return new Promise((resolve, reject) =>
    zip(entries, { mtime }, (error, data) => (error ? reject(error) : resolve(Buffer.from(data)))),
  );
}
