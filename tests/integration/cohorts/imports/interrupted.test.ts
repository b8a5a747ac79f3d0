import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { dayMonthDrift } from '../../../helpers/attendance-day-month.ts';
import { join } from 'node:path';
import { sql } from 'kysely';
import { importFile, type RequestedKind } from '../../../../cohorts/imports/import.service.ts';
import { createStudy, enrollDistrict } from '../../../../cohorts/study.service.ts';
import { writeSyntheticStudy } from '../../../../synth/synth.service.ts';
import type { SynthManifest } from '../../../../synth/synth-manifest.ts';
import type { Db } from '../../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../../helpers/database.ts';
import { ACTOR, TempFiles } from './import-helpers.ts';

/**
 * The server ends the importing connection in the middle of a district's first attendance COPY (as an
 * administrator's pg_terminate_backend, or a crash, would): the import fails, nothing of it remains (no
 * rows, no import record, no half-made partition), the process goes on, and the same file imported
 * again completes. PostgreSQL only: the embedded database has no second connection to do it from.
 */
(testDialect === 'postgres' ? describe : describe.skip)(
  'an import whose connection is ended mid-COPY',
  () => {
    let db: Db;
    const files = new TempFiles();
    let manifest: SynthManifest;
    let leaid: string;
    const path = () => join(files.dir, leaid, 'attendance_daily.csv');

    beforeAll(async () => {
      db = await openTestDatabase();
      manifest = await writeSyntheticStudy(files.dir, {
        districts: 1,
        students: 3000,
        seed: 'interrupted',
        year: 2025,
        oneroster: 0,
        exceptions: false,
      });
      const d = manifest.districts[0];
      leaid = d.leaid;
      await createStudy(
        db,
        {
          slug: 'cut',
          name: 'cut',
          unit: 'household',
          arms: 'control:0.5,treatment:0.5',
          blockBy: 'district',
        },
        ACTOR,
      );
      await enrollDistrict(
        db,
        { study: 'cut', leaid, name: d.name, state: d.state, locale: d.localeCode, allowNonrural: true },
        ACTOR,
      );
      for (const [name, kind] of [
        ['schools.csv', 'schools'],
        ['students.csv', 'roster'],
        ['contacts.csv', 'contacts'],
        ['calendar.csv', 'calendar'],
        ['enrollment.csv', 'enrollment'],
      ] as [string, RequestedKind][])
        await importFile(db, { study: 'cut', leaid, kind, path: join(files.dir, leaid, name) }, ACTOR);
    });
    // attendance_day_month (migration 015) equals the daily rows after every test
    afterEach(async () => {
      expect(await dayMonthDrift(db.kysely)).toEqual([]);
    });
    afterAll(async () => {
      await db.close();
      files.remove();
    });

    async function state() {
      const r = await sql<{ rows: number; imports: number; partitions: number; tables: number }>`
      SELECT (SELECT count(*)::int FROM attendance_day) AS rows,
             (SELECT count(*)::int FROM import_file WHERE kind = 'attendance_daily') AS imports,
             (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'attendance_day'::regclass) AS partitions,
             (SELECT count(*)::int FROM pg_class WHERE relname LIKE 'attendance_day_d%' AND relkind = 'r') AS tables`.execute(
        db.kysely,
      );
      return r.rows[0];
    }

    it('a query whose connection is ended fails alone; the next query works', async () => {
      const sleeping = sql`SELECT pg_sleep(30)`.execute(db.kysely);
      for (let i = 0; i < 100; i++) {
        const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)'`.execute(db.kysely);
        if (r.rows[0].n > 0) break;
        await new Promise((done) => setTimeout(done, 20));
      }
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)'`.execute(db.kysely);
      await expect(sleeping).rejects.toThrow(/terminat/);
      const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely);
      expect(r.rows).toEqual([{ one: 1 }]);
    });

    it('fails, leaves nothing behind, and the same file then imports whole', async () => {
      let ended: Promise<unknown> | null = null;
      const attempt = importFile(
        db,
        { study: 'cut', leaid, kind: 'attendance', path: path() },
        ACTOR,
        (done, total) => {
          if (ended === null && done / total > 0.4) {
            ended = sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY attendance_day%'`.execute(
              db.kysely,
            );
          }
        },
      );
      await expect(attempt).rejects.toThrow();
      await ended;
      expect(ended).not.toBeNull();
      expect(await state()).toEqual({ rows: 0, imports: 0, partitions: 0, tables: 0 });

      const s = await importFile(db, { study: 'cut', leaid, kind: 'attendance', path: path() }, ACTOR);
      expect(s).toMatchObject({ status: 'imported', route: 'bulk' });
      expect(s.rowsRead).toBe(manifest.districts[0].attendanceRows);
      expect(await state()).toEqual({ rows: s.rowsRead, imports: 1, partitions: 1, tables: 1 });
    });
  },
);
