import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Session } from '../db/connection.ts';
import type { Database } from '../db/types.ts';
import { copyBinaryTuples } from '../cohorts/imports/import-copy.store.ts';
import { tupleChunks } from './copy-tuples.ts';
import type { Contact } from './recipients.ts';
import type { AbsenceDay } from './thresholds.ts';
import type { TargetStudent, NewMessage } from './records.ts';
export type { TargetStudent, NewMessage };

type Trx = Transaction<Database>;

/** A randomized student with the district they belong to. */
export type DistrictStudent = TargetStudent & { districtId: number };

/**
 * A query's rows as one JSON array, read as text and parsed once: tens of thousands of rows of a few
 * columns cost the driver more to decode one by one (per row and field) than one JSON.parse of the
 * same values. `query` selects one column `j`, a json_agg (NULL when there are no rows).
 */
async function jsonRows<T>(db: Kysely<Database>, query: RawBuilder<{ j: string | null }>): Promise<T[]> {
  const r = await query.execute(db);
  const j = r.rows[0]?.j;
  return j ? (JSON.parse(j) as T[]) : [];
}

/** The randomized students of some districts of a study (every arm), by district and SIS id. */
export async function loadRandomizedStudents(
  db: Kysely<Database>,
  studyId: number,
  districtIds: readonly number[],
): Promise<DistrictStudent[]> {
  if (districtIds.length === 0) return [];
  type Row = [number, number, string, string | null, string, string, string | null, string];
  const rows = await jsonRows<Row>(
    db,
    sql`
    SELECT json_agg(json_build_array(s.id, s.district_id, s.sis_id, s.first_name, sc.school_key, sc.name,
                                     sc.phone, a.arm) ORDER BY s.district_id, s.sis_id)::text AS j
    FROM assignment_member m
    JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
    JOIN student s ON s.id = m.student_id JOIN school sc ON sc.id = s.school_id
    WHERE m.study_id = ${studyId} AND s.district_id = ANY(${districtIds as number[]}::int[])`,
  );
  return rows.map(([studentId, districtId, sisId, firstName, schoolKey, schoolName, schoolPhone, arm]) => ({
    studentId,
    districtId,
    sisId,
    firstName,
    schoolKey,
    schoolName,
    schoolPhone,
    arm,
  }));
}

/** Of some districts, those with any attendance (daily or monthly) in [start, end]. */
export async function districtsWithAttendance(
  db: Kysely<Database>,
  districtIds: readonly number[],
  start: string,
  end: string,
): Promise<Set<number>> {
  if (districtIds.length === 0) return new Set();
  const r = await sql<{ id: number }>`
    SELECT d.id FROM unnest(${districtIds as number[]}::int[]) AS d(id)
    WHERE EXISTS (SELECT 1 FROM attendance_day WHERE district_id = d.id
                  AND date BETWEEN ${start}::date AND ${end}::date)
       OR EXISTS (SELECT 1 FROM attendance_month am JOIN student s ON s.id = am.student_id
                  WHERE s.district_id = d.id AND am.month BETWEEN ${start}::date AND ${end}::date)`.execute(
    db,
  );
  return new Set(r.rows.map((x) => x.id));
}

/**
 * Absence days (DESIGN §5: the sum of absent fractions; in-school suspension is presence) of each
 * student of some districts in a month and in the school year through that month, in one grouped
 * query over all of them. Daily rows are used where a student-month has them, monthly totals
 * otherwise. The daily part reads the per student-month sums that attendance_day_month keeps exact
 * (migration 015: the same numeric sum of absent fractions, in-school suspension as 0), one row per
 * student-month instead of every absence day; a student-month has daily rows exactly when it has a
 * row there. `yearStart` and `monthStart` are first days of months.
 */
