import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadStudentMonthPanels,
  loadStudentMonths,
  loadStudentOutcomes,
  type OutcomeWindow,
} from '../../../analysis/outcomes.store.ts';
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

/** The district's files of a kind: the demo's, then any extra file the test imported after it. */
function filesOf(dir: string, name: string): Record<string, string>[] {
  return [`${name}.csv`, `${name}_extra.csv`]
    .filter((f) => existsSync(join(dir, f)))
    .flatMap((f) => csv(join(dir, f)));
}

function expectedFromFiles(dir: string, window: OutcomeWindow = WINDOW) {
  const calendar = filesOf(dir, 'calendar');
  const instructional = new Map<string, Set<string>>();
  for (const c of calendar) {
    if (c.instructional !== 'true' || c.date < window.start || c.date > window.end) continue;
    if (!instructional.has(c.school_id)) instructional.set(c.school_id, new Set());
    instructional.get(c.school_id)!.add(c.date);
  }
  const enrolled = new Map<string, Set<string>>();
  for (const e of filesOf(dir, 'enrollment')) {
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
    if (a.date < window.start || a.date > window.end) continue;
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

  // A report's outcome and baseline panels come from one pass over the daily rows: each window's
  // panel must be the one it would get alone, also for windows that overlap and end mid-month.
  it('give each of several windows, read at once, the panel of that window alone', async () => {
    const db = await openDatabase(config);
    try {
      const study = await db.kysely
        .selectFrom('study')
        .select('id')
        .where('slug', '=', 'demo')
        .executeTakeFirstOrThrow();
      const windows: OutcomeWindow[] = [
        WINDOW,
        { start: '2025-08-01', end: '2025-09-30' },
        { start: '2025-09-15', end: '2025-11-20' },
        { start: '2025-11-10', end: '2025-11-10' },
      ];
      const panels = await loadStudentMonthPanels(db.kysely, study.id, windows);
      expect(panels.length).toBe(windows.length);
      for (const [k, w] of windows.entries()) {
        expect(panels[k]).toEqual(await loadStudentMonths(db.kysely, study.id, w));
        const rows = await loadStudentOutcomes(db.kysely, study.id, w, panels[k]);
        let checked = 0;
        let absent = 0;
        for (const leaid of readdirSync(join(dir, 'files')).filter((n) => /^\d{7}$/.test(n))) {
          const { enrolled, absence } = expectedFromFiles(join(dir, 'files', leaid), w);
          for (const r of rows.filter((x) => x.districtLeaid === leaid)) {
            const sis = r.studentKey.split(':')[2];
            expect(r.enrolledDays).toBe(enrolled.get(sis)?.size ?? 0);
            expect(r.absenceDays).toBeCloseTo(absence.get(sis)?.days ?? 0, 6);
            expect(r.chronicDays).toBe(absence.get(sis)?.chronic ?? 0);
            if (r.absenceDays > 0) absent++;
            checked++;
          }
        }
        expect(checked).toBe(240);
        expect(absent).toBeGreaterThan(0);
      }
      // the mid-month window's panel keeps only its own days of October and November
      expect(new Set(panels[2].map((m) => m.month))).toEqual(new Set(['2025-09', '2025-10', '2025-11']));
    } finally {
      await db.close();
    }
  }, 120_000);

  // Enrollment windows that overlap (a second school, or the same school entered again while the first
  // window is open) count each instructional date once; windows of one student that do not overlap add
  // up. Written against the older query, which counted distinct dates throughout: a regression test.
  it("count an instructional day once where a student's enrollment windows overlap", async () => {
    const leaid = readdirSync(join(dir, 'files')).filter((n) => /^\d{7}$/.test(n))[0];
    const files = join(dir, 'files', leaid);
    const school = csv(join(files, 'schools.csv'))[0].school_id;
    const days = csv(join(files, 'calendar.csv'));
    const open = csv(join(files, 'enrollment.csv')).filter(
      (e) => e.school_id === school && e.entry_date <= '2025-10-01' && e.exit_date === '',
    );
    const left = csv(join(files, 'enrollment.csv')).find(
      (e) => e.school_id === school && e.exit_date >= '2025-10-15' && e.exit_date <= '2025-12-31',
    );
    expect(open.length).toBeGreaterThan(3);
    expect(left).toBeDefined();
    // a second school whose instructional days are the first school's Mondays to Wednesdays plus two
    // Saturdays the first school does not teach
    const weekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();
    const second = [
      ...days
        .filter((c) => c.instructional === 'true' && [1, 2, 3].includes(weekday(c.date)))
        .map((c) => `9990,${c.date},true,1`),
      ...days
        .filter((c) => c.instructional === 'true' && [4, 5].includes(weekday(c.date)))
        .map((c) => `9990,${c.date},false,0`),
      '9990,2025-11-08,true,1',
      '9990,2026-01-10,true,1',
    ];
    writeFileSync(join(files, 'schools_extra.csv'), 'school_id,name\n9990,Second Test School\n');
    writeFileSync(
      join(files, 'calendar_extra.csv'),
      `school_id,date,instructional,day_fraction\n${second.join('\n')}\n`,
    );
    writeFileSync(
      join(files, 'enrollment_extra.csv'),
      [
        'student_id,school_id,entry_date,exit_date',
        // overlaps the open window at the first school
        `${open[0].student_id},9990,2025-11-03,2026-01-16`,
        `${open[1].student_id},9990,2025-09-01,`,
        // the same school entered again while the first window is open
        `${open[2].student_id},${school},2025-12-01,2026-02-01`,
        // two schools one after the other (no overlap): the days add up
        `${left!.student_id},9990,${left!.exit_date.slice(0, 8)}28,2026-03-15`,
        // a window outside the outcome window and after the calendar's last day
        `${open[3].student_id},9990,2026-07-01,2026-08-31`,
      ].join('\n') + '\n',
    );
    for (const [kind, file] of [
      ['schools', 'schools_extra.csv'],
      ['calendar', 'calendar_extra.csv'],
      ['enrollment', 'enrollment_extra.csv'],
    ]) {
      const r = await runPilot(
        config,
        'import',
        kind,
        join(files, file),
        '--study',
        'demo',
        '--district',
        leaid,
      );
      expect(r.code).toBe(0);
    }
    const db = await openDatabase(config);
    try {
      const study = await db.kysely
        .selectFrom('study')
        .select('id')
        .where('slug', '=', 'demo')
        .executeTakeFirstOrThrow();
      const rows = await loadStudentOutcomes(db.kysely, study.id, WINDOW);
      const months = await loadStudentMonths(db.kysely, study.id, WINDOW);
      const { enrolled } = expectedFromFiles(files);
      const changed = [open[0], open[1], open[2], left!, open[3]].map((e) => e.student_id);
      let checked = 0;
      for (const r of rows.filter((x) => x.districtLeaid === leaid)) {
        const sis = r.studentKey.split(':')[2];
        const dates = [...(enrolled.get(sis) ?? [])];
        expect(r.enrolledDays).toBe(dates.length);
        const byMonth = new Map<string, number>();
        for (const d of dates) byMonth.set(d.slice(0, 7), (byMonth.get(d.slice(0, 7)) ?? 0) + 1);
        const panel = months.filter((m) => m.studentId === r.studentId && m.source === 'calendar');
        expect(Object.fromEntries(panel.map((m) => [m.month, m.enrolledDays]))).toEqual(
          Object.fromEntries(byMonth),
        );
        if (changed.includes(sis)) checked++;
      }
      expect(checked).toBe(changed.length);
      // the second school adds days to the overlapping student (its two Saturdays at least), not to the
      // student who entered the first school again
      const total = (sis: string) => rows.find((r) => r.studentKey.endsWith(`:${sis}`))!.enrolledDays;
      const firstOnly = (e: Record<string, string>) =>
        days.filter(
          (c) =>
            c.instructional === 'true' &&
            c.date >= WINDOW.start &&
            c.date <= WINDOW.end &&
            c.date >= e.entry_date &&
            (e.exit_date === '' || c.date <= e.exit_date),
        ).length;
      expect(total(open[0].student_id)).toBe(firstOnly(open[0]) + 2);
      expect(total(open[2].student_id)).toBe(firstOnly(open[2]));
      expect(total(left!.student_id)).toBeGreaterThan(firstOnly(left!));
      expect(total(open[3].student_id)).toBe(firstOnly(open[3]));
    } finally {
      await db.close();
    }
  }, 120_000);
});
