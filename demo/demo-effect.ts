/**
 * The demo's known truth: a synthetic program effect applied to the follow-up attendance of students
 * whose household was assigned to a program arm and actually reached (imperfect delivery). The
 * generated attendance is each student's untreated outcome; for a reached student each absent day of
 * the follow-up (not a suspension) becomes a present day with probability `effect`. Both potential
 * outcomes of every treated student are therefore known, and so are the true ITT and CACE of the
 * sample. Every draw is a hash of the seed and the unit (or student and date), so the result does
 * not depend on file order. Pure.
 */
import { createHash } from 'node:crypto';

export interface DemoEffectParams {
  seed: string;
  /** share of program households reached (at least one message delivered) */
  deliveryRate: number;
  /** probability that a reached student's absent day becomes a present day */
  effect: number;
  /** first and last dates on which the program acts (YYYY-MM-DD) */
  followUpStart: string;
  followUpEnd: string;
}

/** Uniform [0, 1) from SHA-256 of the text (first 48 bits). */
export function hashUniform(text: string): number {
  const h = createHash('sha256').update(text).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** Whether a program unit (household) was reached. */
export function reached(p: DemoEffectParams, unitKey: string): boolean {
  return hashUniform(`${p.seed}|delivery|${unitKey}`) < p.deliveryRate;
}

export interface SplitAttendance {
  baseline: string;
  followUp: string;
}

/** Splits a daily attendance file (header kept in both) at the follow-up start. */
export function splitAttendance(text: string, followUpStart: string): SplitAttendance {
  const lines = text.split('\n');
  const header = lines[0];
  const before: string[] = [header];
  const after: string[] = [header];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const date = line.split(',', 2)[1];
    (date < followUpStart ? before : after).push(line);
  }
  return { baseline: before.join('\n') + '\n', followUp: after.join('\n') + '\n' };
}

export interface AppliedEffect {
  text: string;
  /** absence days removed, per student id of the file */
  removed: Map<string, number>;
}

/**
 * Applies the effect to a follow-up file of one district: `reachedStudents` holds the district's
 * student ids (the file's) of reached program students.
 */
export function applyEffect(
  followUp: string,
  reachedStudents: ReadonlySet<string>,
  p: DemoEffectParams,
  leaid: string,
): AppliedEffect {
  const lines = followUp.split('\n');
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const [id, date, category, fraction, suspension, code] = [
    'student_id',
    'date',
    'category',
    'absent_fraction',
    'suspension',
    'sis_code',
  ].map(col);
  const removed = new Map<string, number>();
  const out = [lines[0]];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const cells = line.split(',');
    const f = Number(cells[fraction]);
    if (
      f > 0 &&
      cells[suspension] === '' &&
      cells[date] <= p.followUpEnd &&
      reachedStudents.has(cells[id]) &&
      hashUniform(`${p.seed}|effect|${leaid}|${cells[id]}|${cells[date]}`) < p.effect
    ) {
      removed.set(cells[id], (removed.get(cells[id]) ?? 0) + f);
      cells[category] = 'present';
      cells[fraction] = '0';
      if (code >= 0) cells[code] = 'P';
    }
    out.push(cells.join(','));
  }
  return { text: out.join('\n') + '\n', removed };
}
