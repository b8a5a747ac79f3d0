import { fork } from 'node:child_process';
import { sql } from 'kysely';
import { pino } from 'pino';
import { verifyAudit } from '../access/audit.service.ts';
import { createToken } from '../access/token.service.ts';
import { randomizeStudy } from '../assignment/assignment.service.ts';
import { openMemoryDatabase, openPostgres, type Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createScratchPostgres } from '../db/scratch-database.ts';
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
    await sql`
      INSERT INTO caregiver (district_id, contact_key, household_id, relationship, phone_e164, sms_consent)
      SELECT ${id}, 'C' || h.household_key, h.id, 'parent', '+1518555' || lpad(h.id::text, 4, '0'), true
        FROM household h WHERE h.district_id = ${id}`.execute(db.kysely);
  }
  await randomizeStudy(db, { study: 'bench', actor: 'bench' });
  await seedOutputs(db, study.rows[0].id);
  await sql`ANALYZE`.execute(db.kysely); // as autovacuum would have done on a live database
  return leaids;
}

/**
 * What partners download: per district a stored partner report (synthetic, about 130 kB of HTML: the
 * bench measures serving stored bytes, not rendering) and two monthly message lists.
 */
async function seedOutputs(db: Db, studyId: number): Promise<void> {
  const html = `<!doctype html><html><body>${'<svg><rect width="10" height="10"/></svg>\n'.repeat(3000)}</body></html>`;
  const json = JSON.stringify({
    rows: Array.from({ length: 400 }, (_, i) => ({ month: i % 12, rate: i / 400 })),
  });
  await sql`
    INSERT INTO analysis_plan (study_id, version, body, sha256, actor, locked_at, locked_by)
    VALUES (${studyId}, 1, '{"bench": true}'::jsonb, repeat('a', 64), 'bench', now(), 'bench')`.execute(
    db.kysely,
  );
  await sql`
    INSERT INTO report_run (study_id, plan_id, kind, district_id, manifest, report_sha256, actor, report_json, report_html)
    SELECT ${studyId}, p.id, 'district', d.id, '{}'::jsonb, encode(sha256(convert_to(${json} || d.nces_leaid, 'UTF8')), 'hex'),
           'bench', ${json} || d.nces_leaid, ${html} || d.nces_leaid
      FROM district d, analysis_plan p WHERE d.study_id = ${studyId} AND p.study_id = ${studyId}`.execute(
    db.kysely,
  );
  await sql`
    INSERT INTO message_template (study_id, purpose, language, version, body, encoding, max_segments)
    VALUES (${studyId}, 'monthly_summary', 'en', 1, 'Your child missed {absences} days', 'gsm7', 2)`.execute(
    db.kysely,
  );
  for (const month of ['2025-09', '2025-10']) {
    await sql`
      INSERT INTO message_batch (study_id, district_id, kind, period_start, period_end, actor)
      SELECT ${studyId}, d.id, 'monthly_summary', ${month + '-01'}::date,
             (${month + '-01'}::date + interval '1 month' - interval '1 day')::date, 'bench'
        FROM district d WHERE d.study_id = ${studyId}`.execute(db.kysely);
  }
  await sql`
    INSERT INTO message (batch_id, student_id, caregiver_id, template_id, channel, language, body,
                         segments, absences_month, absences_ytd, send_after)
    SELECT b.id, s.id, c.id, t.id, 'sms', 'en', 'Your child missed 2 days', 1, 2, 4, b.period_end + 1
      FROM message_batch b JOIN student s ON s.district_id = b.district_id
      JOIN caregiver c ON c.household_id = s.household_id
      JOIN message_template t ON t.study_id = b.study_id
     WHERE b.study_id = ${studyId}`.execute(db.kysely);
}

interface Phase {
  title: string;
  /** Request paths; `{leaid}` is each partner's district. */
  paths: string[];
}