export async function loadMonthAbsences(
  db: Kysely<Database>,
  districtIds: readonly number[],
  yearStart: string,
  monthStart: string,
  monthEnd: string,
): Promise<Map<number, { month: number; ytd: number }>> {
  if (districtIds.length === 0) return new Map();
  const ids = districtIds as number[];
  const rows = await jsonRows<[number, number | null, number]>(
    db,
    sql`
    WITH daily AS (
      SELECT student_id, month AS m, absence AS days
      FROM attendance_day_month
      WHERE district_id = ANY(${ids}::int[]) AND month BETWEEN ${yearStart}::date AND ${monthEnd}::date
        AND absence > 0),
    monthly AS (
      SELECT am.student_id, am.month AS m, am.absent_days::numeric AS days
      FROM attendance_month am JOIN student s ON s.id = am.student_id
      WHERE s.district_id = ANY(${ids}::int[]) AND am.month BETWEEN ${yearStart}::date AND ${monthStart}::date
        AND NOT EXISTS (SELECT 1 FROM attendance_day_month dm
                        WHERE dm.district_id = s.district_id AND dm.student_id = am.student_id
                          AND dm.month = am.month)),
    all_months AS (SELECT * FROM daily UNION ALL SELECT * FROM monthly),
    per_student AS (
      SELECT student_id,
             round(sum(days) FILTER (WHERE m = ${monthStart}::date), 2)::float8 AS month,
             round(sum(days), 2)::float8 AS ytd
      FROM all_months GROUP BY student_id)
    SELECT json_agg(json_build_array(student_id, month, ytd))::text AS j FROM per_student`,
  );
  return new Map(rows.map(([student, month, ytd]) => [student, { month: month ?? 0, ytd }]));
}

/**
 * Each student's absence days (fraction > 0, not in-school suspension) from yearStart through a date,
 * for the students of some arms of a study in some districts, in one query.
 */
export async function loadAbsenceDays(
  db: Kysely<Database>,
  studyId: number,
  arms: readonly string[],
  districtIds: readonly number[],
  yearStart: string,
  through: string,
): Promise<Map<number, AbsenceDay[]>> {
  const out = new Map<number, AbsenceDay[]>();
  if (districtIds.length === 0 || arms.length === 0) return out;
  // Per student: [student, [dates], [fractions]], dates in order.
  const rows = await jsonRows<[number, string[], number[]]>(
    db,
    sql`
    WITH targets AS (
      SELECT m.student_id FROM assignment_member m
      JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
      WHERE m.study_id = ${studyId} AND a.arm = ANY(${arms as string[]}::text[])),
    per_student AS (
      SELECT ad.student_id, json_agg(ad.date ORDER BY ad.date) AS dates,
             json_agg(round(ad.absent_fraction::numeric, 4)::float8 ORDER BY ad.date) AS fractions
      FROM attendance_day ad
      WHERE ad.district_id = ANY(${districtIds as number[]}::int[])
        AND ad.date BETWEEN ${yearStart}::date AND ${through}::date
        AND ad.absent_fraction > 0 AND ad.suspension IS DISTINCT FROM 'iss'
        AND ad.student_id IN (SELECT student_id FROM targets)
      GROUP BY ad.student_id)
    SELECT json_agg(json_build_array(student_id, dates, fractions) ORDER BY student_id)::text AS j
    FROM per_student`,
  );
  for (const [student, dates, fractions] of rows)
    out.set(
      student,
      dates.map((date, i) => ({ date, fraction: fractions[i] })),
    );
  return out;
}

/**
 * The caregivers of each student of some districts: those the contacts file links to the student and
 * those of the student's household (a SIS often lists a family's contacts under one child only). A
 * caregiver counts as opted out when they or any caregiver of their district with the same phone
 * number opted out.
 */
export async function loadContacts(
  db: Kysely<Database>,
  districtIds: readonly number[],
): Promise<Map<number, Contact[]>> {
  const out = new Map<number, Contact[]>();
  if (districtIds.length === 0) return out;
  const ids = districtIds as number[];
  type Row = [
    number,
    number,
    string,
    string | null,
    string,
    string | null,
    string | null,
    string | null,
    boolean,
    boolean,
    boolean,
    boolean,
  ];
  const rows = await jsonRows<Row>(
    db,
    sql`
    WITH opted_numbers AS (
      SELECT DISTINCT district_id, phone_e164 FROM caregiver
      WHERE district_id = ANY(${ids}::int[]) AND opt_out_at IS NOT NULL AND phone_e164 IS NOT NULL),
    links AS (
      SELECT cs.student_id, cs.caregiver_id FROM caregiver_student cs
      JOIN caregiver c ON c.id = cs.caregiver_id WHERE c.district_id = ANY(${ids}::int[])
      UNION
      SELECT s.id, c.id FROM student s JOIN caregiver c ON c.household_id = s.household_id
      WHERE s.district_id = ANY(${ids}::int[]))
    SELECT json_agg(json_build_array(
             cs.student_id, c.id, c.contact_key, c.first_name, c.language, c.phone_e164, c.phone_as_given,
             c.email, c.email_valid, c.sms_consent, c.message_contact,
             c.opt_out_at IS NOT NULL OR o.phone_e164 IS NOT NULL)
           ORDER BY cs.student_id, c.contact_key)::text AS j
    FROM links cs JOIN caregiver c ON c.id = cs.caregiver_id
    LEFT JOIN opted_numbers o ON o.district_id = c.district_id AND o.phone_e164 = c.phone_e164`,
  );
  for (const [
    studentId,
    caregiverId,
    contactKey,
    firstName,
    language,
    phoneE164,
    phoneAsGiven,
    email,
    emailValid,
    smsConsent,
    messageContact,
    optedOut,
  ] of rows) {
    let list = out.get(studentId);
    if (!list) out.set(studentId, (list = []));
    list.push({
      caregiverId,
      contactKey,
      firstName,
      language,
      phoneE164,
      phoneAsGiven,
      email,
      emailValid,
      smsConsent,
      messageContact,
      optedOut,
    });
  }
  return out;
}

