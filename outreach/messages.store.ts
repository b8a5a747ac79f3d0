import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/types.ts';
import type { Contact } from './recipients.ts';
import type { AbsenceDay } from './thresholds.ts';
import type { TargetStudent, NewMessage } from './records.ts';
export type { TargetStudent, NewMessage };

type Trx = Transaction<Database>;

export async function loadRandomizedStudents(
  db: Kysely<Database>,
  studyId: number,
  districtId: number,
): Promise<TargetStudent[]> {
  const r = await sql<TargetStudent>`
    SELECT s.id AS "studentId", s.sis_id AS "sisId", s.first_name AS "firstName",
           sc.school_key AS "schoolKey", sc.name AS "schoolName", sc.phone AS "schoolPhone", a.arm
    FROM assignment_member m
    JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
    JOIN student s ON s.id = m.student_id JOIN school sc ON sc.id = s.school_id
    WHERE m.study_id = ${studyId} AND s.district_id = ${districtId}
    ORDER BY s.sis_id`.execute(db);
  return r.rows;
}

/** Whether the district has any attendance (daily or monthly) in [start, end]. */
export async function hasAttendance(
  db: Kysely<Database>,
  districtId: number,
  start: string,
  end: string,
): Promise<boolean> {
  const r = await sql<{ any: boolean }>`
    SELECT EXISTS (SELECT 1 FROM attendance_day WHERE district_id = ${districtId}
                   AND date BETWEEN ${start}::date AND ${end}::date)
        OR EXISTS (SELECT 1 FROM attendance_month am JOIN student s ON s.id = am.student_id
                   WHERE s.district_id = ${districtId} AND am.month BETWEEN ${start}::date AND ${end}::date) AS any`.execute(
    db,
  );
  return r.rows[0].any;
}

/**
 * Absence days (DESIGN §5: the sum of absent fractions; in-school suspension is presence) of each
 * student of a district in a month and in the school year through that month. Daily rows are used
 * where a student-month has them, monthly totals otherwise.
 */
export async function loadMonthAbsences(
  db: Kysely<Database>,
  districtId: number,
  yearStart: string,
  monthStart: string,
  monthEnd: string,
): Promise<Map<number, { month: number; ytd: number }>> {
  const r = await sql<{ student_id: number; month: number; ytd: number }>`
    WITH daily AS (
      SELECT student_id, date_trunc('month', date)::date AS m,
             sum(CASE WHEN suspension = 'iss' THEN 0 ELSE absent_fraction::numeric END) AS days
      FROM attendance_day
      WHERE district_id = ${districtId} AND date BETWEEN ${yearStart}::date AND ${monthEnd}::date
        AND absent_fraction > 0
      GROUP BY 1, 2),
    daily_months AS (
      SELECT DISTINCT student_id, date_trunc('month', date)::date AS m FROM attendance_day
      WHERE district_id = ${districtId} AND date BETWEEN ${yearStart}::date AND ${monthEnd}::date),
    monthly AS (
      SELECT am.student_id, am.month AS m, am.absent_days::numeric AS days
      FROM attendance_month am JOIN student s ON s.id = am.student_id
      WHERE s.district_id = ${districtId} AND am.month BETWEEN ${yearStart}::date AND ${monthStart}::date
        AND NOT EXISTS (SELECT 1 FROM daily_months dm WHERE dm.student_id = am.student_id AND dm.m = am.month)),
    all_months AS (SELECT * FROM daily UNION ALL SELECT * FROM monthly)
    SELECT student_id,
           round(sum(days) FILTER (WHERE m = ${monthStart}::date), 2)::float8 AS month,
           round(sum(days), 2)::float8 AS ytd
    FROM all_months GROUP BY student_id`.execute(db);
  return new Map(r.rows.map((x) => [x.student_id, { month: x.month ?? 0, ytd: x.ytd }]));
}

/** Each student's absence days (fraction > 0, not in-school suspension) from yearStart through a date. */
export async function loadAbsenceDays(
  db: Kysely<Database>,
  districtId: number,
  yearStart: string,
  through: string,
): Promise<Map<number, AbsenceDay[]>> {
  const r = await sql<{ student_id: number; date: string; fraction: number }>`
    SELECT student_id, date, round(absent_fraction::numeric, 4)::float8 AS fraction FROM attendance_day
    WHERE district_id = ${districtId} AND date BETWEEN ${yearStart}::date AND ${through}::date
      AND absent_fraction > 0 AND suspension IS DISTINCT FROM 'iss'
    ORDER BY student_id, date`.execute(db);
  const out = new Map<number, AbsenceDay[]>();
  for (const x of r.rows) {
    let list = out.get(x.student_id);
    if (!list) out.set(x.student_id, (list = []));
    list.push({ date: x.date, fraction: x.fraction });
  }
  return out;
}

/**
 * The caregivers of each student of a district: those the contacts file links to the student and
 * those of the student's household (a SIS often lists a family's contacts under one child only). A
 * caregiver counts as opted out when they or any caregiver of the district with the same phone
 * number opted out.
 */