const DISTRICT = '/api/v1/studies/bench/districts/{leaid}';
const PHASES: Phase[] = [
  {
    title: 'mixed: report downloads (HTML, JSON), download listings, message-list downloads',
    paths: [
      `${DISTRICT}/downloads/report.html`,
      `${DISTRICT}/downloads`,
      `${DISTRICT}/downloads/report.json`,
      `${DISTRICT}/downloads/messages-2025-10.csv`,
    ],
  },
  {
    title: 'cached report downloads only (report.html)',
    paths: [`${DISTRICT}/downloads/report.html`],
  },
];

interface LoadResult {
  total: number;
  average: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  bytesPerSecond: number;
}

/** Runs one phase's load from a child process (bench/http-load.mjs) and returns its figures. */
function loadFromChild(message: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./http-load.mjs', import.meta.url), { stdio: 'inherit' });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${code}`));
    });
    child.send(message);
  });
}

/**
 * `npm run bench -- http [--partners 50] [--students 200] [--connections 50] [--duration 30] [--pool 10] [--identity]`:
 * partners (one token each) downloading their district's stored report, listing their downloads and
 * downloading message lists through `pilot serve`, on PostgreSQL with DATABASE_URL (a scratch database)
 * or embedded PGlite; then report downloads alone. Every download appends an audit event.
 * Prints requests per second, p50 / p99 latency, errors and non-2xx answers of each phase, and checks
 * the audit chain afterwards. The load comes from a child process (bench/http-load.mjs), so the
 * server's event loop serves requests only; clients send `Accept-Encoding: gzip` as browsers do
 * (`--identity`: not).
 */
export async function run(args: string[]): Promise<void> {
  const partners = option(args, 'partners', 50);
  const students = option(args, 'students', 200);
  const connections = option(args, 'connections', 50);
  const duration = option(args, 'duration', 30);
  const poolSize = option(args, 'pool', 10);
  // Browsers accept gzip; --identity measures uncompressed downloads.
  const gzip = !args.includes('--identity');
  const url = process.env.DATABASE_URL;
  let db: Db;
  if (url) {
    const scratch = await createScratchPostgres(url, 'pilot_bench_http');
    db = openPostgres(scratch.url, scratch.drop, poolSize);
  } else db = await openMemoryDatabase();
  try {
    await migrateToLatest(db);
    const t0 = performance.now();
    const leaids = await seed(db, partners, students);
    const tokens: string[] = [];
    for (const leaid of leaids)
      tokens.push((await createToken(db, { role: 'partner', district: leaid }, 'bench', new Date())).token);
    console.log(
      `${url ? `PostgreSQL (pool ${poolSize})` : 'PGlite (in memory)'}: ${partners} districts × ${students} students seeded, randomized, reports and message lists stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const server = await startServer(db, { port: 0, logger: pino({ level: 'silent' }) });
    const auditBefore = await auditCount(db);
    let total = 0;
    for (const phase of PHASES) {
      const result = await loadFromChild({
        url: `http://127.0.0.1:${server.port}`,
        connections,
        duration,
        leaids,
        tokens,
        paths: phase.paths,
        headers: gzip ? { 'accept-encoding': 'gzip' } : {},
      });
      total += result.total;
      console.log(
        [
          `${phase.title}: ${connections} connections for ${duration} s${gzip ? ', Accept-Encoding: gzip' : ''}`,
          `  requests:   ${result.total} (${result.average.toFixed(0)} per second; ${(result.bytesPerSecond / 1e6).toFixed(1)} MB/s)`,
          `  latency:    p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms`,
          `  errors:     ${result.errors} (timeouts ${result.timeouts}), non-2xx: ${result.non2xx}`,
        ].join('\n'),
      );
    }
    await server.close();
    const appended = (await auditCount(db)) - auditBefore;
    const chain = await verifyAudit(db);
    console.log(
      `audit: ${appended} events appended by ${total} requests (every download; listings are not audited); chain of ${chain.events} events verified`,
    );
  } finally {
    await db.close();
  }
}

async function auditCount(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_event`.execute(db.kysely);
  return r.rows[0].n;
}
