import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../../config.ts';
import { pendingMigrations } from '../../../db/migrate.ts';
import { openDatabaseFromTemplate, type Db } from '../../../db/connection.ts';
import { readTemplate, templateKey } from '../../../db/pglite-template.ts';

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