export async function loadContacts(
  db: Kysely<Database>,
  districtId: number,
): Promise<Map<number, Contact[]>> {
  const r = await sql<Contact & { studentId: number }>`
    WITH opted_numbers AS (
      SELECT DISTINCT phone_e164 FROM caregiver
      WHERE district_id = ${districtId} AND opt_out_at IS NOT NULL AND phone_e164 IS NOT NULL),
    links AS (
      SELECT cs.student_id, cs.caregiver_id FROM caregiver_student cs
      JOIN caregiver c ON c.id = cs.caregiver_id WHERE c.district_id = ${districtId}
      UNION
      SELECT s.id, c.id FROM student s JOIN caregiver c ON c.household_id = s.household_id
      WHERE s.district_id = ${districtId})
    SELECT cs.student_id AS "studentId", c.id AS "caregiverId", c.contact_key AS "contactKey",
           c.first_name AS "firstName", c.language, c.phone_e164 AS "phoneE164",
           c.phone_as_given AS "phoneAsGiven", c.email, c.email_valid AS "emailValid",
           c.sms_consent AS "smsConsent", c.message_contact AS "messageContact",
           (c.opt_out_at IS NOT NULL OR c.phone_e164 IN (SELECT phone_e164 FROM opted_numbers)) AS "optedOut"
    FROM links cs JOIN caregiver c ON c.id = cs.caregiver_id
    ORDER BY cs.student_id, c.contact_key`.execute(db);
  const out = new Map<number, Contact[]>();
  for (const { studentId, ...c } of r.rows) {
    let list = out.get(studentId);
    if (!list) out.set(studentId, (list = []));
    list.push(c);
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

/** The last day already covered by alert batches of a district, or null. */
export async function lastAlertDay(db: Kysely<Database>, districtId: number): Promise<string | null> {
  const r = await db
    .selectFrom('message_batch')
    .select((eb) => eb.fn.max('period_end').as('last'))
    .where('district_id', '=', districtId)
    .where('kind', '=', 'alerts')
    .executeTakeFirst();
  return (r?.last as string | null | undefined) ?? null;
}

/** Per student, the absences the messages of a batch quoted (one value per student). */
export async function loadBatchAbsences(
  db: Kysely<Database>,
  batchId: number,
): Promise<Map<number, { month: number; ytd: number }>> {
  const r = await sql<{ student_id: number; month: number; ytd: number }>`
    SELECT DISTINCT ON (student_id) student_id, absences_month::float8 AS month, absences_ytd::float8 AS ytd
    FROM message WHERE batch_id = ${batchId} AND alert_id IS NULL ORDER BY student_id`.execute(db);
  return new Map(r.rows.map((x) => [x.student_id, { month: x.month, ytd: x.ytd }]));
}

/** Alerts a program already raised in a school year, by student. */
export async function loadAlertHistory(
  db: Kysely<Database>,
  programId: number,
  districtId: number,
  schoolYear: number,
): Promise<Map<number, { thresholds: Set<number>; days: Set<string> }>> {
  const rows = await db
    .selectFrom('alert as a')
    .innerJoin('message_batch as b', 'b.id', 'a.batch_id')
    .select(['a.student_id', 'a.kind', 'a.threshold', 'a.date'])
    .where('a.program_id', '=', programId)
    .where('b.district_id', '=', districtId)
    .where('a.school_year', '=', schoolYear)
    .execute();
  const out = new Map<number, { thresholds: Set<number>; days: Set<string> }>();
  for (const r of rows) {
    let h = out.get(r.student_id);
    if (!h) out.set(r.student_id, (h = { thresholds: new Set(), days: new Set() }));
    if (r.kind === 'threshold') h.thresholds.add(Number(r.threshold));
    else h.days.add(r.date);
  }
  return out;
}

export async function insertBatch(
  trx: Trx,
  b: {
    studyId: number;
    districtId: number;
    kind: 'monthly_summary' | 'alerts';
    periodStart: string;
    periodEnd: string;
    stats: unknown;
    actor: string;
  },
): Promise<number> {
  const r = await trx
    .insertInto('message_batch')
    .values({
      study_id: b.studyId,
      district_id: b.districtId,
      kind: b.kind,
      period_start: b.periodStart,
      period_end: b.periodEnd,
      stats: JSON.stringify(b.stats),
      actor: b.actor,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

const CHUNK = 4000;

export async function insertMessages(trx: Trx, messages: readonly NewMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += CHUNK) {
    await trx
      .insertInto('message')
      .values(
        messages.slice(i, i + CHUNK).map((m) => ({
          batch_id: m.batchId,
          student_id: m.studentId,
          caregiver_id: m.caregiverId,
          template_id: m.templateId,
          alert_id: m.alertId,
          channel: m.channel,
          language: m.language,
          body: m.body,
          segments: m.segments,
          absences_month: m.absencesMonth,
          absences_ytd: m.absencesYtd,
          send_after: m.sendAfter,
        })),
      )
      .execute();
  }
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

/** Inserts alerts and returns their ids in the same order. */
export async function insertAlerts(trx: Trx, alerts: readonly NewAlertRow[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < alerts.length; i += CHUNK) {
    const rows = await trx
      .insertInto('alert')
      .values(
        alerts.slice(i, i + CHUNK).map((a) => ({
          batch_id: a.batchId,
          program_id: a.programId,
          student_id: a.studentId,
          date: a.date,
          school_year: a.schoolYear,
          kind: a.kind,
          threshold: a.threshold,
          tier: a.tier,
          absences_ytd: a.absencesYtd,
        })),
      )
      .returning('id')
      .execute();
    // INSERT … RETURNING returns rows in VALUES order for a single-statement insert.
    for (const r of rows) ids.push(r.id);
  }
  return ids;
}

export async function insertTasks(
  trx: Trx,
  tasks: readonly {
    alertId: number;
    studentId: number;
    role: 'advisor' | 'counselor' | 'attendance_team';
    tier: number;
    reason: string;
    dueDate: string;
  }[],
): Promise<void> {
  for (let i = 0; i < tasks.length; i += CHUNK) {
    await trx
      .insertInto('staff_task')
      .values(
        tasks.slice(i, i + CHUNK).map((t) => ({
          alert_id: t.alertId,
          student_id: t.studentId,
          role: t.role,
          tier: t.tier,
          reason: t.reason,
          due_date: t.dueDate,
        })),
      )
      .execute();
  }
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
