import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { migrateDown, migrateToLatest } from '../../../db/migrate.ts';
import { pgDayOf } from '../../../cohorts/imports/binary-values.ts';
import { appendAuditEvent, auditHead, GENESIS_HASH, verifyAuditChain } from '../../../db/audit.store.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';

let db: Db;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

describe(`schema on ${testDialect}`, () => {
  it('migrates down and up again', async () => {
    const down = await migrateDown(db);
    expect(down.length).toBeGreaterThan(0);
    const up = await migrateToLatest(db);
    expect(up).toEqual(down);
    const tables = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'student'`.execute(
      db.kysely,
    );
    expect(tables.rows[0].n).toBe(1);
  });

  it('refuses a district whose LEAID lost its leading zero', async () => {
    const study = await db.kysely
      .insertInto('study')
      .values({
        slug: 's1',
        name: 'S',
        unit: 'student',
        arms: '[{"name":"a","probability":"0.5"},{"name":"b","probability":"0.5"}]',
        block_by: '[]',
        seed: 'ab',
        seed_commitment: 'f'.repeat(64),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(
      db.kysely
        .insertInto('district')
        .values({ study_id: study.id, nces_leaid: '100005', name: 'D', state: 'AL', locale_code: 42 })
        .execute(),
    ).rejects.toThrow(/check constraint/);
  });

  it('chains audit events by SHA-256 and forbids rewriting them', async () => {
    expect(await auditHead(db.kysely)).toBe(GENESIS_HASH);
    const h1 = await db.kysely
      .transaction()
      .execute((trx) => appendAuditEvent(trx, { actor: 't', action: 'a1', entity: 'e', details: { n: 1 } }));
    const h2 = await db.kysely
      .transaction()
      .execute((trx) => appendAuditEvent(trx, { actor: 't', action: 'a2', entity: 'e', details: { n: 2 } }));
    expect(h1).not.toBe(h2);
    expect(await auditHead(db.kysely)).toBe(h2);
    expect(await verifyAuditChain(db.kysely)).toBeNull();
    await expect(sql`UPDATE audit_event SET actor = 'x'`.execute(db.kysely)).rejects.toThrow(
      /cannot be changed/,
    );
    await expect(sql`DELETE FROM audit_event`.execute(db.kysely)).rejects.toThrow(/cannot be changed/);
  });

  it('refuses attendance rows naming a missing student or import, and never deletes students', async () => {
    /** An import record of a district (the file's SHA-256 is the character repeated). */
    const attendanceImport = (districtId: number, ch: string) =>
      db.kysely
        .insertInto('import_file')
        .values({
          district_id: districtId,
          kind: 'attendance_daily',
          sha256: ch.repeat(64),
          file_name: `${ch}.csv`,
          warnings: '[]',
          rows_read: 0,
          rows_inserted: 0,
          rows_replaced: 0,
          rows_unchanged: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const insert = (districtId: number, studentId: number, importId: number, table = 'attendance_day') =>
      sql`INSERT INTO ${sql.table(table)} (district_id, student_id, date, category, absent_fraction, import_id) VALUES (${districtId}, ${studentId}, '2025-09-02', 'present', 0, ${importId})`.execute(
        db.kysely,
      );
    const monthly = sql`INSERT INTO attendance_month (student_id, month, enrolled_days, absent_days, import_id) VALUES (424242, '2025-09-01', 20, 1, 1)`;
    await expect(monthly.execute(db.kysely)).rejects.toThrow(/student that does not exist/);
    await expect(sql`DELETE FROM student`.execute(db.kysely)).resolves.toBeDefined(); // no rows: nothing to refuse
    const study = await db.kysely.selectFrom('study').select('id').executeTakeFirstOrThrow();
    const d = await db.kysely
      .insertInto('district')
      .values({ study_id: study.id, nces_leaid: '0100005', name: 'D', state: 'AL', locale_code: 42 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const sc = await db.kysely
      .insertInto('school')
      .values({ district_id: d.id, school_key: 'A', nces_id: null, name: 'A' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const h = await db.kysely
      .insertInto('household')
      .values({ district_id: d.id, household_key: 'H' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const st = await db.kysely
      .insertInto('student')
      .values({
        district_id: d.id,
        sis_id: '001',
        state_id: null,
        school_id: sc.id,
        grade: 'KG',
        household_id: h.id,
        sex: null,
        race_ethnicity: null,
        english_learner: null,
        disability: null,
        low_income: null,
        prior_year_absence_rate: null,
        import_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Rows live in their district's partition (migration 004), made once the district has attendance.
    await expect(insert(d.id, st.id, 987_654)).rejects.toThrow(/no partition/);
    const anyImport = await attendanceImport(d.id, 'b');
    await sql`SELECT attendance_day_new_partition(${d.id}::int, ${anyImport.id}::int)`.execute(db.kysely);
    await sql`SELECT attendance_day_attach_partition(${d.id}::int)`.execute(db.kysely);
    await expect(insert(d.id, 999_999, 1)).rejects.toThrow(/student that does not exist/);
    await expect(insert(d.id, st.id, 987_654)).rejects.toThrow(/import that does not exist/);
    // Straight into the partition: its own triggers check the same.
    await expect(insert(d.id, 999_999, 1, `attendance_day_d${d.id}`)).rejects.toThrow(
      /student that does not exist/,
    );
    // A district_id other than the student's: no partition takes it, or the check refuses it.
    const other = await db.kysely
      .insertInto('district')
      .values({ study_id: study.id, nces_leaid: '0100006', name: 'E', state: 'AL', locale_code: 42 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`SELECT attendance_day_new_partition(${other.id}::int, ${anyImport.id}::int)`.execute(db.kysely);
    await sql`SELECT attendance_day_attach_partition(${other.id}::int)`.execute(db.kysely);
    const imp = await attendanceImport(other.id, 'a');
    await expect(insert(other.id, st.id, imp.id)).rejects.toThrow(
      /student that does not exist in the row's district/,
    );
    await expect(insert(d.id, st.id, imp.id)).resolves.toBeDefined();
    // An unattached partition is checked when it is attached.
    const third = await db.kysely
      .insertInto('district')
      .values({ study_id: study.id, nces_leaid: '0100007', name: 'F', state: 'AL', locale_code: 42 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`SELECT attendance_day_new_partition(${third.id}::int, ${imp.id}::int)`.execute(db.kysely);
    // its loading constraint admits only rows of the import it was made for
    await expect(insert(third.id, st.id, anyImport.id, `attendance_day_d${third.id}`)).rejects.toThrow(
      /_loading/,
    );
    await insert(third.id, st.id, imp.id, `attendance_day_d${third.id}`);
    await expect(
      sql`SELECT attendance_day_attach_partition(${third.id}::int)`.execute(db.kysely),
    ).rejects.toThrow(/does not exist in district/);
    await expect(sql`DELETE FROM student WHERE id = ${st.id}`.execute(db.kysely)).rejects.toThrow(
      /never deleted/,
    );
  });
});

describe(`bulk COPY (${testDialect})`, () => {
  it('copies CSV text whose chunks split lines anywhere, across many COPY batches', async () => {
    await sql`CREATE TEMP TABLE copy_probe (n integer, label text)`.execute(db.kysely);
    // ~22 MB, more than one 16 MB PGlite batch; 4,093-character chunks end inside lines.
    const lines = Array.from({ length: 900_000 }, (_, i) => `${i},"row ${i}, quoted"\n`).join('');
    const chunks = function* () {
      for (let i = 0; i < lines.length; i += 4093) yield lines.slice(i, i + 4093);
    };
    const copied = await db.withSession((s) => s.copyCsv('copy_probe', ['n', 'label'], chunks()));
    expect(copied).toBe(900_000);
    const r = await sql<{
      n: number;
      s: number;
    }>`SELECT count(*)::int AS n, sum(n)::float8 AS s FROM copy_probe`.execute(db.kysely);
    expect(r.rows[0]).toEqual({ n: 900_000, s: (899_999 * 900_000) / 2 });
  });

  it('copies binary tuples, across many COPY batches, with NULLs and multi-byte text', async () => {
    await sql`CREATE TEMP TABLE binary_probe (n integer, d date, x real, label text)`.execute(db.kysely);
    // ~24 MB of tuples in 4,000-tuple chunks: more than one 16 MB PGlite batch.
    const label = (i: number) => (i % 3 === 0 ? null : `zoë ${i}`);
    function* chunks(): Generator<Uint8Array> {
      for (let start = 0; start < 600_000; start += 4000) {
        const parts: Buffer[] = [];
        for (let i = start; i < start + 4000; i++) {
          const text = label(i);
          const t = Buffer.alloc(2 + 8 + 8 + 8 + 4 + (text === null ? 0 : Buffer.byteLength(text)));
          let o = t.writeInt16BE(4, 0);
          o = t.writeInt32BE(4, o);
          o = t.writeInt32BE(i, o);
          o = t.writeInt32BE(4, o);
          o = t.writeInt32BE(pgDayOf('2025-09-01') + (i % 30), o);
          o = t.writeInt32BE(4, o);
          o = t.writeFloatBE(0.5, o);
          if (text === null) t.writeInt32BE(-1, o);
          else t.write(text, t.writeInt32BE(Buffer.byteLength(text), o));
          parts.push(t);
        }
        yield Buffer.concat(parts);
      }
    }
    async function* asyncChunks() {
      yield* chunks();
    }
    const copied = await db.withSession((s) =>
      s.copyBinary('binary_probe', ['n', 'd', 'x', 'label'], asyncChunks()),
    );
    expect(copied).toBe(600_000);
    const r = await sql<{ n: number; s: number; nulls: number; last: string; sept30: number; x: number }>`
      SELECT count(*)::int AS n, sum(n)::float8 AS s, count(*) FILTER (WHERE label IS NULL)::int AS nulls,
             max(label) FILTER (WHERE n = 599999) AS last, count(*) FILTER (WHERE d = '2025-09-30')::int AS sept30,
             max(x)::float8 AS x
      FROM binary_probe`.execute(db.kysely);
    expect(r.rows[0]).toEqual({
      n: 600_000,
      s: (599_999 * 600_000) / 2,
      nulls: 200_000,
      last: 'zoë 599999',
      sept30: 20_000,
      x: 0.5,
    });
  });
});
