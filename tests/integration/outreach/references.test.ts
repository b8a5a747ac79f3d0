import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { generateAlerts, generateMonth } from '../../../outreach/messages.service.ts';
import { copyMessages } from '../../../outreach/messages.store.ts';
import { setProgram } from '../../../outreach/program.service.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { TempFiles } from '../cohorts/imports/import-helpers.ts';
import { ACTOR, goldenStudy } from './outreach-helpers.ts';

/**
 * Migration 014: message, alert and staff_task references are checked per statement (not by foreign
 * keys), for INSERT, COPY and UPDATE; the rows they name cannot be deleted or truncated while named.
 */
describe(`outreach references checked per statement (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  let good: {
    batch_id: number;
    student_id: number;
    caregiver_id: number;
    template_id: number;
  };

  beforeAll(async () => {
    db = await openTestDatabase();
    await goldenStudy(db, files, 'refs');
    await setProgram(db, { study: 'refs', arm: 'summary', program: 'monthly_summary' }, ACTOR);
    await setProgram(db, { study: 'refs', arm: 'alerts', program: 'threshold_alerts' }, ACTOR);
    await generateMonth(db, { study: 'refs', month: '2025-09' }, ACTOR);
    await generateAlerts(db, { study: 'refs', through: '2025-09-30' }, ACTOR);
    const r = await sql<typeof good>`
      SELECT batch_id, student_id, caregiver_id, template_id FROM message LIMIT 1`.execute(db.kysely);
    good = r.rows[0];
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  const copyOne = (over: Partial<typeof good> & { alert_id?: number | null }) =>
    db.withSession((session) =>
      session.db.transaction().execute(() =>
        copyMessages(session, [
          {
            batchId: over.batch_id ?? good.batch_id,
            studentId: over.student_id ?? good.student_id,
            caregiverId: over.caregiver_id ?? good.caregiver_id,
            templateId: over.template_id ?? good.template_id,
            alertId: over.alert_id ?? null,
            channel: 'sms',
            language: 'en',
            body: 'x',
            segments: 1,
            absencesMonth: 1,
            absencesYtd: 1,
            sendAfter: '2025-10-01',
          },
        ]),
      ),
    );

  it('refuses a message whose caregiver, template, batch, student or alert does not exist', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message`.execute(db.kysely);
    await expect(copyOne({ caregiver_id: 9_999_999 })).rejects.toThrow(
      /message\.caregiver_id references a caregiver row that does not exist/,
    );
    await expect(copyOne({ template_id: 9_999_999 })).rejects.toThrow(/message\.template_id/);
    await expect(copyOne({ batch_id: 9_999_999 })).rejects.toThrow(/message\.batch_id/);
    await expect(copyOne({ student_id: 9_999_999 })).rejects.toThrow(/message\.student_id/);
    await expect(copyOne({ alert_id: 9_999_999 })).rejects.toThrow(/message\.alert_id/);
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message`.execute(db.kysely);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    // A good row is accepted (and rolled back here by hand).
    await expect(copyOne({})).resolves.toBe(1);
    await sql`DELETE FROM message WHERE body = 'x'`.execute(db.kysely);
  });

  it('refuses an UPDATE or INSERT of alerts and tasks naming a missing row', async () => {
    await expect(sql`UPDATE alert SET program_id = 9999999`.execute(db.kysely)).rejects.toThrow(
      /alert\.program_id references a program row that does not exist/,
    );
    await expect(
      sql`INSERT INTO staff_task (alert_id, student_id, role, tier, reason, due_date)
          SELECT 9999999, student_id, role, tier, reason, due_date FROM staff_task LIMIT 1`.execute(
        db.kysely,
      ),
    ).rejects.toThrow(/staff_task\.alert_id references a alert row that does not exist/);
  });

  it('refuses receipts naming a missing message or import (migration 017), and keeps named messages', async () => {
    const m = await sql<{ id: number }>`SELECT id FROM message ORDER BY id LIMIT 1`.execute(db.kysely);
    const i = await sql<{ id: number }>`SELECT id FROM import_file ORDER BY id LIMIT 1`.execute(db.kysely);
    const message = Number(m.rows[0].id);
    const importId = i.rows[0].id;
    const insert = (messageId: number, imp: number) =>
      sql`INSERT INTO message_receipt (message_id, status, status_at, import_id)
          VALUES (${message}, 'delivered', '2025-10-02T08:00:00Z', ${importId}),
                 (${messageId}, 'failed', '2025-10-02T09:00:00Z', ${imp})`.execute(db.kysely);
    await expect(insert(9_999_999, importId)).rejects.toThrow(
      /message_receipt\.message_id references a message row that does not exist/,
    );
    await expect(insert(message, 9_999_999)).rejects.toThrow(
      /message_receipt\.import_id references a import_file row that does not exist/,
    );
    const none = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message_receipt`.execute(db.kysely);
    expect(none.rows[0].n).toBe(0);
    await insert(message, importId);
    await expect(
      sql`UPDATE message_receipt SET message_id = 9999999 WHERE status = 'failed'`.execute(db.kysely),
    ).rejects.toThrow(/message_receipt\.message_id references a message row/);
    await expect(sql`UPDATE message_receipt SET import_id = 9999999`.execute(db.kysely)).rejects.toThrow(
      /message_receipt\.import_id references a import_file row/,
    );
    // an update that keeps the references checks nothing and succeeds
    await sql`UPDATE message_receipt SET provider_ref = 'p'`.execute(db.kysely);
    await expect(sql`DELETE FROM message WHERE id = ${message}`.execute(db.kysely)).rejects.toThrow(
      /message rows are still referenced by message_receipt\.message_id/,
    );
    await expect(sql`TRUNCATE message`.execute(db.kysely)).rejects.toThrow(
      /message cannot be truncated while message_receipt has rows/,
    );
    const kept = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM message WHERE id = ${message}`.execute(db.kysely);
    expect(kept.rows[0].n).toBe(1);
  });

  it('refuses deleting or truncating rows still referenced, and allows the referencing order', async () => {
    await expect(
      sql`DELETE FROM message_template WHERE id = ${good.template_id}`.execute(db.kysely),
    ).rejects.toThrow(/message_template rows are still referenced by message\.template_id/);
    await expect(sql`DELETE FROM alert`.execute(db.kysely)).rejects.toThrow(/still referenced/);
    await expect(sql`TRUNCATE message_batch`.execute(db.kysely)).rejects.toThrow(
      /message_batch cannot be truncated while/,
    );
    await sql`DELETE FROM message_receipt; DELETE FROM message; DELETE FROM staff_task; DELETE FROM alert;
              DELETE FROM message_batch`.execute(db.kysely);
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message_batch`.execute(db.kysely);
    expect(left.rows[0].n).toBe(0);
  });
});
