import type { Db } from '../db/connection.ts';
import { requireStudy } from '../cohorts/study.service.ts';
import { loadPrograms } from './program.store.ts';
import {
  loadAlertCounts,
  loadBatchStats,
  loadContamination,
  loadMessageCounts,
  loadStudentDoses,
  loadStudentExposure,
  loadVisitCounts,
  NOT_RANDOMIZED,
  type AlertCounts,
  type StudentDose,
  type VisitCounts,
} from './fidelity.store.ts';

export type { StudentDose } from './fidelity.store.ts';

/** One row of the fidelity table: a month ('YYYY-MM'), a district and an arm. */
export interface FidelityRow {
  month: string;
  leaid: string;
  arm: string;
  /** Students of the arm a monthly run considered (0 for arms without a messaging program). */
  studentsEligible: number;
  studentsMessaged: number;
  messages: number;
  delivered: number;
  failed: number;
  optedOut: number;
  /** Contacts skipped: opted out before generation, no consent for any channel, no valid channel. */
  contactsOptedOut: number;
  contactsNoConsent: number;
  contactsNoValidChannel: number;
  /** Contacts whose phone number is not valid (so no SMS channel). */
  contactsInvalidPhone: number;
  /** Messages sent in English because no template exists in the caregiver's language. */
  languageFallbacks: number;
}

export interface FidelityReport {
  study: string;
  rows: FidelityRow[];
  alerts: AlertCounts[];
  visits: VisitCounts[];
  /** Control students contacted (must be empty; anything here is an alarm). */
  contamination: { leaid: string; arm: string; students: number; messages: number }[];
}

function emptyRow(month: string, leaid: string, arm: string): FidelityRow {
  return {
    month,
    leaid,
    arm,
    studentsEligible: 0,
    studentsMessaged: 0,
    messages: 0,
    delivered: 0,
    failed: 0,
    optedOut: 0,
    contactsOptedOut: 0,
    contactsNoConsent: 0,
    contactsNoValidChannel: 0,
    contactsInvalidPhone: 0,
    languageFallbacks: 0,
  };
}

/**
 * The fidelity tables of a study (issue 11 item 7): by month, district and arm, the students eligible
 * and messaged, messages delivered / failed / opted out, contacts skipped and why; alerts and staff
 * tasks by tier; home visits by modality; and contamination (control students contacted), which must
 * be empty.
 *
 * @throws AppError NOT_FOUND when the study does not exist.
 */
export async function fidelityReport(
  db: Db,
  studySlug: string,
  /** alerts: false leaves the alerts table out (empty), for a reader that does not show it (a report) */
  options: { alerts?: boolean } = {},
): Promise<FidelityReport> {
  const study = await requireStudy(db, studySlug);
  const [counts, stats, alerts, visits, programs] = await Promise.all([
    loadMessageCounts(db.kysely, study.id),
    loadBatchStats(db.kysely, study.id),
    options.alerts === false ? [] : loadAlertCounts(db.kysely, study.id),
    loadVisitCounts(db.kysely, study.id),
    loadPrograms(db.kysely, study.id),
  ]);
  // A message can contaminate only if one went to a randomized arm without a program, which the
  // counts tell (by the same arms): otherwise the contamination read skips the messages (a national
  // study's 760,000) and reads the staff tasks alone.
  const programArms = new Set(programs.map((p) => p.arm));
  const messagedWithoutProgram = counts.some(
    (c) => c.messages > 0 && c.arm !== NOT_RANDOMIZED && !programArms.has(c.arm),
  );
  const contamination = await loadContamination(db.kysely, study.id, { messages: messagedWithoutProgram });
  const rows = new Map<string, FidelityRow>();
  const row = (month: string, leaid: string, arm: string) => {
    const key = `${month}|${leaid}|${arm}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = emptyRow(month, leaid, arm)));
    return r;
  };
  for (const s of stats) {
    for (const [arm, a] of Object.entries(s.byArm)) {
      const r = row(s.month, s.leaid, arm);
      if (s.kind === 'monthly_summary') r.studentsEligible += a.studentsEligible;
      r.contactsOptedOut += a.contactsOptedOut;
      r.contactsNoConsent += a.contactsNoConsent;
      r.contactsNoValidChannel += a.contactsNoValidChannel;
      r.contactsInvalidPhone += a.contactsInvalidPhone;
      r.languageFallbacks += a.languageFallbacks;
    }
  }
  for (const c of counts) {
    const r = row(c.month, c.leaid, c.arm);
    r.studentsMessaged += c.studentsMessaged;
    r.messages += c.messages;
    r.delivered += c.delivered;
    r.failed += c.failed;
    r.optedOut += c.optedOut;
  }
  const ordered = [...rows.values()].sort((a, b) =>
    a.month !== b.month
      ? a.month < b.month
        ? -1
        : 1
      : a.leaid !== b.leaid
        ? a.leaid < b.leaid
          ? -1
          : 1
        : a.arm < b.arm
          ? -1
          : a.arm > b.arm
            ? 1
            : 0,
  );
  return { study: study.slug, rows: ordered, alerts, visits, contamination };
}

/**
 * Per-student dose for CACE and first exposure for the event study: for every randomized student of
 * the study, the arm, the number of messages delivered, the month ('YYYY-MM') of the first delivered
 * message (by its receipt's status_at, UTC) and of the first home visit. Ordered by LEAID and sis id.
 *
 * @example const doses = await studentDoses(db, 'liftup'); // [{ sisId: '000101', arm: 'treatment', messagesDelivered: 3, firstDeliveredMonth: '2025-10', firstVisitMonth: null, … }]
 * @throws AppError NOT_FOUND when the study does not exist.
 */
export async function studentDoses(db: Db, studySlug: string): Promise<StudentDose[]> {
  const study = await requireStudy(db, studySlug);
  return loadStudentDoses(db.kysely, study.id);
}

/**
 * What a report needs of the doses, without a row per randomized student: the students reached (at
 * least one delivered message) and each visited randomized student's first visit month ('YYYY-MM').
 *
 * @throws AppError NOT_FOUND when the study does not exist.
 */
export async function studentExposure(
  db: Db,
  studySlug: string,
): Promise<{ reached: Set<number>; firstVisits: Map<number, string> }> {
  const study = await requireStudy(db, studySlug);
  return loadStudentExposure(db.kysely, study.id);
}
