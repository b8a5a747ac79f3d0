import autocannon from 'autocannon';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createToken } from '../access/token.service.ts';
import { randomizeStudy } from '../assignment/assignment.service.ts';
import { openMemoryDatabase, type Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openScratchPostgres } from '../db/scratch-database.ts';
import { startServer } from '../server/serve.ts';

function option(args: string[], name: string, fallback: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i].includes('=') ? args[i].split('=')[1] : args[i + 1];
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

/** A randomized synthetic study: `districts` districts of `students` students (two per household). */
export async function seed(db: Db, districts: number, students: number): Promise<string[]> {
  const study = await sql<{ id: number }>`
    INSERT INTO study (slug, name, status, unit, arms, block_by, seed, seed_commitment)
    VALUES ('bench', 'HTTP bench', 'enrolling', 'household',
            '[{"name":"control","probability":"0.5"},{"name":"treatment","probability":"0.5"}]'::jsonb,
            '["district"]'::jsonb, '5eed0000000000000000000000000002',
            encode(sha256('5eed0000000000000000000000000002'::bytea), 'hex'))
    RETURNING id`.execute(db.kysely);
  const leaids: string[] = [];
  for (let d = 0; d < districts; d++) {
    const leaid = String(3610000 + d);
    leaids.push(leaid);
    const district = await sql<{ id: number }>`
      INSERT INTO district (study_id, nces_leaid, name, state, locale_code)
      VALUES (${study.rows[0].id}, ${leaid}, ${'Bench district ' + d}, 'NY', 42) RETURNING id`.execute(
      db.kysely,
    );
    const id = district.rows[0].id;
    await sql`INSERT INTO school (district_id, school_key, name) VALUES (${id}, 'main', 'Main')`.execute(
      db.kysely,
    );
    await sql`INSERT INTO household (district_id, household_key)
              SELECT ${id}, 'H' || g FROM generate_series(1, ${Math.ceil(students / 2)}) g`.execute(
      db.kysely,
    );
    await sql`
      INSERT INTO student (district_id, sis_id, school_id, grade, household_id)
      SELECT ${id}, 'S' || g, (SELECT s.id FROM school s WHERE s.district_id = ${id}),
             lpad(((g % 12) + 1)::text, 2, '0'),
             (SELECT h.id FROM household h WHERE h.district_id = ${id} AND h.household_key = 'H' || ((g + 1) / 2))
        FROM generate_series(1, ${students}) g`.execute(db.kysely);
  }
  await randomizeStudy(db, { study: 'bench', actor: 'bench' });
  await sql`ANALYZE`.execute(db.kysely); // as autovacuum would have done on a live database
  return leaids;
}

/**
 * `npm run bench -- http [--partners 50] [--students 200] [--connections 50] [--duration 30]`:
 * partners (one token each) downloading their district's assignment list and listing their downloads
 * through `pilot serve`, on PostgreSQL with DATABASE_URL (a scratch database) or embedded PGlite.
 * Prints requests per second, p50 / p99 latency, errors and non-2xx answers.
 */
export async function run(args: string[]): Promise<void> {
  const partners = option(args, 'partners', 50);
  const students = option(args, 'students', 200);
  const connections = option(args, 'connections', 50);
  const duration = option(args, 'duration', 30);
  const url = process.env.DATABASE_URL;
  const db = url ? await openScratchPostgres(url, 'pilot_bench_http') : await openMemoryDatabase();
  try {
    await migrateToLatest(db);
    const t0 = performance.now();
    const leaids = await seed(db, partners, students);
    const tokens: string[] = [];
    for (const leaid of leaids)
      tokens.push((await createToken(db, { role: 'partner', district: leaid }, 'bench', new Date())).token);
    console.log(
      `${url ? 'PostgreSQL' : 'PGlite (in memory)'}: ${partners} districts × ${students} students seeded and randomized in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const server = await startServer(db, { port: 0, logger: pino({ level: 'silent' }) });
    let i = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${server.port}`,
      connections,
      duration,
      requests: [
        {
          setupRequest: (req) => {
            const k = i++;
            const p = k % partners;
            const path =
              k % 2 === 0
                ? `/api/v1/studies/bench/districts/${leaids[p]}/downloads/assignments.csv`
                : `/api/v1/studies/bench/districts/${leaids[p]}/downloads`;
            return { ...req, method: 'GET', path, headers: { authorization: `Bearer ${tokens[p]}` } };
          },
        },
      ],
    });
    await server.close();
    console.log(
      [
        `${connections} connections for ${duration} s, half assignment-list downloads (${students} rows), half download listings`,
        `requests:     ${result.requests.total} (${result.requests.average.toFixed(0)} per second)`,
        `latency:      p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
        `errors:       ${result.errors} (timeouts ${result.timeouts}), non-2xx: ${result.non2xx}`,
      ].join('\n'),
    );
  } finally {
    await db.close();
  }
}
