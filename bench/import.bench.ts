/**
 * `npm run bench -- import [--students 108000] [--districts 50] [--db both|postgres|pglite] [--order student|date]`
 *
 * Imports a national-pilot-sized synthetic study (about 18 million daily attendance rows) into
 * PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a fresh database is
 * created and dropped) and into embedded PGlite (on disk in a temp folder), and prints attendance rows
 * per second beside a bare COPY of the same rows into an unindexed table, and peak memory per file.
 * `--order date` sorts each attendance file by date first (synthetic files list each student's days
 * together), to measure files exported in date order.
 */
import { existsSync, createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { migrateToLatest } from '../db/migrate.ts';
import { createStudy, enrollDistrict } from '../cohorts/study.service.ts';
import { importFile, type RequestedKind } from '../cohorts/imports/import.service.ts';
import { readDistrictsCsv } from '../synth/district-files.ts';
import { benchDataset, openFreshBenchDb, option } from './bench-db.ts';

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
sampler.unref();
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

async function dataset(students: number, districts: number, order: 'student' | 'date'): Promise<string> {
  const dir = await benchDataset(students, districts);
  if (order === 'student') return dir;
  // The same files with each attendance file's rows sorted by date (as some SIS exports write them).
  const byDate = `${dir}-by-date`;
  if (!existsSync(join(byDate, 'manifest.json'))) {
    console.log(`sorting attendance by date into ${byDate} …`);
    await mkdir(byDate, { recursive: true });
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === 'manifest.json') continue; // written last: its presence marks a complete copy
      if (!entry.isDirectory()) {
        await copyFile(join(dir, entry.name), join(byDate, entry.name));
        continue;
      }
      await mkdir(join(byDate, entry.name), { recursive: true });
      for (const f of await readdir(join(dir, entry.name))) {
        const from = join(dir, entry.name, f);
        if (f !== 'attendance_daily.csv') {
          await copyFile(from, join(byDate, entry.name, f));
          continue;
        }
        const [header, ...rows] = (await readFile(from, 'utf8')).trimEnd().split('\n');
        const date = (r: string) => r.slice(r.indexOf(',') + 1, r.indexOf(',') + 11);
        rows.sort((a, b) => (date(a) < date(b) ? -1 : date(a) > date(b) ? 1 : 0));
        await writeFile(join(byDate, entry.name, f), `${header}\n${rows.join('\n')}\n`);
      }
    }
    await copyFile(join(dir, 'manifest.json'), join(byDate, 'manifest.json'));
  }
  return byDate;
}

/** The attendance file's data lines, streamed (header dropped), for the bare COPY. */
async function* dataLines(path: string): AsyncGenerator<string> {
  let header = true;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    let s = chunk as string;
    if (header) {
      s = s.slice(s.indexOf('\n') + 1);
      header = false;
    }
    yield s;
  }
}

async function runOn(
  kind: 'postgres' | 'pglite',
  dir: string,
  districts: { leaid: string; name: string; state: string; locale: number }[],
) {
  const db = await openFreshBenchDb(kind);
  try {
    await migrateToLatest(db);
    await createStudy(
      db,
      {
        slug: 'bench',
        name: 'Bench',
        unit: 'household',
        arms: 'control:0.5,treatment:0.5',
        blockBy: 'district',
      },
      'bench',
    );
    let t = performance.now();
    for (const d of districts) {
      await enrollDistrict(db, { study: 'bench', ...d, allowNonrural: true }, 'bench');
      for (const [k, f] of [
        ['schools', 'schools.csv'],
        ['roster', 'students.csv'],
        ['contacts', 'contacts.csv'],
        ['calendar', 'calendar.csv'],
        ['enrollment', 'enrollment.csv'],
      ] as [RequestedKind, string][]) {
        await importFile(
          db,
          { study: 'bench', leaid: d.leaid, kind: k, path: join(dir, d.leaid, f) },
          'bench',
        );
      }
    }
    const rosterSeconds = (performance.now() - t) / 1000;

    let rows = 0;
    let smallest = { rows: Infinity, peak: 0 };
    let largest = { rows: 0, peak: 0 };
    t = performance.now();
    for (const d of districts) {
      peakRss = process.memoryUsage().rss;
      const s = await importFile(
        db,
        {
          study: 'bench',
          leaid: d.leaid,
          kind: 'attendance',
          path: join(dir, d.leaid, 'attendance_daily.csv'),
        },
        'bench',
      );
      rows += s.rowsRead;
      if (s.rowsRead < smallest.rows) smallest = { rows: s.rowsRead, peak: peakRss };
      if (s.rowsRead > largest.rows) largest = { rows: s.rowsRead, peak: peakRss };
      process.stdout.write(`\r  ${kind}: ${rows.toLocaleString('en-US')} attendance rows imported`);
    }
    const importSeconds = (performance.now() - t) / 1000;
    process.stdout.write('\n');

    await sql`CREATE TABLE bare_attendance (student_id text, date text, category text, absent_fraction text, suspension text, sis_code text)`.execute(
      db.kysely,
    );
    t = performance.now();
    let bare = 0;
    await db.withSession(async (s) => {
      for (const d of districts) {
        bare += await s.copyCsv(
          'bare_attendance',
          ['student_id', 'date', 'category', 'absent_fraction', 'suspension', 'sis_code'],
          dataLines(join(dir, d.leaid, 'attendance_daily.csv')),
        );
      }
    });
    const copySeconds = (performance.now() - t) / 1000;
    return { kind, rosterSeconds, rows, importSeconds, bare, copySeconds, smallest, largest };
  } finally {
    await db.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const students = Number(option(args, 'students', '108000'));
  const districtCount = Number(option(args, 'districts', '50'));
  const which = option(args, 'db', 'both');
  const order = option(args, 'order', 'student') as 'student' | 'date';
  if (order !== 'student' && order !== 'date') throw new Error('--order is student or date');
  const dir = await dataset(students, districtCount, order);
  const districts = readDistrictsCsv(await readFile(join(dir, 'districts.csv'), 'utf8'));
  const kinds = (which === 'both' ? ['postgres', 'pglite'] : [which]) as ('postgres' | 'pglite')[];
  const results = [];
  for (const k of kinds) results.push(await runOn(k, dir, districts));
  console.log(
    `\nimport of ${districts.length} districts, ${students.toLocaleString('en-US')} students, attendance rows in ${order} order (node ${process.version})`,
  );
  console.log(
    'database  | roster+contacts+calendar+enrollment | attendance rows | import      | rows/s    | bare COPY   | rows/s    | import/COPY | peak RSS smallest → largest file',
  );
  for (const r of results) {
    console.log(
      `${r.kind.padEnd(9)} | ${`${r.rosterSeconds.toFixed(1)} s`.padStart(35)} | ${r.rows.toLocaleString('en-US').padStart(15)} | ${`${r.importSeconds.toFixed(1)} s`.padStart(11)} | ${Math.round(
        r.rows / r.importSeconds,
      )
        .toLocaleString('en-US')
        .padStart(9)} | ${`${r.copySeconds.toFixed(1)} s`.padStart(11)} | ${Math.round(r.bare / r.copySeconds)
        .toLocaleString('en-US')
        .padStart(
          9,
        )} | ${`${(r.importSeconds / r.copySeconds).toFixed(2)}×`.padStart(11)} | ${mb(r.smallest.peak)} (${r.smallest.rows.toLocaleString('en-US')} rows) → ${mb(r.largest.peak)} (${r.largest.rows.toLocaleString('en-US')} rows)`,
    );
  }
}
