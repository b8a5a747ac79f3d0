import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { eventStudyFromStudy } from '../../../analysis/event-study/event-study-study.service.ts';
import type { Config } from '../../../config.ts';
import { openDatabase, type Db } from '../../../db/connection.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';
import { testDialect } from '../../helpers/database.ts';

const monthNo = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
const label = (n: number) => `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;

/**
 * `pilot event-study --study S --start randomization` on a randomized study with monthly attendance
 * (issue 12 item 8). The demo randomizes today; monthly attendance is imported for the months from
 * July 2026 to two months after the randomization month, with one absence day fewer for treated
 * students once randomized, so every treated student forms one cohort (the randomization month) and
 * the control arm is never treated. With a single cohort the event study is the month-specific ITT
 * (METHODS.md §5, E6): the estimate at event time e is the difference in mean attendance between
 * the arms in month g + e minus that difference in the reference month g − 1, computed here straight
 * from the panel.
 */
describe(`event study from the randomization month (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-event-study-rand-'));
  let config: Config;
  let drop: () => Promise<void>;
  let g: number;

  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const db = await openDatabase(config);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
    const demo = await runPilot(
      config,
      'demo',
      '--districts',
      '1',
      '--students',
      '120',
      '--oneroster',
      '0',
      '--seed',
      'event-study-randomization',
      '--out',
      join(dir, 'files'),
    );
    expect(demo.code).toBe(0);
    const { members, leaid } = await withDb(async (db) => {
      const rows = await sql<{ sis_id: string; arm: string; leaid: string; month: string }>`
        SELECT s.sis_id, a.arm, d.nces_leaid AS leaid,
          to_char(r.locked_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month
        FROM assignment_member m JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
        JOIN randomization r ON r.id = m.randomization_id
        JOIN student s ON s.id = m.student_id JOIN district d ON d.id = s.district_id
        ORDER BY s.sis_id`.execute(db.kysely);
      return { members: rows.rows, leaid: rows.rows[0].leaid };
    });
    g = monthNo(members[0].month);
    expect(new Set(members.map((m) => m.month)).size).toBe(1);
    const lines = ['student_id,month,enrolled_days,absent_days'];
    members.forEach((m, k) => {
      for (let t = monthNo('2026-07'); t <= g + 2; t++) {
        const base = (k * 7 + t * 3) % 6;
        const absent = m.arm !== 'control' && t >= g ? Math.max(0, base - 1) : base;
        lines.push(`${m.sis_id},${label(t)},18,${absent}`);
      }
    });
    const file = join(dir, 'monthly.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const imp = await runPilot(config, 'import', 'attendance', file, '--study', 'demo', '--district', leaid);
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs end to end, stores the run, and equals the month-specific ITT', async () => {
    const r = await withDb((db) =>
      eventStudyFromStudy(
        db,
        { study: 'demo', start: 'randomization', method: 'cs', basePeriod: 'universal' },
        'test:event-study',
      ),
    );
    const out = r.result as {
      run_id: number;
      panel: { treated_students: number; never_treated_students: number };
      att_gt: { group: number }[];
      terms: { event_time: number; estimate: number }[];
      input: { unbalanced_units: number };
    };
    expect(out.panel.treated_students).toBeGreaterThan(20);
    expect(out.panel.never_treated_students).toBeGreaterThan(20);
    // one cohort: the randomization month
    expect(new Set(out.att_gt.map((c) => c.group))).toEqual(new Set([g]));
    // the month-specific ITT from the panel, over the units did keeps (observed in every month)
    const periods = new Set(r.panel.map((x) => x.period));
    const count = new Map<string, number>();
    for (const x of r.panel) count.set(x.student_key, (count.get(x.student_key) ?? 0) + 1);
    const kept = r.panel.filter((x) => count.get(x.student_key) === periods.size);
    expect(new Set(kept.map((x) => x.student_key)).size).toBeGreaterThan(40);
    const mean = (treated: boolean, t: number) => {
      const ys = kept.filter((x) => x.period === t && (x.cohort === g) === treated).map((x) => x.y);
      return ys.reduce((s, y) => s + y, 0) / ys.length;
    };
    const itt = (t: number) => mean(true, t) - mean(false, t);
    expect(out.terms.length).toBe(periods.size);
    for (const term of out.terms) {
      const t = g + term.event_time;
      expect(term.estimate).toBeCloseTo(t === g - 1 ? 0 : itt(t) - itt(g - 1), 10);
    }
    const e0 = out.terms.find((x) => x.event_time === 0)!;
    expect(e0.estimate).toBeGreaterThan(0.02);
    // the CLI end to end: the run stored with its options
    const cli = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'randomization',
      '--method',
      'twfe',
      '--json',
    );
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const twfe = JSON.parse(cli.stdout) as { run_id: number; start: string };
    const stored = await withDb((db) =>
      db.kysely.selectFrom('event_study_run').selectAll().orderBy('id').execute(),
    );
    expect(stored.map((s) => [s.id, s.start, s.method])).toEqual([
      [out.run_id, 'randomization', 'cs'],
      [twfe.run_id, 'randomization', 'twfe'],
    ]);
    expect({ run_id: stored[1].id, ...(stored[1].result as Record<string, unknown>) }).toEqual(twfe);
    expect(stored[0].options).toMatchObject({ start: 'randomization', basePeriod: 'universal', match: null });
  }, 180_000);
});
