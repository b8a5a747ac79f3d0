import { afterAll, describe, expect, it } from '@jest/globals';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../../config.ts';
import { pendingMigrations } from '../../../db/migrate.ts';
import { openDatabaseFromTemplate, type Db } from '../../../db/connection.ts';
import {
  pruneTemplates,
  readTemplate,
  STALE_TEMPLATE_MS,
  templateKey,
  writeTemplate,
} from '../../../db/pglite-template.ts';

// The template is PGlite's own (embedded database on disk); PostgreSQL is opened as before.
const dir = mkdtempSync(join(tmpdir(), 'pilot-template-'));
const cacheDir = join(dir, 'cache');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (name: string) => loadConfig({ PILOT_DATA_DIR: join(dir, name), PILOT_CACHE_DIR: cacheDir });

/** Opens a new data directory from the template; returns what its database holds. */
async function open(name: string): Promise<{ pending: string[]; students: number; marker: number }> {
  const db: Db = await openDatabaseFromTemplate(config(name));
  try {
    const students = await sql<{ n: number }>`SELECT count(*)::int AS n FROM student`.execute(db.kysely);
    const marker = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables
      WHERE table_name = 'template_marker'`.execute(db.kysely);
    return { pending: await pendingMigrations(db), students: students.rows[0].n, marker: marker.rows[0].n };
  } finally {
    await db.close();
  }
}

const cached = () => readdirSync(cacheDir).sort();

describe('a new embedded database from the cached template', () => {
  it('is made and cached on first use, then loaded: migrated and empty', async () => {
    expect(await open('first')).toEqual({ pending: [], students: 0, marker: 0 });
    const files = cached();
    expect(files.filter((f) => f.endsWith('.tar'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(await readTemplate(cacheDir, templateKey())).not.toBeNull();
    expect(await open('second')).toEqual({ pending: [], students: 0, marker: 0 });
    expect(cached()).toEqual(files);
  });

  it('an existing database is opened as it is, never replaced by the template', async () => {
    const db = await openDatabaseFromTemplate(config('second'));
    await sql`CREATE TABLE template_marker (x int)`.execute(db.kysely);
    await db.close();
    expect((await open('second')).marker).toBe(1);
  });

  it('a damaged template is detected, removed and made again, never loaded', async () => {
    const tar = join(
      cacheDir,
      cached().find((f) => f.endsWith('.tar'))!,
    );
    const bytes = readFileSync(tar);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(tar, bytes);
    expect(await readTemplate(cacheDir, templateKey())).toBeNull();
    expect(readdirSync(cacheDir)).toEqual([]);
    writeFileSync(tar, bytes); // damaged again, without its record: not used either
    expect(await open('third')).toEqual({ pending: [], students: 0, marker: 0 });
    expect(readFileSync(tar).equals(bytes)).toBe(false);
    expect(await readTemplate(cacheDir, templateKey())).not.toBeNull();
  });

  it('is keyed by every migration file and the PGlite version', () => {
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    const write = (name: string, text: string) => {
      writeFileSync(join(migrations, name), text);
      return templateKey(migrations, '0.5.16');
    };
    const one = write('001-a.js', 'up 1');
    expect(templateKey(migrations, '0.5.16')).toBe(one);
    expect(templateKey(migrations, '0.5.17')).not.toBe(one);
    const edited = write('001-a.js', 'up 2');
    expect(edited).not.toBe(one);
    expect(write('002-b.js', '')).not.toBe(edited);
  });
});

describe('stale templates', () => {
  const keyOf = (c: string) => c.repeat(64);
  const prefix = (c: string) => `pglite-template-${c.repeat(16)}`;
  const age = (path: string, ms: number) => {
    const t = new Date(Date.now() - ms);
    utimesSync(path, t, t);
  };

  it('writing a new template removes the templates of other keys unused for a day, and only those', async () => {
    const cache = join(dir, 'prune');
    mkdirSync(cache);
    await writeTemplate(cache, keyOf('a'), new Blob(['old template']));
    await writeTemplate(cache, keyOf('b'), new Blob(['recent template']));
    writeFileSync(join(cache, `${prefix('a')}.tar.123.tmp`), 'left by a crashed writer');
    writeFileSync(join(cache, `${prefix('c')}.tar.456.tmp`), 'being written now');
    writeFileSync(join(cache, 'notes.txt'), 'not a template');
    for (const f of [`${prefix('a')}.tar`, `${prefix('a')}.json`, `${prefix('a')}.tar.123.tmp`, 'notes.txt'])
      age(join(cache, f), STALE_TEMPLATE_MS + 60_000);
    // b's tar is old but its record was touched by a use an hour ago: b is in use, kept
    age(join(cache, `${prefix('b')}.tar`), 3 * STALE_TEMPLATE_MS);
    age(join(cache, `${prefix('b')}.json`), 3_600_000);
    await writeTemplate(cache, keyOf('d'), new Blob(['new template']));
    expect(readdirSync(cache).sort()).toEqual(
      [
        `${prefix('b')}.json`,
        `${prefix('b')}.tar`,
        `${prefix('c')}.tar.456.tmp`,
        `${prefix('d')}.json`,
        `${prefix('d')}.tar`,
        'notes.txt',
      ].sort(),
    );
    expect(await readTemplate(cache, keyOf('b'))).not.toBeNull();
    expect(await readTemplate(cache, keyOf('d'))).not.toBeNull();
  });

  it('each load touches the record, so a template in use is never stale', async () => {
    const cache = join(dir, 'touch');
    mkdirSync(cache);
    await writeTemplate(cache, keyOf('e'), new Blob(['template']));
    const record = join(cache, `${prefix('e')}.json`);
    age(record, 2 * STALE_TEMPLATE_MS);
    age(join(cache, `${prefix('e')}.tar`), 2 * STALE_TEMPLATE_MS);
    expect(await readTemplate(cache, keyOf('e'))).not.toBeNull();
    expect(Date.now() - statSync(record).mtimeMs).toBeLessThan(60_000);
    expect(await pruneTemplates(cache, keyOf('f'))).toEqual([]);
    // a day later without a use it goes
    expect(await pruneTemplates(cache, keyOf('f'), Date.now() + STALE_TEMPLATE_MS + 60_000)).toEqual([
      `${prefix('e')}.json`,
      `${prefix('e')}.tar`,
    ]);
    expect(readdirSync(cache)).toEqual([]);
  });
});
