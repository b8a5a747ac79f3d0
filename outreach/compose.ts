import type { MonthlySummaryConfig, ThresholdAlertsConfig } from './program-config.ts';
import type { NewMessage, ProgramRecord, TargetStudent, TemplateRecord } from './records.ts';
import { placeholderValues } from './message-values.ts';
import { chooseRecipients, emptySkips, type Contact, type Recipient, type SkipCounts } from './recipients.ts';
import { addDays, monthBounds } from './school-year.ts';
import { smsSegments } from './sms-segments.ts';
import { renderTemplate, type TemplatePurpose } from './templates.ts';
import { alertsFor, type AbsenceDay, type NewAlert } from './thresholds.ts';

export type DraftMessage = Omit<NewMessage, 'batchId' | 'alertId'>;

export interface ArmStats extends SkipCounts {
  studentsEligible: number;
}

/** A way generation would reach a control family: the run must refuse. */
export interface ControlContact {
  contactKey: string;
  reason: string;
}

/** The caregivers, phone numbers and email addresses of the students of arms without a program. */
export interface ControlReach {
  caregivers: Set<number>;
  phones: Set<string>;
  emails: Set<string>;
}

export function controlReach(
  students: readonly TargetStudent[],
  controlArms: ReadonlySet<string>,
  contacts: ReadonlyMap<number, Contact[]>,
): ControlReach {
  const reach: ControlReach = { caregivers: new Set(), phones: new Set(), emails: new Set() };
  for (const s of students) {
    if (!controlArms.has(s.arm)) continue;
    for (const c of contacts.get(s.studentId) ?? []) {
      reach.caregivers.add(c.caregiverId);
      if (c.phoneE164) reach.phones.add(c.phoneE164);
      if (c.email) reach.emails.add(c.email.toLowerCase());
    }
  }
  return reach;
}

/** Whether sending to a recipient would reach a control family (same caregiver, or the address used). */
export function reachesControl(r: Recipient, reach: ControlReach): string | null {
  if (reach.caregivers.has(r.contact.caregiverId)) return 'is also a caregiver of a control student';
  if (r.channel === 'sms' && r.contact.phoneE164 && reach.phones.has(r.contact.phoneE164))
    return "shares a phone number with a control student's caregiver";
  if (r.channel === 'email' && r.contact.email && reach.emails.has(r.contact.email.toLowerCase()))
    return "shares an email address with a control student's caregiver";
  return null;
}

function templateFor(
  templates: readonly TemplateRecord[],
  purpose: TemplatePurpose,
  language: string,
): TemplateRecord {
  const t = templates.find((x) => x.purpose === purpose && x.language === language);
  if (!t) throw new Error(`no ${purpose} template in ${language}`);
  return t;
}

function languagesOf(templates: readonly TemplateRecord[], purpose: TemplatePurpose): Set<string> {
  return new Set(templates.filter((t) => t.purpose === purpose).map((t) => t.language));
}

function draft(
  s: TargetStudent,
  r: Recipient,
  template: TemplateRecord,
  facts: { month: string; absencesMonth: number; absencesYtd: number; absenceDate: string | null },
  sendAfter: string,
): DraftMessage {
  const body = renderTemplate(
    template.body,
    placeholderValues(
      {
        caregiverFirstName: r.contact.firstName,
        studentFirstName: s.firstName,
        schoolName: s.schoolName,
        schoolPhone: s.schoolPhone,
        absencesMonth: facts.absencesMonth,
        absencesYtd: facts.absencesYtd,
        month: facts.month,
        absenceDate: facts.absenceDate,
      },
      r.language,
    ),
  );
  return {
    studentId: s.studentId,
    caregiverId: r.contact.caregiverId,
    templateId: template.id,
    channel: r.channel,
    language: r.language,
    body,
    segments: r.channel === 'sms' ? smsSegments(body).segments : null,
    absencesMonth: facts.absencesMonth,
    absencesYtd: facts.absencesYtd,
    sendAfter,
  };
}

function statsFor(byArm: Record<string, ArmStats>, arm: string): ArmStats {
  return (byArm[arm] ??= { studentsEligible: 0, ...emptySkips() });
}

export interface MonthlyInput {
  month: string;
  students: readonly TargetStudent[];
  /** Arms whose program is monthly_summary. */
  programs: ReadonlyMap<string, ProgramRecord>;
  controlArms: ReadonlySet<string>;
  contacts: ReadonlyMap<number, Contact[]>;
  absences: ReadonlyMap<number, { month: number; ytd: number }>;
  templates: readonly TemplateRecord[];
}

export interface Composed<T> {
  items: T[];
  byArm: Record<string, ArmStats>;
  control: ControlContact[];
}

