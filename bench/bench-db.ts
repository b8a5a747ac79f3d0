/**
 * What the national-scale benches share: their command-line options, the import benchmark's synthetic
 * data set (generated into bench/.data on first use), a fresh database per run (a scratch PostgreSQL
 * database, created and dropped, or PGlite on disk in a temp folder) and a database kept between runs
 * (`--keep`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPGlite, openPGlite, openPostgres, type Db } from '../db/connection.ts';
import { openScratchPostgres } from '../db/scratch-database.ts';
import { writeSyntheticStudy } from '../synth/synth.service.ts';
import { enrollDistrict } from '../cohorts/study.service.ts';
import { importFile, type RequestedKind } from '../cohorts/imports/import.service.ts';

export type BenchDbKind = 'postgres' | 'pglite';

/** The PostgreSQL server the benches use: DATABASE_URL, or the local test database. */
export const benchPostgresUrl = (): string =>
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `--name VALUE` or `--name=VALUE`, else the fallback. */
export function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1]
    ? args[i + 1]
    : (args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
}

/** The import benchmark's data set (students in districts, one school year), generated when missing. */
export async function benchDataset(students: number, districts: number): Promise<string> {
  const dir = join('bench', '.data', `import-${districts}x${students}`);
  if (!existsSync(join(dir, 'manifest.json'))) {
    console.log(`generating ${students} students in ${districts} districts into ${dir} …`);
    await writeSyntheticStudy(dir, {
      districts,
      students,
      seed: 'bench-import',
      year: 2025,
      oneroster: 0,
      exceptions: false,
    });
  }
  return dir;
}

/** A fresh database for one run, dropped (or its folder removed) when closed. */
export async function openFreshBenchDb(kind: BenchDbKind): Promise<Db> {
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'pilot-bench-'));
    const pglite = await createPGlite(dir);
    return openPGlite(pglite, async () => {
      await pglite.close();
      await rm(dir, { recursive: true, force: true });
    });
  }
  return openScratchPostgres(benchPostgresUrl(), 'pilot_bench');
}

/**
 * A database kept between runs (loaded once, dropped by hand): the PostgreSQL database `name` on the
 * bench server (created when missing), or the PGlite folder `pgliteDir`.
 */
export async function openKeptBenchDb(kind: BenchDbKind, name: string, pgliteDir: string): Promise<Db> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new Error('kept database name: lower-case letters, digits and _');
  if (kind === 'pglite') return openPGlite(await createPGlite(pgliteDir));
  const admin = benchPostgresUrl();
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return openPostgres(url.toString());
}

/**
 * Enrolls each district of the data set in study `bench` and imports its files in dependency order
 * (schools, roster, contacts, calendar, enrollment, daily attendance), with a progress line.
 */
export async function enrollAndImportDistricts(
  db: Db,
  kind: BenchDbKind,
  dir: string,
  districts: { leaid: string; name: string; state: string; locale: number }[],
): Promise<void> {
  const files: [RequestedKind, string][] = [
    ['schools', 'schools.csv'],
    ['roster', 'students.csv'],
    ['contacts', 'contacts.csv'],
    ['calendar', 'calendar.csv'],
    ['enrollment', 'enrollment.csv'],
    ['attendance', 'attendance_daily.csv'],
  ];
  for (const d of districts) {
    await enrollDistrict(db, { study: 'bench', ...d, allowNonrural: true }, 'bench');
    for (const [k, f] of files)
      await importFile(db, { study: 'bench', leaid: d.leaid, kind: k, path: join(dir, d.leaid, f) }, 'bench');
    process.stdout.write(`\r  ${kind}: district ${d.leaid} loaded`);
  }
  process.stdout.write('\n');
}
