import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { unpackNumbers } from '../analysis/packed-rows.ts';

/**
 * Reads of what the intervention delivered: per-student dose and first exposure (for CACE and the
 * event study), and the fidelity tables by month, district and arm. A student's arm is the arm of
 * the unit they were randomized with (assignment_member → assignment); students never randomized
 * have no arm and are left out.
 */

/** One randomized student's exposure to the program of their arm. */
export interface StudentDose {
  studentId: number;
  leaid: string;
  sisId: string;
  arm: string;
  /** Messages with status delivered (the dose CACE instruments with assignment). */
  messagesDelivered: number;
  /** 'YYYY-MM' of the first delivered message's receipt, or null. */
  firstDeliveredMonth: string | null;
  visits: number;
  /** 'YYYY-MM' of the first home visit, or null (treatment start in the event study). */
  firstVisitMonth: string | null;
}

/** The arm of a messaged student who was never randomized, in the message counts. */
export const NOT_RANDOMIZED = '(not randomized)';

const studentArms = (studyId: number) => sql`
  SELECT m.student_id, a.arm
  FROM assignment_member m JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
  WHERE m.study_id = ${studyId}`;

/** Every randomized student of the study with dose and first exposures, ordered by district and sis id. */
export async function loadStudentDoses(db: Kysely<Database>, studyId: number): Promise<StudentDose[]> {
  const r = await sql<{
    student_id: number;
    leaid: string;
    sis_id: string;
    arm: string;
    delivered: number;
    first_delivered: string | null;
    visits: number;
    first_visit: string | null;
  }>`
    WITH arms AS (${studentArms(studyId)}),
    delivered AS (
      SELECT m.student_id, count(*)::int AS delivered,
             to_char(min(m.status_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS first_delivered
      FROM message m JOIN message_batch b ON b.id = m.batch_id
      WHERE b.study_id = ${studyId} AND m.status = 'delivered'
      GROUP BY m.student_id),
    visits AS (
      SELECT v.student_id, count(*)::int AS visits, to_char(min(v.date), 'YYYY-MM') AS first_visit
      FROM visit v JOIN arms USING (student_id) GROUP BY v.student_id)
    SELECT s.id AS student_id, d.nces_leaid AS leaid, s.sis_id, arms.arm,
           coalesce(dl.delivered, 0) AS delivered, dl.first_delivered,
           coalesce(v.visits, 0) AS visits, v.first_visit
    FROM arms JOIN student s ON s.id = arms.student_id JOIN district d ON d.id = s.district_id
    LEFT JOIN delivered dl ON dl.student_id = s.id LEFT JOIN visits v ON v.student_id = s.id
    ORDER BY d.nces_leaid, s.sis_id`.execute(db);
  return r.rows.map((x) => ({
    studentId: x.student_id,
    leaid: x.leaid,
    sisId: x.sis_id,
    arm: x.arm,
    messagesDelivered: x.delivered,
    firstDeliveredMonth: x.first_delivered,
    visits: x.visits,
    firstVisitMonth: x.first_visit,
  }));
}

/**
 * What a report needs of the doses, read narrowly (a national study has 108,000 randomized students,
 * most of them never reached or visited): the ids of the students the study's messages reached (at
 * least one delivered message; every student with one, randomized or not), and each randomized
 * student's month ('YYYY-MM') of the first home visit, for the visited students only. The same facts
 * as loadStudentDoses's messagesDelivered > 0 and firstVisitMonth.
 */
