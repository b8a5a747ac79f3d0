import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { createStudy, enrollDistrict, showStudy } from '../../../cohorts/study.service.ts';
import { AppError } from '../../../errors.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe(`studies and districts (${testDialect})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const arms = 'control:0.5,treatment:0.5';

  it('creates a study with a generated seed, showing only its commitment until randomization', async () => {
    const s = await createStudy(
      db,
      { slug: 'lift', name: 'LIFT', unit: 'household', arms, blockBy: 'district' },
      'test',
    );
    expect(s.seed).toBeNull();
    expect(s.seedCommitment).toMatch(/^[0-9a-f]{64}$/);
    const stored = await sql<{ seed: string }>`SELECT seed FROM study WHERE slug = 'lift'`.execute(db.kysely);
    expect(stored.rows[0].seed).toMatch(/^[0-9a-f]{32}$/);
    const shown = await showStudy(db, 'lift');
    expect(shown.study.seed).toBeNull();
    expect(shown.counts.districts).toBe(0);
  });

  it('refuses a duplicate slug, bad arms and an unknown unit, changing nothing', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_event`.execute(db.kysely);
    expect(
      (await refusal(createStudy(db, { slug: 'lift', name: 'x', unit: 'student', arms }, 't'))).code,
    ).toBe('CONFLICT');
    expect(
      (await refusal(createStudy(db, { slug: 'b', name: 'x', unit: 'student', arms: 'a:0.6,b:0.6' }, 't')))
        .message,
    ).toMatch(/`arms`: .*sum to 1.2/);
    expect(
      (await refusal(createStudy(db, { slug: 'c', name: 'x', unit: 'class', arms }, 't'))).message,
    ).toMatch(/`unit`/);
    expect(
      (await refusal(createStudy(db, { slug: 'Bad Slug', name: 'x', unit: 'student', arms }, 't'))).code,
    ).toBe('BAD_INPUT');
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_event`.execute(db.kysely);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('enrolls rural districts, warns for towns, refuses cities, stripped zeros and a LEAID of another state', async () => {
    const rural = await enrollDistrict(
      db,
      { study: 'lift', leaid: '0100005', name: 'A', state: 'AL', locale: 42 },
      't',
    );
    expect(rural.warnings).toEqual([]);
    const town = await enrollDistrict(
      db,
      { study: 'lift', leaid: '0100006', name: 'B', state: 'al', locale: 32 },
      't',
    );
    expect(town.warnings[0]).toMatch(/town/);
    expect(
      (
        await refusal(
          enrollDistrict(db, { study: 'lift', leaid: '0100007', name: 'C', state: 'AL', locale: 11 }, 't'),
        )
      ).message,
    ).toMatch(/`allowNonrural`/);
    const city = await enrollDistrict(
      db,
      { study: 'lift', leaid: '0100007', name: 'C', state: 'AL', locale: 11, allowNonrural: true },
      't',
    );
    expect(city.warnings[0]).toMatch(/not rural/);
    expect(
      (
        await refusal(
          enrollDistrict(db, { study: 'lift', leaid: '100008', name: 'D', state: 'AL', locale: 42 }, 't'),
        )
      ).message,
    ).toMatch(/leading zero/);
    expect(
      (
        await refusal(
          enrollDistrict(db, { study: 'lift', leaid: '3900001', name: 'E', state: 'AL', locale: 42 }, 't'),
        )
      ).message,
    ).toMatch(/FIPS code is 01/);
    expect(
      (
        await refusal(
          enrollDistrict(db, { study: 'lift', leaid: '0100005', name: 'A', state: 'AL', locale: 42 }, 't'),
        )
      ).code,
    ).toBe('CONFLICT');
    expect(
      (
        await refusal(
          enrollDistrict(db, { study: 'nope', leaid: '0100009', name: 'F', state: 'AL', locale: 42 }, 't'),
        )
      ).code,
    ).toBe('NOT_FOUND');
    const shown = await showStudy(db, 'lift');
    expect(shown.study.status).toBe('enrolling');
    expect(shown.districts.map((d) => d.leaid)).toEqual(['0100005', '0100006', '0100007']);
  });

  it('audits study creation and each enrollment', async () => {
    const r = await sql<{
      action: string;
      entity: string;
    }>`SELECT action, entity FROM audit_event ORDER BY seq`.execute(db.kysely);
    expect(r.rows.map((x) => x.action)).toEqual([
      'study.create',
      'district.enroll',
      'district.enroll',
      'district.enroll',
    ]);
    expect(r.rows[1].entity).toBe('study:lift/district:0100005');
  });
});
