import { sql, type Kysely, type Transaction } from 'kysely';
import type { Session } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
import { formatDays } from './message-values.ts';

export interface ExportBatch {
  id: number;
  kind: 'monthly_summary' | 'alerts';
}

/**
 * The rows of the message-center CSV for some batches, ordered by school, student, contact, date, all
 * at once (a partner's download of one batch; the export command streams with messageRows).
 */
export async function loadMessageRows(
  db: Kysely<Database>,
  batchIds: readonly number[],
): Promise<{ ids: number[]; rows: (string | number)[][] }> {
  if (batchIds.length === 0) return { ids: [], rows: [] };
  const r = await sql.raw<{ j: string }>(messageQuery(batchIds)).execute(db);
  const rows = r.rows.map((x) => JSON.parse(x.j) as MessageRow);
  return { ids: rows.map((x) => x[MESSAGE_ID]), rows: rows.map(messageCsvRow) };
}

/** Batch ids as SQL text: whole numbers only (a cursor's query takes no parameters). */
function idList(batchIds: readonly number[]): string {
  for (const id of batchIds) if (!Number.isInteger(id)) throw new Error(`not a batch id: ${id}`);
  return batchIds.join(', ');
}

/**
 * Reads a query's rows through a server-side cursor, `size` rows at a time, so an export of any size
 * holds one batch of rows in memory. Runs inside the caller's transaction on `session`.
 *
 * The query is planned with nested loops only (`SET LOCAL` for its DECLARE, then reset): an export
 * names one district's month (or run) of messages, a few thousand rows, and looks up each one's
 * student, school and caregiver by primary key; the costed plan instead hashed every student and
 * caregiver of the study for each export, which was most of an export's time.
 */
async function* cursorRows<R>(session: Session, query: string, size = 20_000): AsyncGenerator<R[]> {
  const before = await session.query<{ hash: string; merge: string }>(
    `SELECT current_setting('enable_hashjoin') AS hash, current_setting('enable_mergejoin') AS merge`,
  );
  await session.query(`SET LOCAL enable_hashjoin = off`);
  await session.query(`SET LOCAL enable_mergejoin = off`);
  try {
    await session.query(`DECLARE outreach_export NO SCROLL CURSOR FOR ${query}`);
  } finally {
    const { hash, merge } = before.rows[0];
    await session.query(
      `SELECT set_config('enable_hashjoin', $1, true), set_config('enable_mergejoin', $2, true)`,
      [hash, merge],
    );
  }
  try {
    for (;;) {
      const r = await session.query<R>(`FETCH ${size} FROM outreach_export`);
      if (r.rows.length === 0) return;
      yield r.rows;
    }
  } finally {
    await session.query('CLOSE outreach_export');
  }
}

/**
 * One message-center row as the query gives it: message id, batch, district, school, student,
 * contact, language, channel, text, absences this month and this school year, send-after day.
 */
type MessageRow = [
  number,
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  number,
  string,
];
const MESSAGE_ID = 0;

/**
 * The message-center CSV's query for some batches (ids checked as whole numbers). Each row is one
 * JSON array, read as one text column and parsed once: the driver's decoding of a dozen columns per
 * row cost more than the query.
 */
function messageQuery(batchIds: readonly number[]): string {
  return `
    SELECT json_build_array(m.id, m.batch_id, d.nces_leaid, sc.school_key, s.sis_id, c.contact_key,
             m.language, m.channel, m.body, m.absences_month::float8, m.absences_ytd::float8, m.send_after)::text AS j
    FROM message m JOIN message_batch b ON b.id = m.batch_id JOIN district d ON d.id = b.district_id
    JOIN student s ON s.id = m.student_id JOIN school sc ON sc.id = s.school_id
    JOIN caregiver c ON c.id = m.caregiver_id LEFT JOIN alert al ON al.id = m.alert_id
    WHERE m.batch_id IN (${idList(batchIds)})
    ORDER BY sc.school_key, s.sis_id, al.date NULLS FIRST, c.contact_key, m.id`;
}

function messageCsvRow(x: MessageRow): (string | number)[] {
  const [id, batch, leaid, school, sis, contact, language, channel, body, month, ytd, sendAfter] = x;
  return [
    batch,
    leaid,
    school,
    sis,
    contact,
    language,
    channel,
    body,
    formatDays(month),
    formatDays(ytd),
    sendAfter,
    id,
  ];
}

/**
 * The rows of the message-center CSV for some batches, ordered by school, student, alert date,
 * contact and message, in batches of rows (a cursor).
 */
export async function* messageRows(
  session: Session,
  batchIds: readonly number[],
): AsyncGenerator<(string | number)[][]> {
  if (batchIds.length === 0) return;
  const query = messageQuery(batchIds);
  for await (const rows of cursorRows<{ j: string }>(session, query))
    yield rows.map((x) => messageCsvRow(JSON.parse(x.j) as MessageRow));
}

interface TaskRow {
  id: number;
  leaid: string;
  school: string;
  sis: string;
  role: string;
  tier: number;
  reason: string;
  due_date: string;
}

/** The rows of the staff-task CSV for some alert batches, in batches of rows (a cursor). */
export async function* taskRows(
  session: Session,
  batchIds: readonly number[],
): AsyncGenerator<(string | number)[][]> {
  if (batchIds.length === 0) return;
  const query = `
    SELECT t.id, d.nces_leaid AS leaid, sc.school_key AS school, s.sis_id AS sis, t.role, t.tier::int AS tier,
           t.reason, t.due_date
    FROM staff_task t JOIN alert al ON al.id = t.alert_id JOIN message_batch b ON b.id = al.batch_id
    JOIN district d ON d.id = b.district_id JOIN student s ON s.id = t.student_id
    JOIN school sc ON sc.id = s.school_id
    WHERE al.batch_id IN (${idList(batchIds)})
    ORDER BY sc.school_key, s.sis_id, al.date, t.tier, t.id`;
  for await (const rows of cursorRows<TaskRow>(session, query))
    yield rows.map((x) => [x.id, x.leaid, x.school, x.sis, x.role, x.tier, x.reason, x.due_date]);
}

/** Queued messages become exported (status and time); others keep their status. */
export async function markExported(trx: Transaction<Database>, batchIds: readonly number[]): Promise<number> {
  if (batchIds.length === 0) return 0;
  const r = await trx
    .updateTable('message')
    .set({ status: 'exported', status_at: new Date() })
    .where('batch_id', 'in', batchIds)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Alert batches of a district whose period ends in [from, through]. */
export async function alertBatchesBetween(
  db: Kysely<Database>,
  districtId: number,
  from: string,
  through: string,
): Promise<number[]> {
  const rows = await db
    .selectFrom('message_batch')
    .select('id')
    .where('district_id', '=', districtId)
    .where('kind', '=', 'alerts')
    .where('period_end', '>=', from)
    .where('period_end', '<=', through)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