export async function findBatch(
  db: Kysely<Database>,
  districtId: number,
  kind: 'monthly_summary' | 'alerts',
  periodEnd: string,
): Promise<{ id: number; periodStart: string } | null> {
  const r = await db
    .selectFrom('message_batch')
    .select(['id', 'period_start'])
    .where('district_id', '=', districtId)
    .where('kind', '=', kind)
    .where('period_end', '=', periodEnd)
    .executeTakeFirst();
  return r ? { id: r.id, periodStart: r.period_start } : null;
}

/** The batches of some districts of one kind ending on a day, by district. */
export async function findBatches(
  db: Kysely<Database>,
  districtIds: readonly number[],
  kind: 'monthly_summary' | 'alerts',
  periodEnd: string,
): Promise<Map<number, { id: number; periodStart: string }>> {
  if (districtIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('message_batch')
    .select(['id', 'district_id', 'period_start'])
    .where('district_id', 'in', districtIds as number[])
    .where('kind', '=', kind)
    .where('period_end', '=', periodEnd)
    .execute();
  return new Map(rows.map((r) => [r.district_id, { id: r.id, periodStart: r.period_start }]));
}

/** The last day already covered by alert batches of each of some districts (absent when none). */
export async function lastAlertDays(
  db: Kysely<Database>,
  districtIds: readonly number[],
): Promise<Map<number, string>> {
  if (districtIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('message_batch')
    .select(['district_id', (eb) => eb.fn.max('period_end').as('last')])
    .where('district_id', 'in', districtIds as number[])
    .where('kind', '=', 'alerts')
    .groupBy('district_id')
    .execute();
  return new Map(rows.map((r) => [r.district_id, r.last as string]));
}

/** Per batch and student, the absences the monthly messages of some batches quoted. */
export async function loadBatchAbsences(
  db: Kysely<Database>,
  batchIds: readonly number[],
): Promise<Map<number, Map<number, { month: number; ytd: number }>>> {
  const out = new Map<number, Map<number, { month: number; ytd: number }>>();
  if (batchIds.length === 0) return out;
  const r = await sql<{ batch_id: number; student_id: number; month: number; ytd: number }>`
    SELECT DISTINCT ON (batch_id, student_id) batch_id, student_id, absences_month::float8 AS month,
           absences_ytd::float8 AS ytd
    FROM message WHERE batch_id = ANY(${batchIds as number[]}::int[]) AND alert_id IS NULL
    ORDER BY batch_id, student_id`.execute(db);
  for (const x of r.rows) {
    let m = out.get(x.batch_id);
    if (!m) out.set(x.batch_id, (m = new Map()));
    m.set(x.student_id, { month: x.month, ytd: x.ytd });
  }
  return out;
}

/** Alerts some programs already raised in a school year in some districts, by student. */
export async function loadAlertHistory(
  db: Kysely<Database>,
  programIds: readonly number[],
  districtIds: readonly number[],
  schoolYear: number,
): Promise<Map<number, { thresholds: Set<number>; days: Set<string> }>> {
  const out = new Map<number, { thresholds: Set<number>; days: Set<string> }>();
  if (programIds.length === 0 || districtIds.length === 0) return out;
  const rows = await db
    .selectFrom('alert as a')
    .innerJoin('message_batch as b', 'b.id', 'a.batch_id')
    .select(['a.student_id', 'a.kind', 'a.threshold', 'a.date'])
    .where('a.program_id', 'in', programIds as number[])
    .where('b.district_id', 'in', districtIds as number[])
    .where('a.school_year', '=', schoolYear)
    .execute();
  for (const r of rows) {
    let h = out.get(r.student_id);
    if (!h) out.set(r.student_id, (h = { thresholds: new Set(), days: new Set() }));
    if (r.kind === 'threshold') h.thresholds.add(Number(r.threshold));
    else h.days.add(r.date);
  }
  return out;
}

/** The rows of an iterable (consumed once), or null when it has none: an empty COPY is not sent. */
function nonEmpty<T>(rows: Iterable<T>): Iterable<T> | null {
  const it = rows[Symbol.iterator]();
  const first = it.next();
  if (first.done) return null;
  return (function* () {
    yield first.value;
    for (let n = it.next(); !n.done; n = it.next()) yield n.value;
  })();
}

const MESSAGE_COLUMNS = [
  'batch_id',
  'student_id',
  'caregiver_id',
  'template_id',
  'alert_id',
  'channel',
  'language',
  'body',
  'segments',
  'absences_month',
  'absences_ytd',
  'send_after',
];

/**
 * Writes messages with one binary COPY on the session's connection (the caller's transaction runs on
 * `session.db`); ids follow the order given.
 */
export async function copyMessages(session: Session, messages: Iterable<NewMessage>): Promise<number> {
  const rows = nonEmpty(messages);
  if (rows === null) return 0;
  return copyBinaryTuples(
    session,
    'message',
    MESSAGE_COLUMNS,
    tupleChunks(rows, (m) => [
      { int4: m.batchId },
      { int4: m.studentId },
      { int4: m.caregiverId },
      { int4: m.templateId },
      { int4: m.alertId },
      { text: m.channel },
      { text: m.language },
      { text: m.body },
      { int2: m.segments },
      { numeric: m.absencesMonth },
      { numeric: m.absencesYtd },
      { date: m.sendAfter },
    ]),
  );
}

export interface NewAlertRow {
  batchId: number;
  programId: number;
  studentId: number;
  date: string;
  schoolYear: number;
  kind: 'absence' | 'threshold';
  threshold: number | null;
  tier: number | null;
  absencesYtd: number;
}

/**
 * Writes alerts with one binary COPY and returns their ids in the same order. The ids are drawn from
 * the table's identity sequence first (ascending, as the rows go), so messages and tasks can name
 * their alert without reading the rows back; COPY stores given identity values.
 */
export async function copyAlerts(
  session: Session,
  alerts: Iterable<NewAlertRow>,
  count: number,
): Promise<number[]> {
  if (count === 0) return [];
  const r = await session.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('alert', 'id'))::int AS id FROM generate_series(1, $1::int)`,
    [count],
  );
  const ids = r.rows.map((x) => x.id).sort((a, b) => a - b);
  let i = 0;
  await copyBinaryTuples(
    session,
    'alert',
    [
      'id',
      'batch_id',
      'program_id',
      'student_id',
      'date',
      'school_year',
      'kind',
      'threshold',
      'tier',
      'absences_ytd',
    ],
    tupleChunks(alerts, (a) => [
      { int4: ids[i++] },
      { int4: a.batchId },
      { int4: a.programId },
      { int4: a.studentId },
      { date: a.date },
      { int4: a.schoolYear },
      { text: a.kind },
      { float4: a.threshold },
      { int2: a.tier },
      { numeric: a.absencesYtd },
    ]),
  );
  return ids;
}

export interface NewTaskRow {
  alertId: number;
  studentId: number;
  role: 'advisor' | 'counselor' | 'attendance_team';
  tier: number;
  reason: string;
  dueDate: string;
}

/** Writes staff tasks with one binary COPY; ids follow the order given. */
export async function copyTasks(session: Session, tasks: Iterable<NewTaskRow>): Promise<number> {
  const rows = nonEmpty(tasks);
  if (rows === null) return 0;
  return copyBinaryTuples(
    session,
    'staff_task',
    ['alert_id', 'student_id', 'role', 'tier', 'reason', 'due_date'],
    tupleChunks(rows, (t) => [
      { int4: t.alertId },
      { int4: t.studentId },
      { text: t.role },
      { int2: t.tier },
      { text: t.reason },
      { date: t.dueDate },
    ]),
  );
}

/**
 * Settings of a generation transaction, on its session: its grouped reads over the school year's
 * absence days are costed high enough for PostgreSQL to JIT-compile them, which costs more than it
 * saves for queries that run once (PGlite has no JIT); 64 MB lets their hash aggregates and sorts
 * stay in memory. `SET LOCAL`: they end with the transaction.
 */
export async function tuneGeneration(session: Session, dialect: 'postgres' | 'pglite'): Promise<void> {
  if (dialect === 'postgres') await session.query(`SET LOCAL jit = off`);
  await session.query(`SET LOCAL work_mem = '64MB'`);
}

/** A message as composed, before its batch (and alert) ids exist. */
export type DraftRow = Omit<NewMessage, 'batchId' | 'alertId'>;

/**
 * What a run writes for one district: its batch, and the batch's alerts, messages and staff tasks.
 * A message or task names its alert by position in `alerts` (ids are drawn when written).
 */
export interface BatchWrite {
  batch: {
    studyId: number;
    districtId: number;
    kind: 'monthly_summary' | 'alerts';
    periodStart: string;
    periodEnd: string;
    stats: unknown;
    actor: string;
  };
  alerts: Omit<NewAlertRow, 'batchId'>[];
  messages: (DraftRow & { alert: number | null })[];
  tasks: (Omit<NewTaskRow, 'alertId'> & { alert: number })[];
}

/**
 * Writes the batches of a run, whatever the number of districts, in four statements on the session
 * (the caller's transaction): one INSERT of every batch, then one binary COPY each of the alerts, the
 * messages and the staff tasks. Returns the batch ids in the order given.
 */
export async function writeBatches(session: Session, writes: readonly BatchWrite[]): Promise<number[]> {
  if (writes.length === 0) return [];
  const b = writes.map((w) => w.batch);
  const r = await session.query<{ id: number; district_id: number }>(
    `INSERT INTO message_batch (study_id, district_id, kind, period_start, period_end, stats, actor)
     SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::date[], $5::date[], $6::jsonb[], $7::text[])
     RETURNING id, district_id`,
    [
      b.map((x) => x.studyId),
      b.map((x) => x.districtId),
      b.map((x) => x.kind),
      b.map((x) => x.periodStart),
      b.map((x) => x.periodEnd),
      b.map((x) => JSON.stringify(x.stats)),
      b.map((x) => x.actor),
    ],
  );
  const idOf = new Map(r.rows.map((x) => [x.district_id, x.id]));
  const batchIds = b.map((x) => idOf.get(x.districtId)!);
  const alertIds = await copyAlerts(
    session,
    (function* () {
      for (const [i, w] of writes.entries()) for (const a of w.alerts) yield { ...a, batchId: batchIds[i] };
    })(),
    writes.reduce((n, w) => n + w.alerts.length, 0),
  );
  const firstAlert: number[] = [];
  writes.reduce((n, w) => (firstAlert.push(n), n + w.alerts.length), 0);
  await copyMessages(
    session,
    (function* () {
      for (const [i, w] of writes.entries())
        for (const { alert, ...m } of w.messages)
          yield {
            ...m,
            batchId: batchIds[i],
            alertId: alert === null ? null : alertIds[firstAlert[i] + alert],
          };
    })(),
  );
  await copyTasks(
    session,
    (function* () {
      for (const [i, w] of writes.entries())
        for (const { alert, ...t } of w.tasks) yield { ...t, alertId: alertIds[firstAlert[i] + alert] };
    })(),
  );
  return batchIds;
}

/** The months ('YYYY-MM') with daily attendance in any district of a study, in order. */
export async function attendanceMonths(db: Kysely<Database>, studyId: number): Promise<string[]> {
  const r = await sql<{ m: string }>`
    SELECT DISTINCT to_char(date_trunc('month', a.date), 'YYYY-MM') AS m
    FROM attendance_day a WHERE a.district_id IN (SELECT id FROM district WHERE study_id = ${studyId})
    ORDER BY 1`.execute(db);
  return r.rows.map((x) => x.m);
}

/** Marks contacts of a district as not to be messaged (a data manager's decision, audited by the caller). */
export async function excludeContacts(
  trx: Trx,
  districtId: number,
  contactKeys: readonly string[],
): Promise<number> {
  if (contactKeys.length === 0) return 0;
  const r = await trx
    .updateTable('caregiver')
    .set({ message_contact: false })
    .where('district_id', '=', districtId)
    .where('contact_key', 'in', contactKeys)
    .where('message_contact', '=', true)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
