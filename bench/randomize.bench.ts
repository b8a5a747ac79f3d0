import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { randomizeStudy } from '../assignment/assignment.service.ts';
import { drawAssignment, type DrawUnit } from '../assignment/draw.ts';
import { loadConfig } from '../config.ts';
import { openMemoryDatabase, type Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openScratchPostgres } from '../db/scratch-database.ts';
import { sha256, unitPreimage } from '../assignment/protocol.ts';
import { randomizeWave } from '../assignment/randomize-wave.ts';
import type { RosterStudent } from '../assignment/roster.ts';

const ARMS = [
  { name: 'control', probability: '0.5' },
  { name: 'treatment', probability: '0.5' },
];
const SEED = '5eed0000000000000000000000000001';

/** 1,000 districts × low income (Y/N) = 2,000 blocks; two siblings per household share it. */
export function syntheticRoster(students: number, perHousehold = 2): RosterStudent[] {
  const out: RosterStudent[] = new Array(students);
  const districts = 1000;
  for (let i = 0; i < students; i++) {
    const h = Math.floor(i / perHousehold);
    const d = h % districts;
    const leaid = String(3600000 + d).padStart(7, '0');
    out[i] = {
      studentId: i + 1,
      districtLeaid: leaid,
      sisId: `S${i}`,
      schoolKey: `sch${h % 7}`,
      schoolNcesId: null,
      householdKey: `H${h}`,
      grade: String(1 + (i % 12)).padStart(2, '0'),
      sex: i % 2 ? 'F' : 'M',
      raceEthnicity: null,
      englishLearner: (h * 7) % 10 === 0,
      disability: null,
      lowIncome: (Math.floor(h / districts) & 1) === 1,
      priorYearAbsenceRate: ((h * 37) % 100) / 400,
    };
  }
  return out;
}

function time<T>(label: string, fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  const ms = performance.now() - t;
  console.log(`${label.padEnd(48)} ${ms.toFixed(0).padStart(7)} ms`);
  return { ms, value };
}

/**
 * `npm run bench -- randomize [--students=N] [--reps=R] [--no-db]`: 1,000,000 students in 500,000
 * households over 2,000 blocks (1,000 districts × low income). Prints the SHA-256 floor (hashing the
 * 500,000 unit preimages and nothing else), the pure draw, the whole pure wave (block keys, clusters,
 * draw, fingerprints), and the end-to-end `randomizeStudy` (load roster, draw, COPY 1.5 M rows,
 * audit, commit) on embedded PGlite or, with DATABASE_URL, PostgreSQL (a scratch database there).
 */
export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const students = option('students', 1_000_000);
  const reps = option('reps', 3);
  const roster = syntheticRoster(students);
  const units: DrawUnit[] = [];
  for (let i = 0; i < roster.length; i += 2) {
    const s = roster[i];
    units.push({
      key: `household:${s.districtLeaid}:${s.householdKey}`,
      blockKey: `${s.districtLeaid}|${s.lowIncome ? 'Y' : 'N'}`,
    });
  }
  console.log(
    `${students} students, ${units.length} households, ${new Set(units.map((u) => u.blockKey)).size} blocks`,
  );
  const best = { floor: Infinity, draw: Infinity, wave: Infinity };
  for (let rep = 0; rep < reps; rep++) {
    const floor = time('floor: SHA-256 of the unit preimages', () => {
      let x = 0;
      for (const u of units) x ^= sha256(unitPreimage(SEED, u.key))[0];
      return x;
    });
    const draw = time('pure: drawAssignment (order, counts, arms)', () => drawAssignment(SEED, units, ARMS));
    const wave = time('pure: randomizeWave (roster → record)', () =>
      randomizeWave({
        seed: SEED,
        wave: 1,
        unit: 'household',
        arms: ARMS,
        blockBy: ['district', 'low_income'],
        students: roster,
      }),
    );
    if (!wave.value.ok) throw new Error(wave.value.message);
    best.floor = Math.min(best.floor, floor.ms);
    best.draw = Math.min(best.draw, draw.ms);
    best.wave = Math.min(best.wave, wave.ms);
  }
  console.log(
    `best of ${reps}: floor ${best.floor.toFixed(0)} ms; draw ${best.draw.toFixed(0)} ms (${(best.draw / best.floor).toFixed(2)}× floor, goal ≤ 2×); ` +
      `whole pure wave ${best.wave.toFixed(0)} ms (${(best.wave / best.floor).toFixed(2)}× floor)`,
  );
  if (args.includes('--no-db')) return;
  await endToEnd(roster);
}

