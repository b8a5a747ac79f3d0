/**
 * The demo's known truth: a synthetic program effect planted on the follow-up attendance of the
 * program students whose outreach receipts say at least one message was delivered (the CACE's
 * compliers; outreach's simulated receipts are the one delivery simulation). The generated
 * attendance is each student's untreated outcome; for a reached student each absent day (not a
 * suspension) from the month of their first delivered message to the end of the follow-up becomes a
 * present day with probability `effect`. The changed days are imported as a corrections file (later
 * rows replace earlier ones with the same student and date, as an SIS re-export does), so both
 * potential outcomes of every program student are known, and so are the true ITT and CACE of the
 * sample. Every draw is a hash of the seed, district, student and date, so the result does not depend
 * on file order. Pure.
 */
import { createHash } from 'node:crypto';

export interface DemoEffectParams {
  seed: string;
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

export interface EffectCorrections {
  /** CSV text: the daily file's header and the rows the effect changed (absent → present). */
  text: string;
  /** rows changed */
  rows: number;
  /** absence days removed, per student id of the file */
  removed: Map<string, number>;
}

/**
 * The corrections the effect makes to one district's daily attendance file. `reached` maps the
 * district's student ids (the file's) of reached program students to the first date on which the
 * program acts on them (the first day of the month of their first delivered message); the effect
 * acts from the later of that date and `followUpStart` through `followUpEnd`.
 */
export function effectCorrections(
  daily: string,
  reached: ReadonlyMap<string, string>,
  p: DemoEffectParams,
  leaid: string,
): EffectCorrections {
  const headerEnd = daily.indexOf('\n');
  const headerLine = daily.slice(0, headerEnd === -1 ? daily.length : headerEnd);
  const header = headerLine.split(',');
  const col = (name: string) => header.indexOf(name);
  const [id, date, category, fraction, suspension, code] = [
    'student_id',
    'date',
    'category',
    'absent_fraction',
    'suspension',
    'sis_code',
  ].map(col);
  if (id < 0 || date < 0 || category < 0 || fraction < 0 || suspension < 0)
    throw new Error(`attendance header lacks a column the demo needs: ${headerLine}`);
  const presentCode = sisCodeOfPresent(daily);
  const removed = new Map<string, number>();
  const out: string[] = [headerLine];
  let pos = headerEnd + 1;
  // Lines of students who were not reached are skipped by their first field alone.
  while (pos > 0 && pos < daily.length) {
    let end = daily.indexOf('\n', pos);
    if (end === -1) end = daily.length;
    const line = daily.slice(pos, end);
    pos = end + 1;
    if (line === '') continue;
    if (id === 0 && !reached.has(line.slice(0, line.indexOf(',')))) continue;
    const cells = line.split(',');
    const from = reached.get(cells[id]);
    if (from === undefined) continue;
    const f = Number(cells[fraction]);
    const d = cells[date];
    if (
      f > 0 &&
      cells[suspension] === '' &&
      d >= from &&
      d >= p.followUpStart &&
      d <= p.followUpEnd &&
      hashUniform(`${p.seed}|effect|${leaid}|${cells[id]}|${d}`) < p.effect
    ) {
      removed.set(cells[id], (removed.get(cells[id]) ?? 0) + f);
      cells[category] = 'present';
      cells[fraction] = '0';
      if (code >= 0) cells[code] = presentCode;
      out.push(cells.join(','));
    }
  }
  return { text: out.join('\n') + '\n', rows: out.length - 1, removed };
}

/** The district's SIS code of a plain present day (as its file writes it), or "P" when none is found. */
function sisCodeOfPresent(daily: string): string {
  const at = daily.indexOf(',present,0,,');
  if (at === -1) return 'P';
  const start = at + ',present,0,,'.length;
  const end = daily.indexOf('\n', start);
  return daily.slice(start, end === -1 ? daily.length : end).trim() || 'P';
}