export async function loadStudentExposure(
  db: Kysely<Database>,
  studyId: number,
): Promise<{ reached: Set<number>; firstVisits: Map<number, string> }> {
  const reached = await sql<{ t: string }>`
    SELECT string_agg(x.student_id::text, E'\\n') AS t
    FROM (SELECT DISTINCT m.student_id FROM message m JOIN message_batch b ON b.id = m.batch_id
      WHERE b.study_id = ${studyId} AND m.status = 'delivered') x
    GROUP BY x.student_id / 4096`.execute(db);
  const visits = await sql<{ student_id: number; first_visit: string }>`
    WITH arms AS (${studentArms(studyId)})
    SELECT v.student_id, to_char(min(v.date), 'YYYY-MM') AS first_visit
    FROM visit v JOIN arms USING (student_id) GROUP BY v.student_id`.execute(db);
  return {
    reached: new Set(
      unpackNumbers(
        reached.rows.map((r) => r.t),
        1,
      ),
    ),
    firstVisits: new Map(visits.rows.map((v) => [v.student_id, v.first_visit])),
  };
}

/** Messages of one month, district and arm ('YYYY-MM': the month reported, or the alert's month). */
export interface MessageCounts {
  month: string;
  leaid: string;
  arm: string;
  studentsMessaged: number;
  messages: number;
  queued: number;
  exported: number;
  delivered: number;
  failed: number;
  optedOut: number;
}

export async function loadMessageCounts(db: Kysely<Database>, studyId: number): Promise<MessageCounts[]> {
  const r = await sql<{
    month: string;
    leaid: string;
    arm: string;
    students: number;
    messages: number;
    queued: number;
    exported: number;
    delivered: number;
    failed: number;
    opted_out: number;
  }>`
    WITH arms AS (${studentArms(studyId)})
    SELECT to_char(x.month, 'YYYY-MM') AS month, d.nces_leaid AS leaid, x.arm, x.students, x.messages,
           x.queued, x.exported, x.delivered, x.failed, x.opted_out
    FROM (
      -- grouped by the month's first day and the district's id (not by their text: sorting the
      -- messages by three text keys cost half of this query at national scale), named afterwards
      SELECT date_trunc('month', coalesce(al.date, b.period_start)::timestamp) AS month, b.district_id,
             coalesce(arms.arm, ${NOT_RANDOMIZED}) AS arm,
             count(DISTINCT m.student_id)::int AS students, count(*)::int AS messages,
             count(*) FILTER (WHERE m.status = 'queued')::int AS queued,
             count(*) FILTER (WHERE m.status IN ('exported', 'sent'))::int AS exported,
             count(*) FILTER (WHERE m.status = 'delivered')::int AS delivered,
             count(*) FILTER (WHERE m.status = 'failed')::int AS failed,
             count(*) FILTER (WHERE m.status = 'opted_out')::int AS opted_out
      FROM message m JOIN message_batch b ON b.id = m.batch_id
      LEFT JOIN alert al ON al.id = m.alert_id LEFT JOIN arms ON arms.student_id = m.student_id
      WHERE b.study_id = ${studyId}
      GROUP BY 1, 2, 3) x
    JOIN district d ON d.id = x.district_id
    ORDER BY 1, 2, 3`.execute(db);
  return r.rows.map((x) => ({
    month: x.month,
    leaid: x.leaid,
    arm: x.arm,
    studentsMessaged: x.students,
    messages: x.messages,
    queued: x.queued,
    exported: x.exported,
    delivered: x.delivered,
    failed: x.failed,
    optedOut: x.opted_out,
  }));
}

/** What a generation run recorded about the students it considered, by arm (message_batch.stats). */
export interface BatchStats {
  month: string;
  leaid: string;
  kind: 'monthly_summary' | 'alerts';
  byArm: Record<string, ArmStats>;
}

export interface ArmStats {
  studentsEligible: number;
  contactsOptedOut: number;
  contactsNoConsent: number;
  contactsNoValidChannel: number;
  contactsInvalidPhone: number;
  languageFallbacks: number;
}

export async function loadBatchStats(db: Kysely<Database>, studyId: number): Promise<BatchStats[]> {
  const rows = await db
    .selectFrom('message_batch as b')
    .innerJoin('district as d', 'd.id', 'b.district_id')
    .select(['b.kind', 'b.period_end', 'b.stats', 'd.nces_leaid'])
    .where('b.study_id', '=', studyId)
    .orderBy('b.period_end')
    .orderBy('d.nces_leaid')
    .execute();
  return rows.map((r) => ({
    month: r.period_end.slice(0, 7),
    leaid: r.nces_leaid,
    kind: r.kind,
    byArm: ((r.stats as { byArm?: Record<string, ArmStats> }).byArm ?? {}) as Record<string, ArmStats>,
  }));
}

