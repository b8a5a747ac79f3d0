import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A new embedded database starts from a template: the data directory of an initdb'd, fully migrated,
 * empty database, dumped once (PGlite's dumpDataDir) into a cache directory and loaded into each new
 * data directory (loadDataDir). PGlite's initdb alone costs about 5 s of CPU, loading the template
 * about 1 s. The template is keyed by PGlite's version and the bytes of every migration file, so a
 * new migration or another PGlite makes a new key and the old template is never used; its tar's
 * SHA-256 is recorded beside it and checked before each use, so a damaged file is removed, not loaded.
 * Each use touches the record; writing a new template removes the templates of other keys that have
 * not been used for a day (an old checkout sharing the cache keeps its own while it is in use).
 */

/** The migration modules beside the running code (migrations/*.ts in a checkout, dist/migrations/*.js built). */
const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

function pgliteVersion(): string {
  // the package's exports do not include package.json; its CommonJS entry is dist/index.cjs
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** SHA-256 of PGlite's version and of every migration file's name and bytes. */
export function templateKey(migrationsDir = MIGRATIONS_DIR, version = pgliteVersion()): string {
  const hash = createHash('sha256').update(`pglite ${version}\n`);
  for (const name of readdirSync(migrationsDir).sort()) {
    if (!/\.(ts|js)$/.test(name)) continue;
    const bytes = readFileSync(join(migrationsDir, name));
    hash.update(`${name} ${bytes.length}\n`).update(bytes);
  }
  return hash.digest('hex');
}

interface TemplateRecord {
  key: string;
  bytes: number;
  sha256: string;
}

const paths = (cacheDir: string, key: string) => ({
  tar: join(cacheDir, `pglite-template-${key.slice(0, 16)}.tar`),
  record: join(cacheDir, `pglite-template-${key.slice(0, 16)}.json`),
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The template of this key, checked against its record (key, size, SHA-256); a template that fails
 * the check is removed and null returned, as is null when there is none.
 */
export async function readTemplate(cacheDir: string, key: string): Promise<Blob | null> {
  const p = paths(cacheDir, key);
  if (!existsSync(p.tar) || !existsSync(p.record)) return null;
  try {
    const record = JSON.parse(await readFile(p.record, 'utf8')) as TemplateRecord;
    const tar = await readFile(p.tar);
    if (record.key === key && record.bytes === tar.length && record.sha256 === sha256(tar)) {
      // the record's time is the template's last use (pruneTemplates); a read-only cache is no error
      const now = new Date();
      await utimes(p.record, now, now).catch(() => {});
      return new Blob([tar]);
    }
  } catch {
    // unreadable or not JSON: removed below like a mismatch
  }
  await removeTemplate(cacheDir, key);
  return null;
}

export async function removeTemplate(cacheDir: string, key: string): Promise<void> {
  const p = paths(cacheDir, key);
  await rm(p.record, { force: true });
  await rm(p.tar, { force: true });
}

/**
 * Stores a dumped data directory as the template of key. Written to temporary names and renamed,
 * the record last, so a reader never sees a record without its whole tar.
 */
export async function writeTemplate(cacheDir: string, key: string, tar: Blob): Promise<void> {
  const p = paths(cacheDir, key);
  const bytes = new Uint8Array(await tar.arrayBuffer());
  const record: TemplateRecord = { key, bytes: bytes.length, sha256: sha256(bytes) };
  await mkdir(cacheDir, { recursive: true });
  const suffix = `.${process.pid}.tmp`;
  await writeFile(p.tar + suffix, bytes);
  await rename(p.tar + suffix, p.tar);
  await writeFile(p.record + suffix, `${JSON.stringify(record)}\n`);
  await rename(p.record + suffix, p.record);
  await pruneTemplates(cacheDir, key).catch(() => {});
}

/** Templates of other keys unused for this long are stale (removed when a new template is written). */
export const STALE_TEMPLATE_MS = 24 * 60 * 60 * 1000;

const TEMPLATE_FILE = /^(pglite-template-[0-9a-f]{16})\.(tar|json)(\.\d+\.tmp)?$/;

async function mtimeMs(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Removes the cache's templates of keys other than `keep` (tar, record and any temporary file a
 * writer left) that were last used more than `staleMs` before `now`: a template's last use is its
 * record's time (touched by each load), else its own file's. Returns the names removed.
 */
export async function pruneTemplates(
  cacheDir: string,
  keep: string,
  now = Date.now(),
  staleMs = STALE_TEMPLATE_MS,
): Promise<string[]> {
  const kept = `pglite-template-${keep.slice(0, 16)}`;
  const removed: string[] = [];
  for (const name of (await readdir(cacheDir)).sort()) {
    const m = TEMPLATE_FILE.exec(name);
    if (!m || m[1] === kept) continue;
    const own = await mtimeMs(join(cacheDir, name));
    const record = m[3] ? null : await mtimeMs(join(cacheDir, `${m[1]}.json`));
    const used = Math.max(record ?? 0, own ?? 0);
    if (own === null || now - used < staleMs) continue;
    await rm(join(cacheDir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
