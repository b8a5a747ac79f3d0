import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStudentMonths, loadStudentOutcomes } from '../../../analysis/outcomes.store.ts';
import type { Config } from '../../../config.ts';
import { openDatabase } from '../../../db/connection.ts';
import { testDialect } from '../../helpers/database.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';

const WINDOW = { start: '2025-10-01', end: '2026-03-31' };

function csv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, k) => [cols[k], v])));
}

/** DESIGN §5 computed straight from a district's files, independently of the SQL. */
function importedAttendance(dir: string): Record<string, string>[] {
  const rows = new Map<string, Record<string, string>>();
  const files = ['attendance_daily.csv', 'attendance_corrections.csv'].filter((f) =>
    existsSync(join(dir, f)),
  );
  for (const f of files) for (const a of csv(join(dir, f))) rows.set(`${a.student_id}|${a.date}`, a);
  return [...rows.values()];
}

function expectedFromFiles(dir: string) {
  const calendar = csv(join(dir, 'calendar.csv'));
  const instructional = new Map<string, Set<string>>();
  for (const c of calendar) {
    if (c.instructional !== 'true' || c.date < WINDOW.start || c.date > WINDOW.end) continue;
    if (!instructional.has(c.school_id)) instructional.set(c.school_id, new Set());
    instructional.get(c.school_id)!.add(c.date);
  }
  const enrolled = new Map<string, Set<string>>();
  for (const e of csv(join(dir, 'enrollment.csv'))) {
    const days = enrolled.get(e.student_id) ?? new Set<string>();
    for (const d of instructional.get(e.school_id) ?? [])
      if (d >= e.entry_date && (e.exit_date === '' || d <= e.exit_date)) days.add(d);
    enrolled.set(e.student_id, days);
  }
  const absence = new Map<string, { days: number; chronic: number }>();
  // the files the demo imported: the school year's attendance, then the corrections that plant the
  // program's effect (a corrected row replaces the row of the same student and date)
  const imported = importedAttendance(dir);
  for (const a of imported) {
    if (a.date < WINDOW.start || a.date > WINDOW.end) continue;
    const t = absence.get(a.student_id) ?? { days: 0, chronic: 0 };
    const f = a.suspension === 'iss' ? 0 : Number(a.absent_fraction);
    t.days += f;
    if (f >= 0.5) t.chronic += 1;
    absence.set(a.student_id, t);
  }
  return { enrolled, absence };
}

describe(`outcomes built in SQL (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-outcomes-'));
  let config: Config;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
    const r = await runPilot(
      config,
      'demo',
      '--districts',
      '2',
      '--students',
      '240',
      '--oneroster',
      '0',
      '--seed',
      'outcomes',
      '--out',
      join(dir, 'files'),
    );
    expect(r.code).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('equal enrolled days, absence days and chronic days computed from the files', async () => {
    const db = await openDatabase(config);
    try {
      const study = await db.kysely
        .selectFrom('study')
        .select('id')
        .where('slug', '=', 'demo')
        .executeTakeFirstOrThrow();
      const rows = await loadStudentOutcomes(db.kysely, study.id, WINDOW);
      expect(rows.length).toBe(240);
      let checked = 0;
      for (const leaid of readdirSync(join(dir, 'files')).filter((n) => /^\d{7}$/.test(n))) {
        const { enrolled, absence } = expectedFromFiles(join(dir, 'files', leaid));
        for (const r of rows.filter((x) => x.districtLeaid === leaid)) {
          const sis = r.studentKey.split(':')[2];
          expect(r.enrolledDays).toBe(enrolled.get(sis)?.size ?? 0);
          expect(r.absenceDays).toBeCloseTo(absence.get(sis)?.days ?? 0, 6);
          expect(r.chronicDays).toBe(absence.get(sis)?.chronic ?? 0);
          checked++;
        }
      }
      expect(checked).toBe(240);
      expect(rows.some((r) => r.absenceDays > 0)).toBe(true);
      // the monthly panel sums to the window totals
      const months = await loadStudentMonths(db.kysely, study.id, WINDOW);
      expect(new Set(months.map((m) => m.month))).toEqual(
        new Set(['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03']),
      );
      const total = months.reduce((s, m) => s + m.enrolledDays, 0);
      expect(total).toBe(rows.reduce((s, r) => s + r.enrolledDays, 0));
      expect(months.every((m) => m.source === 'calendar')).toBe(true);
    } finally {
      await db.close();
    }
  }, 120_000);
});