export interface AlertCounts {
  month: string;
  leaid: string;
  arm: string;
  kind: 'absence' | 'threshold';
  tier: number | null;
  alerts: number;
  tasks: number;
}

export async function loadAlertCounts(db: Kysely<Database>, studyId: number): Promise<AlertCounts[]> {
  const r = await sql<{
    month: string;
    leaid: string;
    arm: string;
    kind: 'absence' | 'threshold';
    tier: number | null;
    alerts: number;
    tasks: number;
  }>`
    WITH arms AS (${studentArms(studyId)})
    SELECT to_char(al.date, 'YYYY-MM') AS month, d.nces_leaid AS leaid,
           coalesce(arms.arm, '(not randomized)') AS arm, al.kind, al.tier::int AS tier,
           count(*)::int AS alerts, count(t.id)::int AS tasks
    FROM alert al JOIN message_batch b ON b.id = al.batch_id JOIN district d ON d.id = b.district_id
    LEFT JOIN staff_task t ON t.alert_id = al.id LEFT JOIN arms ON arms.student_id = al.student_id
    WHERE b.study_id = ${studyId}
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`.execute(db);
  return r.rows;
}

export interface VisitCounts {
  month: string;
  leaid: string;
  arm: string;
  modality: 'in_person' | 'virtual' | 'phone';
  visits: number;
  students: number;
}

export async function loadVisitCounts(db: Kysely<Database>, studyId: number): Promise<VisitCounts[]> {
  const r = await sql<VisitCounts>`
    WITH arms AS (${studentArms(studyId)})
    SELECT to_char(v.date, 'YYYY-MM') AS month, d.nces_leaid AS leaid, arms.arm, v.modality,
           count(*)::int AS visits, count(DISTINCT v.student_id)::int AS students
    FROM visit v JOIN arms ON arms.student_id = v.student_id
    JOIN student s ON s.id = v.student_id JOIN district d ON d.id = s.district_id
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`.execute(db);
  return r.rows;
}

/**
 * Students of arms without a program (control) who were contacted anyway: a message or a staff task
 * about them. Generation refuses to do this, so anything here is an alarm.
 */
export async function loadContamination(
  db: Kysely<Database>,
  studyId: number,
  /**
   * messages: false leaves the messages out (only staff tasks are read), for a caller that knows no
   * student of an arm without a program was messaged (fidelityReport, from the message counts)
   */
  options: { messages?: boolean } = {},
): Promise<{ leaid: string; arm: string; students: number; messages: number }[]> {
  const messaged =
    options.messages === false
      ? sql``
      : sql`SELECT m.student_id, 1 AS n FROM message m JOIN message_batch b ON b.id = m.batch_id
      WHERE b.study_id = ${studyId}
      UNION ALL`;
  const r = await sql<{ leaid: string; arm: string; students: number; messages: number }>`
    WITH arms AS (${studentArms(studyId)}),
    control AS (
      SELECT arms.student_id, arms.arm FROM arms
      WHERE NOT EXISTS (SELECT 1 FROM program p WHERE p.study_id = ${studyId} AND p.arm = arms.arm)),
    contacted AS (
      ${messaged}
      SELECT t.student_id, 0 AS n FROM staff_task t JOIN alert al ON al.id = t.alert_id
      JOIN message_batch b ON b.id = al.batch_id WHERE b.study_id = ${studyId})
    SELECT d.nces_leaid AS leaid, c.arm, count(DISTINCT c.student_id)::int AS students,
           sum(x.n)::int AS messages
    FROM control c JOIN contacted x ON x.student_id = c.student_id
    JOIN student s ON s.id = c.student_id JOIN district d ON d.id = s.district_id
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return r.rows;
}
