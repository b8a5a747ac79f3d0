import { sql, type Kysely, type Transaction } from 'kysely';
import type { Session } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
import { copyBinaryTuples } from '../cohorts/imports/import-copy.store.ts';
import { tupleChunks } from './copy-tuples.ts';
import type { ReceiptRow } from './receipt-rows.ts';
import type { VisitRow } from './visit-rows.ts';

type Trx = Transaction<Database>;

/** Ids of the messages of a district (receipts may name only these). */
export async function loadDistrictMessageIds(db: Kysely<Database>, districtId: number): Promise<Set<number>> {
  // One JSON array read as text and parsed once: the ids of a district's months of messages (tens of
  // thousands) cost the driver more decoded row by row.
  const r = await sql<{ j: string | null }>`
    SELECT json_agg(m.id)::text AS j FROM message m JOIN message_batch b ON b.id = m.batch_id
    WHERE b.district_id = ${districtId}`.execute(db);
  const j = r.rows[0]?.j;
  return new Set(j ? (JSON.parse(j) as number[]) : []);
}

export async function loadStudentKeys(
  db: Kysely<Database>,
  districtId: number,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('student')
    .select(['id', 'sis_id'])
    .where('district_id', '=', districtId)
    .execute();
  return new Map(rows.map((r) => [r.sis_id, r.id]));
}

const CHUNK = 4000;

/**
 * Appends receipts (one binary COPY on the session, whose connection runs the caller's transaction
 * `trx`) and sets each named message's status to its latest receipt's.
 */
export async function storeReceipts(
  session: Session,
  trx: Trx,
  importId: number,
  rows: readonly ReceiptRow[],
): Promise<number> {
  if (rows.length > 0)
    await copyBinaryTuples(
      session,
      'message_receipt',
      ['message_id', 'status', 'status_at', 'provider_ref', 'import_id'],
      tupleChunks(rows, (r) => [
        { int8: r.messageId },
        { text: r.status },
        { timestamptz: r.statusAt },
        { text: r.providerRef },
        { int4: importId },
      ]),
    );
  const r = await sql`
    UPDATE message m SET status = r.status, status_at = r.status_at, provider_ref = r.provider_ref
    FROM (SELECT DISTINCT ON (message_id) message_id, status, status_at, provider_ref FROM message_receipt
          WHERE message_id IN (SELECT message_id FROM message_receipt WHERE import_id = ${importId})
          ORDER BY message_id, status_at DESC, id DESC) r
    WHERE m.id = r.message_id AND (m.status, m.status_at, m.provider_ref) IS DISTINCT FROM (r.status, r.status_at, r.provider_ref)`.execute(
    trx,
  );
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Opt-outs from receipts: for each opted-out SMS message, every caregiver of the district with that
 * phone number; for an opted-out email or inbox message, that caregiver. Caregivers already opted out
 * keep their earlier opt-out; each changed row is kept in row_revision. Returns caregivers changed.
 */
export async function optOutFromReceipts(trx: Trx, districtId: number, importId: number): Promise<number> {
  const r = await sql<{ n: number }>`
    WITH stops AS (
      SELECT m.channel, c.id AS caregiver_id, c.phone_e164, min(r.status_at) AS at
      FROM message_receipt r JOIN message m ON m.id = r.message_id JOIN caregiver c ON c.id = m.caregiver_id
      WHERE r.import_id = ${importId} AND r.status = 'opted_out'
      GROUP BY 1, 2, 3),
    targets AS (
      SELECT c.id, min(s.at) AS at, CASE WHEN bool_or(s.channel = 'sms') THEN 'sms' ELSE 'all' END AS channel
      FROM caregiver c JOIN stops s
        ON (s.channel = 'sms' AND c.phone_e164 = s.phone_e164) OR c.id = s.caregiver_id
      WHERE c.district_id = ${districtId} AND c.opt_out_at IS NULL
      GROUP BY c.id),
    revisions AS (
      INSERT INTO row_revision (import_id, table_name, row_key, previous, previous_import_id)
      SELECT ${importId}, 'caregiver', c.district_id || ':' || c.contact_key, to_jsonb(c), c.import_id
      FROM caregiver c JOIN targets t ON t.id = c.id
      RETURNING 1),
    changed AS (
      UPDATE caregiver c SET opt_out_at = (t.at AT TIME ZONE 'UTC')::date, opt_out_channel = t.channel
      FROM targets t WHERE c.id = t.id RETURNING 1)
    SELECT (SELECT count(*) FROM changed)::int + 0 * (SELECT count(*) FROM revisions)::int AS n`.execute(trx);
  return r.rows[0].n;
}

/** Inserts visits, replacing a stored visit of the same student and date (kept in row_revision). */
export async function storeVisits(
  trx: Trx,
  importId: number,
  rows: readonly VisitRow[],
): Promise<{ inserted: number; replaced: number }> {
  let replaced = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const values = sql.join(chunk.map((v) => sql`(${v.studentId}::int, ${v.date}::date)`));
    const prev = await sql<{ n: number }>`
      WITH keys(student_id, date) AS (VALUES ${values}),
      revised AS (
        INSERT INTO row_revision (import_id, table_name, row_key, previous, previous_import_id)
        SELECT ${importId}, 'visit', v.student_id || ':' || v.date, to_jsonb(v), v.import_id
        FROM visit v JOIN keys k ON k.student_id = v.student_id AND k.date = v.date RETURNING 1)
      SELECT count(*)::int AS n FROM revised`.execute(trx);
    replaced += prev.rows[0].n;
    await trx
      .insertInto('visit')
      .values(
        chunk.map((v) => ({
          student_id: v.studentId,
          date: v.date,
          modality: v.modality,
          personnel: v.personnel,
          barriers: JSON.stringify(v.barriers),
          import_id: importId,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['student_id', 'date']).doUpdateSet((eb) => ({
          modality: eb.ref('excluded.modality'),
          personnel: eb.ref('excluded.personnel'),
          barriers: eb.ref('excluded.barriers'),
          import_id: eb.ref('excluded.import_id'),
        })),
      )
      .execute();
  }
  return { inserted: rows.length - replaced, replaced };
}
