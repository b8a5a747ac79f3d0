import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { loadConfig, type Config } from '../../../config.ts';
import { openDatabase } from '../../../db/connection.ts';
import { main } from '../../../cli/main.ts';
import { addStudents, createTestStudy } from './seed-study.ts';

/**
 * The CLI end to end on an embedded database in a temporary directory, and the third-party Python
 * verifier (standard library only) run on Pilot's own export and record.
 */
let dir: string;
let config: Config;

function sink(): Writable & { text: () => string } {
  const parts: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      parts.push(String(chunk));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => parts.join('');
  return w;
}

async function pilot(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['node', 'pilot', ...args], { config, stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text() };
}

function python(...args: string[]) {
  return spawnSync('python3', [join(process.cwd(), 'scripts/verify_assignment.py'), ...args], {
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pilot-randomize-'));
  config = { ...loadConfig({ PILOT_DATA_DIR: join(dir, 'db'), PILOT_ACTOR: 'cli-test' }), databaseUrl: null };
  expect((await pilot('init')).code).toBe(0);
  const db = await openDatabase(config);
  await createTestStudy(db.kysely, {
    slug: 'cli',
    unit: 'household',
    arms: [
      { name: 'control', probability: '0.4' },
      { name: 'text', probability: '0.35' },
      { name: 'visit', probability: '0.25' },
    ],
    blockBy: ['district', 'grade_band'],
  });
  await db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function createStudyWithDb(slug: string): Promise<void> {
  const db = await openDatabase(config);
  await createTestStudy(db.kysely, { slug, unit: 'household', households: 14 });
  await db.close();
}

describe('pilot randomize / assignments export', () => {
  it('randomizes once and prints counts by block and arm and the balance table', async () => {
    const r = await pilot('randomize', '--study', 'cli');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/counts by block and arm/);
    expect(r.out).toMatch(/3600001\|PK-05/);
    expect(r.out).toMatch(/prior_year_absence_rate/);
    const again = await pilot('randomize', '--study', 'cli', '--json');
    expect(again.code).toBe(75); // CONFLICT
    expect(again.err).toMatch(/already randomized/);
  });

  it('verifies, shows the record, and exports a CSV the Python verifier re-derives', async () => {
    const v = await pilot('randomize', 'verify', '--study', 'cli');
    expect(v).toEqual({ code: 0, out: 'verified\n', err: '' });
    const show = await pilot('randomize', 'show', '--study', 'cli', '--json');
    const record = JSON.parse(show.out);
    expect(record).toEqual(
      expect.objectContaining({
        algorithm: 'pilot-v1',
        version: 1,
        seed: expect.stringMatching(/^[0-9a-f]{32}$/),
        seed_commitment: expect.any(String),
      }),
    );
    expect(record.randomizations[0].block_counts.length).toBeGreaterThan(1);
    const recordFile = join(dir, 'record.json');
    writeFileSync(recordFile, show.out);
    const csvFile = join(dir, 'roster.csv');
    const ex = await pilot('assignments', 'export', '--study', 'cli', '--out', csvFile);
    expect(ex.code).toBe(0);
    const csv = readFileSync(csvFile, 'utf8');
    expect(csv.split('\n')[0]).toBe('unit_key,student_id,district_leaid,block_key,arm,wave');
    expect(csv.trim().split('\n').length - 1).toBe(record.randomizations[0].students);

    const ok = python(csvFile, '--record', recordFile);
    expect({ status: ok.status, out: ok.stdout.trim() }).toEqual({ status: 0, out: 'verified' });
    const bySeed = python(csvFile, '--seed', record.seed, '--arms', 'control=0.4,text=0.35,visit=0.25');
    expect(bySeed.stdout.trim()).toBe('verified');

    // Flip one household's arm in the export: the verifier names it and exits 1.
    const lines = csv.trim().split('\n');
    const victim = lines[1].split(',');
    const flipped = victim[4] === 'control' ? 'visit' : 'control';
    const tampered = lines.map((l, i) =>
      i > 0 && l.split(',')[0] === victim[0] ? l.replace(/,[a-z]+,(\d+)$/, `,${flipped},$1`) : l,
    );
    writeFileSync(join(dir, 'tampered.csv'), tampered.join('\n') + '\n');
    const bad = python(join(dir, 'tampered.csv'), '--record', recordFile);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(victim[0]);
    const wrongSeed = python(csvFile, '--seed', 'f'.repeat(32), '--arms', 'control=0.4,text=0.35,visit=0.25');
    expect(wrongSeed.status).toBe(1);
  });

  it('exports one district only', async () => {
    const r = await pilot('assignments', 'export', '--study', 'cli', '--district', '3600002');
    const rows = r.out.trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => l.split(',')[2] === '3600002')).toBe(true);
  });

  it('randomize verify fails with a non-zero exit when a stored arm was altered behind the triggers', async () => {
    const db = await openDatabase(config);
    await sql`ALTER TABLE assignment DISABLE TRIGGER assignment_locked`.execute(db.kysely);
    await sql`UPDATE assignment SET arm = CASE arm WHEN 'control' THEN 'visit' ELSE 'control' END
               WHERE unit_key = (SELECT min(unit_key) FROM assignment)`.execute(db.kysely);
    await sql`ALTER TABLE assignment ENABLE TRIGGER assignment_locked`.execute(db.kysely);
    await db.close();
    const v = await pilot('randomize', 'verify', '--study', 'cli');
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/mismatch \(wave 1\): unit household:/);
    expect(v.out).toMatch(/assignment SHA-256/);
  });

  it('wave 2: open-wave publishes H(S_2) first; verify and the Python verifier re-derive wave 2 from S_2', async () => {
    await createStudyWithDb('cli-waves');
    expect((await pilot('randomize', '--study', 'cli-waves')).code).toBe(0);
    const early = await pilot('randomize', '--study', 'cli-waves', '--wave', '2');
    expect(early.code).toBe(75); // not opened
    expect(early.err).toMatch(/wave 2 of cli-waves has not been opened/);
    const opened = await pilot('randomize', 'open-wave', '--study', 'cli-waves', '--json');
    expect(opened.err).toBe('');
    const { seed_commitment: commitment } = JSON.parse(opened.out);
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    const sealed = JSON.parse((await pilot('randomize', 'show', '--study', 'cli-waves', '--json')).out);
    expect(sealed.open_waves).toEqual([expect.objectContaining({ wave: 2, seed_commitment: commitment })]);

    const db = await openDatabase(config);
    const d = await sql<{ id: number }>`
      SELECT d.id FROM district d JOIN study s ON s.id = d.study_id
       WHERE s.slug = 'cli-waves' AND d.nces_leaid = '3600001'`.execute(db.kysely);
    await addStudents(db.kysely, d.rows[0].id, '3600001', 28, 6, 'L');
    await db.close();
    expect((await pilot('randomize', '--study', 'cli-waves', '--wave', '2')).code).toBe(0);
    expect(await pilot('randomize', 'verify', '--study', 'cli-waves')).toEqual({
      code: 0,
      out: 'verified\n',
      err: '',
    });

    const show = await pilot('randomize', 'show', '--study', 'cli-waves', '--json');
    const record = JSON.parse(show.out);
    const w2 = record.randomizations[1];
    expect(w2).toMatchObject({ wave: 2, seed_derivation: 'S_2', seed_commitment: commitment });
    expect(w2.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(w2.seed).not.toBe(`${record.seed}|wave2`);
    const recordFile = join(dir, 'waves-record.json');
    writeFileSync(recordFile, show.out);
    const csvFile = join(dir, 'waves-roster.csv');
    expect((await pilot('assignments', 'export', '--study', 'cli-waves', '--out', csvFile)).code).toBe(0);
    expect(readFileSync(csvFile, 'utf8')).toMatch(/,2\n/);

    const ok = python(csvFile, '--record', recordFile);
    expect({ status: ok.status, out: ok.stdout.trim() }).toEqual({ status: 0, out: 'verified' });
    const arms = 'control=0.5,treatment=0.5';
    const withSeeds = python(csvFile, '--seed', record.seed, '--arms', arms, '--wave-seed', `2=${w2.seed}`);
    expect(withSeeds.stdout.trim()).toBe('verified');
    // Wave 2 cannot be had from S: without its own seed, or with S + "|wave2", it does not verify.
    const noSeed = python(csvFile, '--seed', record.seed, '--arms', arms);
    expect(noSeed.status).toBe(1);
    expect(noSeed.stdout).toMatch(/wave 2: give its own seed/);
    const fromS = python(
      csvFile,
      '--seed',
      record.seed,
      '--arms',
      arms,
      '--wave-seed',
      `2=${record.seed}|wave2`,
    );
    expect(fromS.status).toBe(1);
    expect(fromS.stdout).toMatch(/^wave 2: unit /m);
    // A record whose wave seed is not the one committed at opening is refused.
    const forged = { ...record, randomizations: [record.randomizations[0], { ...w2, seed: 'f'.repeat(32) }] };
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(forged));
    const bad = python(csvFile, '--record', join(dir, 'forged.json'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/wave 2: the seed does not match the commitment/);
  });

  it('the verifier script is standard-library only', () => {
    const source = readFileSync('scripts/verify_assignment.py', 'utf8');
    const imports = [...source.matchAll(/^import (\w+)|^from (\w+) import/gm)].map((m) => m[1] ?? m[2]);
    expect(imports.sort()).toEqual(['argparse', 'csv', 'hashlib', 'json', 're', 'sys']);
    expect(execFileSync('python3', ['scripts/verify_assignment.py', '--help'], { encoding: 'utf8' })).toMatch(
      /verifier/,
    );
  });
});