/**
 * The monthly summaries of one district and month: for each student of an arm with a monthly_summary
 * program, one message per reachable caregiver with the month's and the school year's absences
 * (zero when the student had none). Pure; `control` lists every way it would reach a control family.
 */
export function composeMonthly(input: MonthlyInput): Composed<DraftMessage> {
  const reach = controlReach(input.students, input.controlArms, input.contacts);
  const languages = languagesOf(input.templates, 'monthly_summary');
  const byArm: Record<string, ArmStats> = {};
  const items: DraftMessage[] = [];
  const control: ControlContact[] = [];
  const next = addDays(monthBounds(input.month).end, 1);
  for (const s of input.students) {
    const program = input.programs.get(s.arm);
    if (!program) continue;
    const config = program.config as MonthlySummaryConfig;
    const stats = statsFor(byArm, s.arm);
    stats.studentsEligible++;
    const recipients = chooseRecipients(
      input.contacts.get(s.studentId) ?? [],
      config.channels,
      languages,
      stats,
    );
    const a = input.absences.get(s.studentId) ?? { month: 0, ytd: 0 };
    for (const r of recipients) {
      const why = reachesControl(r, reach);
      if (why) control.push({ contactKey: r.contact.contactKey, reason: why });
      items.push(
        draft(
          s,
          r,
          templateFor(input.templates, 'monthly_summary', r.language),
          { month: input.month, absencesMonth: a.month, absencesYtd: a.ytd, absenceDate: null },
          addDays(next, config.send_day - 1),
        ),
      );
    }
  }
  return { items, byArm, control };
}

export interface AlertDraft {
  studentId: number;
  programId: number;
  alert: NewAlert;
  messages: DraftMessage[];
  task: {
    role: 'advisor' | 'counselor' | 'attendance_team';
    tier: number;
    reason: string;
    dueDate: string;
  } | null;
}

export interface AlertsInput {
  after: string | null;
  through: string;
  students: readonly TargetStudent[];
  /** Arms whose program is threshold_alerts. */
  programs: ReadonlyMap<string, ProgramRecord>;
  controlArms: ReadonlySet<string>;
  contacts: ReadonlyMap<number, Contact[]>;
  absenceDays: ReadonlyMap<number, AbsenceDay[]>;
  history: ReadonlyMap<number, { thresholds: Set<number>; days: Set<string> }>;
  templates: readonly TemplateRecord[];
}

/** Absence-day alerts and threshold escalations (with staff tasks) of one district over (after, through]. */
export function composeAlerts(input: AlertsInput): Composed<AlertDraft> & { lateDays: number } {
  const reach = controlReach(input.students, input.controlArms, input.contacts);
  const byArm: Record<string, ArmStats> = {};
  const items: AlertDraft[] = [];
  const control: ControlContact[] = [];
  let lateDays = 0;
  const empty = { thresholds: new Set<number>(), days: new Set<string>() };
  for (const s of input.students) {
    const program = input.programs.get(s.arm);
    if (!program) continue;
    const config = program.config as ThresholdAlertsConfig;
    const stats = statsFor(byArm, s.arm);
    stats.studentsEligible++;
    const h = input.history.get(s.studentId) ?? empty;
    const days = input.absenceDays.get(s.studentId) ?? [];
    const all = alertsFor(days, null, input.through, config, {
      thresholdsFired: h.thresholds,
      absenceDaysAlerted: h.days,
    });
    let recipients: Recipient[] | null = null;
    for (const alert of all) {
      if (alert.kind === 'absence' && input.after !== null && alert.date <= input.after) {
        lateDays++; // an absence in days already settled: reported, never alerted late
        continue;
      }
      const purpose: TemplatePurpose = alert.kind === 'absence' ? 'absence_alert' : 'threshold_alert';
      recipients ??= chooseRecipients(
        input.contacts.get(s.studentId) ?? [],
        config.channels,
        languagesOf(input.templates, 'absence_alert'),
        stats,
      );
      const messages = recipients.map((r) => {
        const why = reachesControl(r, reach);
        if (why) control.push({ contactKey: r.contact.contactKey, reason: why });
        return draft(
          s,
          r,
          templateFor(input.templates, purpose, r.language),
          {
            month: alert.date.slice(0, 7),
            absencesMonth: alert.absencesMonth,
            absencesYtd: alert.absencesYtd,
            absenceDate: alert.date,
          },
          addDays(alert.date, 1),
        );
      });
      const task =
        alert.kind === 'threshold'
          ? {
              role: alert.role!,
              tier: alert.tier!,
              reason: `reached ${alert.threshold} absence days this school year (${alert.absencesYtd} on ${alert.date})`,
              dueDate: alert.dueDate!,
            }
          : null;
      items.push({ studentId: s.studentId, programId: program.id, alert, messages, task });
    }
  }
  return { items, byArm, control, lateDays };
}
