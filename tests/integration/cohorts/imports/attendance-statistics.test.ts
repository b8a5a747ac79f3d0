import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../../db/connection.ts';
import { loadStudentMonths } from '../../../../analysis/outcomes.store.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { dailyCsv, dailyRows } from './fixture-district.ts';
import {
  importer,
  importFixtureBase,
  studyDistrictId,
  studyWithDistrict,
  TempFiles,
} from './import-helpers.ts';

/**
 * Planner statistics of daily attendance: an import analyzes the district's partition it wrote, and
 * the partitioned parent only while it has none (analyzing the parent samples every partition again);
 * the outcome queries refresh the parent when the partitions grew by more than a fifth since.
 */
describe(`attendance statistics (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  const september = dailyRows('2025-09-01', '2025-09-30');

  async function reltuples(name: string): Promise<number> {
    const r = await sql<{ n: number }>`SELECT reltuples::float8 AS n FROM pg_class
      WHERE oid = to_regclass(${name})`.execute(db.kysely);
    return r.rows[0].n;
  }
  const districtId = (study: string) => studyDistrictId(db, study);
  async function importSeptember(study: string): Promise<void> {
    await studyWithDistrict(db, study);
    const imp = importer(db, files, study);
    await importFixtureBase(imp);
    const s = await imp('attendance', 'attendance-2025-09.csv', dailyCsv(september));
    expect(s).toMatchObject({ status: 'imported', route: 'bulk', inserted: september.length });
  }

  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('imports analyze their partition; the parent once, then when an outcome query reads the daily rows', async () => {
    expect(await reltuples('attendance_day')).toBeLessThan(0); // never analyzed
    await importSeptember('stats-1');
    expect(await reltuples(`attendance_day_d${await districtId('stats-1')}`)).toBe(september.length);
    expect(await reltuples('attendance_day')).toBe(september.length); // had none: analyzed

    await importSeptember('stats-2');
    expect(await reltuples(`attendance_day_d${await districtId('stats-2')}`)).toBe(september.length);
    expect(await reltuples('attendance_day')).toBe(september.length); // grown by half: left for later

    const study = await db.kysely
      .selectFrom('study')
      .select('id')
      .where('slug', '=', 'stats-2')
      .executeTakeFirstOrThrow();
    // a window of whole months reads the month sums only: attendance_day is not sampled for it
    await loadStudentMonths(db.kysely, study.id, { start: '2025-09-01', end: '2025-09-30' });
    expect(await reltuples('attendance_day')).toBe(september.length);
    expect(await reltuples('attendance_day_month')).toBeGreaterThan(0);
    // a window cutting a month reads the daily rows: sampled then
    await loadStudentMonths(db.kysely, study.id, { start: '2025-09-02', end: '2025-09-30' });
    expect(await reltuples('attendance_day')).toBe(2 * september.length);
  });
});