async function endToEnd(roster: RosterStudent[]): Promise<void> {
  const config = loadConfig();
  const db: Db = config.databaseUrl
    ? await openScratchPostgres(config.databaseUrl)
    : await openMemoryDatabase();
  try {
    await migrateToLatest(db);
    const t0 = performance.now();
    await loadRoster(db, roster);
    console.log(
      `${'setup: COPY the synthetic roster into ' + db.dialect}`.padEnd(48) +
        ` ${(performance.now() - t0).toFixed(0).padStart(7)} ms`,
    );
    const t = performance.now();
    const r = await randomizeStudy(db, { study: 'bench', actor: 'bench' });
    const ms = performance.now() - t;
    console.log(
      `${'end to end: randomizeStudy on ' + db.dialect}`.padEnd(48) +
        ` ${ms.toFixed(0).padStart(7)} ms (${r.units} units, ${r.students} students)`,
    );
  } finally {
    await db.close();
  }
}

async function loadRoster(db: Db, roster: RosterStudent[]): Promise<void> {
  await db.withSession(async (session) => {
    const seed = '5eed0000000000000000000000000001';
    await sql`INSERT INTO study (slug, name, status, unit, arms, block_by, seed, seed_commitment)
              VALUES ('bench', 'Benchmark', 'enrolling', 'household', ${JSON.stringify(ARMS)}::jsonb,
                      '["district","low_income"]'::jsonb, ${seed}, ${createHash('sha256').update(seed).digest('hex')})`.execute(
      session.db,
    );
    const leaids = [...new Set(roster.map((s) => s.districtLeaid))];
    const districtId = new Map<string, number>();
    for (const leaid of leaids) {
      const d = await sql<{
        id: number;
      }>`INSERT INTO district (study_id, nces_leaid, name, state, locale_code)
        SELECT id, ${leaid}, ${'District ' + leaid}, 'NY', 42 FROM study WHERE slug = 'bench' RETURNING id`.execute(
        session.db,
      );
      districtId.set(leaid, d.rows[0].id);
      await sql`INSERT INTO school (district_id, school_key, name) VALUES (${d.rows[0].id}, 'main', 'Main')`.execute(
        session.db,
      );
    }
    const schoolId = new Map(
      (
        await sql<{ id: number; district_id: number }>`SELECT id, district_id FROM school`.execute(session.db)
      ).rows.map((r) => [r.district_id, r.id]),
    );
    const households = roster.filter((s, i) => i === 0 || s.householdKey !== roster[i - 1].householdKey);
    await session.copyCsv(
      'household',
      ['district_id', 'household_key'],
      batches(households, (s) => `${districtId.get(s.districtLeaid)},${s.householdKey}\n`),
    );
    const hid = new Map(
      (
        await sql<{ id: number; household_key: string }>`SELECT id, household_key FROM household`.execute(
          session.db,
        )
      ).rows.map((r) => [r.household_key, r.id]),
    );
    await session.copyCsv(
      'student',
      [
        'district_id',
        'sis_id',
        'school_id',
        'grade',
        'household_id',
        'sex',
        'english_learner',
        'low_income',
        'prior_year_absence_rate',
      ],
      batches(roster, (s) => {
        const d = districtId.get(s.districtLeaid)!;
        return `${d},${s.sisId},${schoolId.get(d)},${s.grade},${hid.get(s.householdKey)},${s.sex},${s.englishLearner},${s.lowIncome},${s.priorYearAbsenceRate}\n`;
      }),
    );
  });
}

function* batches<T>(rows: readonly T[], line: (row: T) => string): Generator<string> {
  for (let i = 0; i < rows.length; i += 20000)
    yield rows
      .slice(i, i + 20000)
      .map(line)
      .join('');
}
