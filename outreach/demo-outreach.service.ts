import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCsvText } from '../csv/csv-reader.ts';
import seedrandom from 'seedrandom';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { requireDistrict, requireStudy } from '../cohorts/study.service.ts';
import { exportMonth } from './export.service.ts';
import { fidelityReport } from './fidelity.service.ts';
import { generateMonth, type ControlProblem, type GenerateResult } from './messages.service.ts';
import { attendanceMonths, excludeContacts } from './messages.store.ts';
import { importReceipts } from './outreach-import.service.ts';
import { setProgram } from './program.service.ts';
import { simulateReceipts } from './simulated-receipts.ts';

export interface OutreachDemoResult {
  months: string[];
  messages: number;
  delivered: number;
  failed: number;
  optedOut: number;
  /** Contacts set aside because they share a number or address with a control family. */
  excludedContacts: number;
  contamination: number;
  /** Where the message files and simulated receipts were written. */
  dir: string;
}

/**
 * Marks contacts as not to be messaged, as a data manager does when generation refuses because a
 * treatment family's contact would reach a control family; audited.
 */
async function setAside(
  db: Db,
  study: string,
  leaid: string,
  keys: string[],
  actor: string,
): Promise<number> {
  const { district } = await requireDistrict(db, study, leaid);
  return db.kysely.transaction().execute(async (trx) => {
    const n = await excludeContacts(trx, district.id, keys);
    await appendAuditEvent(trx, {
      actor,
      action: 'contacts.exclude',
      entity: `study:${study}/district:${leaid}`,
      details: { contacts: keys, reason: 'shares a phone number or address with a control family' },
    });
    return n;
  });
}

/**
 * Runs a generation; when it refuses because contacts would reach a control family, sets those
 * contacts aside (audited, as a data manager would) and runs it again. For the demo and the bench.
 */
export async function generateSettingAside(
  db: Db,
  study: string,
  generate: () => Promise<GenerateResult>,
  actor: string,
  step: (m: string) => void,
): Promise<{ run: GenerateResult; setAside: number }> {
  let setAsideTotal = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return { run: await generate(), setAside: setAsideTotal };
    } catch (e) {
      const d = e instanceof AppError ? (e.details as { districts?: ControlProblem[] }) : null;
      if (!d?.districts || attempt > 5) throw e;
      for (const p of d.districts) {
        const keys = [...new Set(p.control.map((c) => c.contactKey))];
        setAsideTotal += await setAside(db, study, p.leaid, keys, actor);
        step(
          `  ${p.leaid}: ${keys.length} contact(s) would reach a control family; set aside (not messaged)`,
        );
      }
    }
  }
}

/** Uniform [0, 1) from SHA-256 of the text (first 48 bits). */
function hashUniform(text: string): number {
  return createHash('sha256').update(text).digest().readUIntBE(0, 6) / 2 ** 48;
}

/**
 * Simulated receipts of one exported month: a share `unreachable` of contacts have a wrong or dead
 * number or address (the same for every month, a hash of the seed, district and contact), so every
 * message to them fails; the others' receipts are drawn by `simulateReceipts`. `dead` keeps each
 * contact's draw across months (a contact gets a message every month).
 */
function demoReceipts(
  rows: readonly Record<string, string>[],
  o: { seed: string; unreachable: number },
  leaid: string,
  month: string,
  dead: Map<string, boolean>,
): string {
  const isDead = rows.map((r) => {
    const key = `${o.seed}|unreachable|${leaid}|${r.contact_id}`;
    let d = dead.get(key);
    if (d === undefined) dead.set(key, (d = hashUniform(key) < o.unreachable));
    return d;
  });
  const simulated = simulateReceipts(
    rows
      .filter((_, i) => !isDead[i])
      .map((r) => ({ id: Number(r.message_id), channel: r.channel, sendAfter: r.send_after })),
    seedrandom.alea(`${o.seed}|receipts|${leaid}|${month}`),
  );
  const failed = rows
    .filter((_, i) => isDead[i])
    .map((r) => `${r.message_id},failed,${r.send_after}T08:00:00Z,sim-${r.message_id}\n`)
    .join('');
  return simulated + failed;
}

/**
 * The demo's outreach (issue 11 item 10): the treatment arm receives monthly summaries; each month
 * (`months`, default every month with attendance) is generated and exported district by district,
 * and receipts are simulated and imported (most delivered, some failed, a few STOP replies, which
 * opt out the number; a share `unreachable` of contacts never receive anything).
 */
export async function runOutreachDemo(
  db: Db,
  o: { slug: string; dataDir: string; seed: string; arm: string; months?: string[]; unreachable?: number },
  actor: string,
  step: (m: string) => void,
): Promise<OutreachDemoResult> {
  const study = await requireStudy(db, o.slug);
  await setProgram(db, { study: o.slug, arm: o.arm, program: 'monthly_summary' }, actor);
  const months = o.months ?? (await attendanceMonths(db.kysely, study.id));
  const dir = join(o.dataDir, 'outreach');
  const excluded = { n: 0 };
  const dead = new Map<string, boolean>();
  for (const month of months) {
    const { run, setAside: n } = await generateSettingAside(
      db,
      o.slug,
      () => generateMonth(db, { study: o.slug, month }, actor),
      actor,
      step,
    );
    excluded.n += n;
    let messages = 0;
    for (const d of run.districts) {
      if (d.status !== 'generated') continue;
      messages += d.messages;
      mkdirSync(join(dir, d.leaid), { recursive: true });
      const file = join(dir, d.leaid, `messages-${month}.csv`);
      await exportMonth(db, { study: o.slug, district: d.leaid, month, out: file }, actor);
      const [header, ...records] = parseCsvText(await readFile(file, 'utf8')).records;
      const rows = records.map((r) => Object.fromEntries(header.fields.map((h, k) => [h, r.fields[k]])));
      const receipts = demoReceipts(
        rows,
        { seed: o.seed, unreachable: o.unreachable ?? 0 },
        d.leaid,
        month,
        dead,
      );
      const path = join(dir, d.leaid, `receipts-${month}.csv`);
      await writeFile(path, receipts);
      if (rows.length > 0) await importReceipts(db, { study: o.slug, leaid: d.leaid, path }, actor);
    }
    step(`outreach ${month}: ${messages} messages generated, exported and their receipts imported`);
  }
  const f = await fidelityReport(db, o.slug);
  const sum = (k: 'messages' | 'delivered' | 'failed' | 'optedOut') => f.rows.reduce((n, r) => n + r[k], 0);
  return {
    months,
    messages: sum('messages'),
    delivered: sum('delivered'),
    failed: sum('failed'),
    optedOut: sum('optedOut'),
    excludedContacts: excluded.n,
    contamination: f.contamination.reduce((n, c) => n + c.students, 0),
    dir,
  };
}
