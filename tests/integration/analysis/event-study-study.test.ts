import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { eventStudyFromStudy } from '../../../analysis/event-study/event-study-study.service.ts';
import { decileOf, quantileType7 } from '../../../analysis/event-study/exact-matching.ts';
import { gradeBand } from '../../../assignment/block-keys.ts';
import type { Config } from '../../../config.ts';
import { openDatabase, type Db } from '../../../db/connection.ts';
import { importVisits } from '../../../outreach/outreach-import.service.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';
import { testDialect } from '../../helpers/database.ts';

const ACTOR = 'test:event-study';

function csv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, k) => [cols[k], v])));
}

const monthNo = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;

/**
 * DESIGN §5 per student-month straight from the district's files, independently of the SQL:
 * enrolled days = instructional calendar days inside enrollment windows (days with a record when
 * the student has no enrolled calendar day that month), absence days = sum of absent fractions
 * (in-school suspension present). Keyed by sis id, then 'YYYY-MM'.
 */
function expectedMonths(
  dir: string,
): Map<string, Map<string, { enrolled: number; absence: number; chronic: number }>> {
  const instructional = new Map<string, string[]>();
  for (const c of csv(join(dir, 'calendar.csv'))) {
    if (c.instructional !== 'true') continue;
    instructional.set(c.school_id, [...(instructional.get(c.school_id) ?? []), c.date]);
  }
  const days = new Map<string, Set<string>>();
  for (const e of csv(join(dir, 'enrollment.csv'))) {
    const set = days.get(e.student_id) ?? new Set<string>();
    for (const d of instructional.get(e.school_id) ?? [])
      if (d >= e.entry_date && (e.exit_date === '' || d <= e.exit_date)) set.add(d);
    days.set(e.student_id, set);
  }
  const out = new Map<string, Map<string, { enrolled: number; absence: number; chronic: number }>>();
  const cell = (sis: string, month: string) => {
    if (!out.has(sis)) out.set(sis, new Map());
    const m = out.get(sis)!;
    if (!m.has(month)) m.set(month, { enrolled: 0, absence: 0, chronic: 0 });
    return m.get(month)!;
  };
  for (const [sis, set] of days) for (const d of set) cell(sis, d.slice(0, 7)).enrolled++;
  const records = new Map<string, number>();
  // the school year's attendance, then the demo's corrections (which replace the same student and date)
  const imported = new Map<string, Record<string, string>>();
  for (const file of ['attendance_daily.csv', 'attendance_corrections.csv'].filter((f) =>
    existsSync(join(dir, f)),
  ))
    for (const a of csv(join(dir, file))) imported.set(`${a.student_id}|${a.date}`, a);
  for (const a of imported.values()) {
    const c = cell(a.student_id, a.date.slice(0, 7));
    c.absence += a.suspension === 'iss' ? 0 : Number(a.absent_fraction);
    if (a.suspension !== 'iss' && Number(a.absent_fraction) >= 0.5) c.chronic++;
    const key = `${a.student_id}|${a.date.slice(0, 7)}`;
    records.set(key, (records.get(key) ?? 0) + 1);
  }
  for (const [sis, months] of out)
    for (const [month, c] of months) if (c.enrolled === 0) c.enrolled = records.get(`${sis}|${month}`) ?? 0;
  return out;
}

describe(`event study on a study's own data (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-event-study-'));
  let config: Config;
  let drop: () => Promise<void>;
  let leaid: string;
  /** sis id → arm */
  const arms = new Map<string, string>();
  /** sis id → first visit month written to the visits file */
  const firstVisit = new Map<string, string>();
  let alwaysTreated: string;
  let servedControl: string;

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
    const r = await runPilot(
      config,
      'demo',
      '--districts',
      '1',
      '--students',
      '150',
      '--oneroster',
      '0',
      '--seed',
      'event-study',
      '--out',
      join(dir, 'files'),
    );
    expect(r.code).toBe(0);
    await withDb(async (db) => {
      const rows = await sql<{ sis_id: string; arm: string; leaid: string }>`
        SELECT s.sis_id, a.arm, d.nces_leaid AS leaid
        FROM assignment_member m JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
        JOIN student s ON s.id = m.student_id JOIN district d ON d.id = s.district_id
        ORDER BY s.sis_id`.execute(db.kysely);
      for (const x of rows.rows) arms.set(x.sis_id, x.arm);
      leaid = rows.rows[0].leaid;
      const treated = rows.rows.filter((x) => x.arm === 'treatment').map((x) => x.sis_id);
      const control = rows.rows.filter((x) => x.arm === 'control').map((x) => x.sis_id);
      // home visits: two cohorts (2025-11, 2026-01), a later second visit that must not move the
      // start, one student visited in the panel's first month (always treated: dropped) and one
      // control student visited (kept as never treated)
      const lines = ['student_id,visit_date,modality,personnel,barriers'];
      treated.slice(0, 10).forEach((sis) => {
        lines.push(`${sis},2025-11-1${treated.indexOf(sis) % 10},in_person,school,`);
        firstVisit.set(sis, '2025-11');
      });
      lines.push(`${treated[0]},2026-02-03,phone,school,`);
      treated.slice(10, 20).forEach((sis) => {
        lines.push(`${sis},2026-01-2${treated.indexOf(sis) % 10},virtual,community,`);
        firstVisit.set(sis, '2026-01');
      });
      alwaysTreated = treated[20];
      lines.push(`${alwaysTreated},2025-08-20,in_person,school,`);
      servedControl = control[0];
      lines.push(`${servedControl},2025-12-02,in_person,school,`);
      const file = join(dir, 'visits.csv');
      writeFileSync(file, lines.join('\n') + '\n');
      const imp = await importVisits(db, { study: 'demo', leaid, path: file }, ACTOR);
      expect(imp.inserted).toBe(23);
    });
  }, 300_000);
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the student × month panel: cohorts from first visits, months and outcomes from the files', async () => {
    const expected = expectedMonths(join(dir, 'files', leaid));
    const r = await withDb((db) =>
      eventStudyFromStudy(db, { study: 'demo', start: 'first_visit', method: 'twfe' }, ACTOR),
    );
    const allMonths = [...expected.values()].flatMap((m) => [...m].filter(([, c]) => c.enrolled > 0));
    const first = Math.min(...allMonths.map(([m]) => monthNo(m)));
    expect(r.result.months).toMatchObject({ [String(first)]: '2025-08' });
    // every student-month with enrolled days, except the always-treated student's, is a row
    const bySis = new Map<string, { month: string; period: number; cohort: number; y: number }[]>();
    for (const row of r.panel) {
      const sis = row.student_key.split(':')[2];
      bySis.set(sis, [...(bySis.get(sis) ?? []), row]);
    }
    expect(bySis.has(alwaysTreated)).toBe(false);
    let cells = 0;
    for (const [sis, months] of expected) {
      if (sis === alwaysTreated || !arms.has(sis)) continue;
      const want = [...months].filter(([, c]) => c.enrolled > 0).sort(([a], [b]) => (a < b ? -1 : 1));
      const got = bySis.get(sis) ?? [];
      expect(got.map((g) => g.month)).toEqual(want.map(([m]) => m));
      const cohort = arms.get(sis) === 'treatment' && firstVisit.has(sis) ? monthNo(firstVisit.get(sis)!) : 0;
      want.forEach(([month, c], k) => {
        expect(got[k].period).toBe(monthNo(month));
        expect(got[k].cohort).toBe(cohort);
        expect(got[k].y).toBeCloseTo(1 - c.absence / c.enrolled, 9);
        cells++;
      });
    }
    expect(cells).toBe(r.panel.length);
    expect(r.result.panel).toEqual({
      students: bySis.size,
      treated_students: 20,
      never_treated_students: bySis.size - 20,
      served_control_students: 1,
      treated_before_panel_dropped: 1,
      students_without_months: 0,
    });
    expect(bySis.get(servedControl)!.every((g) => g.cohort === 0)).toBe(true);
    // the panel is unbalanced as it is: some students miss months
    expect((r.result.input as { unbalanced_units: number }).unbalanced_units).toBeGreaterThan(0);
    // absence days as the outcome: the same cells
    const abs = await withDb((db) =>
      eventStudyFromStudy(
        db,
        { study: 'demo', start: 'first_visit', method: 'sunab', outcome: 'absence_days' },
        ACTOR,
      ),
    );
    const sis0 = abs.panel[0].student_key.split(':')[2];
    expect(abs.panel[0].y).toBeCloseTo(expected.get(sis0)!.get(abs.panel[0].month)!.absence, 6);
  }, 120_000);

  it('first delivered message: cohorts are the month of the first delivered receipt', async () => {
    const r = await withDb((db) =>
      eventStudyFromStudy(
        db,
        { study: 'demo', start: 'first_delivered_message', method: 'cs', allowUnbalancedPanel: true },
        ACTOR,
      ),
    );
    const direct = await withDb(async (db) => {
      const rows = await sql<{ sis_id: string; month: string }>`
        SELECT s.sis_id, min(to_char(m.status_at AT TIME ZONE 'UTC', 'YYYY-MM')) AS month
        FROM message m JOIN student s ON s.id = m.student_id
        WHERE m.status = 'delivered' GROUP BY s.sis_id`.execute(db.kysely);
      return new Map(rows.rows.map((x) => [x.sis_id, x.month]));
    });
    const first = Math.min(...r.panel.map((row) => row.period));
    let treated = 0;
    const seen = new Set<string>();
    for (const row of r.panel) {
      const sis = row.student_key.split(':')[2];
      if (seen.has(sis)) continue;
      seen.add(sis);
      const start = direct.get(sis);
      const want = arms.get(sis) === 'treatment' && start !== undefined ? monthNo(start) : 0;
      expect(row.cohort).toBe(want);
      expect(want === 0 || want > first).toBe(true);
      if (want) treated++;
    }
    expect(treated).toBeGreaterThan(10);
    expect(r.result.panel).toMatchObject({ treated_students: treated });
    expect(r.result.method).toBe('cs');
  }, 120_000);

  it('pilot event-study --study runs end to end, stores the run and audits it', async () => {
    const before = await withDb(async (db) =>
      Number(
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM event_study_run`.execute(db.kysely)).rows[0]
          .n,
      ),
    );
    const r = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'first_visit',
      '--method',
      'twfe',
      '--window',
      '-3,3',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      study: 'demo',
      start: 'first_visit',
      method: 'twfe',
      outcome: 'attendance_rate',
    });
    expect(out.panel).toMatchObject({ treated_students: 20, treated_before_panel_dropped: 1 });
    const terms = out.terms as { event_time: number | string }[];
    expect(terms.length).toBeGreaterThan(0);
    await withDb(async (db) => {
      const runs = await db.kysely.selectFrom('event_study_run').selectAll().orderBy('id').execute();
      expect(runs.length).toBe(before + 1);
      const run = runs[runs.length - 1];
      expect(run.id).toBe(out.run_id);
      expect(run).toMatchObject({ start: 'first_visit', method: 'twfe', actor: 'test:cli' });
      expect(run.options).toMatchObject({ window: [-3, 3], study: 'demo', outcome: 'attendance_rate' });
      expect({ run_id: run.id, ...(run.result as Record<string, unknown>) }).toEqual(out);
      const audit = await db.kysely
        .selectFrom('audit_event')
        .select(['action', 'entity', 'actor'])
        .where('action', '=', 'event-study.run')
        .orderBy('seq')
        .execute();
      expect(audit[audit.length - 1]).toEqual({
        action: 'event-study.run',
        entity: `study:demo/event-study:${run.id}`,
        actor: 'test:cli',
      });
      expect(audit.length).toBe(before + 1);
    });
    const text = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'first_visit',
      '--method',
      'sunab',
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^study demo: \d+ units × \d+ periods/);
  }, 120_000);

  it('--match exact: served students matched to not-served chronically absent students of the district', async () => {
    const files = expectedMonths(join(dir, 'files', leaid));
    const roster = await withDb(async (db) => {
      const rows = await sql<{ sis_id: string; grade: string; el: boolean | null }>`
        SELECT s.sis_id, s.grade, s.english_learner AS el FROM student s`.execute(db.kysely);
      return new Map(rows.rows.map((x) => [x.sis_id, x]));
    });
    const r = await withDb((db) =>
      eventStudyFromStudy(
        db,
        { study: 'demo', start: 'first_visit', match: 'exact', allowUnbalancedPanel: true },
        ACTOR,
      ),
    );
    const m = r.result.matching as Record<string, unknown> & { decile_cuts: number[] };
    // the first visits are in 2025-11: the baseline is August to October
    expect(m.baseline_window).toEqual({ start: '2025-08', end: '2025-10' });
    const baseline = (sis: string) => {
      const t = { enrolled: 0, absence: 0, chronic: 0 };
      for (const [month, c] of files.get(sis) ?? [])
        if (month < '2025-11' && c.enrolled > 0) {
          t.enrolled += c.enrolled;
          t.absence += c.absence;
          t.chronic += c.chronic;
        }
      return t.enrolled > 0 ? t : null;
    };
    const rate = (sis: string) =>
      Math.round((1 - baseline(sis)!.absence / baseline(sis)!.enrolled) * 1e9) / 1e9;
    const chronic = (sis: string) => {
      const b = baseline(sis);
      return b !== null && b.enrolled >= 10 && b.chronic >= 0.1 * b.enrolled - 1e-9;
    };
    const served = [...firstVisit.keys()].filter((sis) => baseline(sis) !== null);
    const candidates = [...roster.keys()].filter(
      (sis) => !firstVisit.has(sis) && sis !== alwaysTreated && sis !== servedControl && chronic(sis),
    );
    const pool = [...served, ...candidates].map(rate).sort((a, b) => a - b);
    const cuts = Array.from({ length: 9 }, (_, k) => quantileType7(pool, (k + 1) / 10));
    m.decile_cuts.forEach((q, k) => expect(q).toBeCloseTo(cuts[k], 9));
    const stratum = (sis: string) => {
      const s = roster.get(sis)!;
      return [gradeBand(s.grade) ?? 'unknown', decileOf(rate(sis), cuts), String(s.el)].join('|');
    };
    const candidateStrata = new Set(candidates.map(stratum));
    const matched = served.filter((sis) => candidateStrata.has(stratum(sis)));
    const servedStrata = new Set(matched.map(stratum));
    const comparisons = candidates.filter((sis) => servedStrata.has(stratum(sis)));
    expect(matched.length).toBeGreaterThan(0);
    expect(m).toMatchObject({
      served: 20,
      served_matched: matched.length,
      served_unmatched: 20 - matched.length,
      served_before_panel: 1,
      served_control_students: 1,
      chronically_absent_candidates: candidates.length,
      comparisons_matched: comparisons.length,
      match_rate: matched.length / 20,
    });
    // the matched panel: exactly these students, the served with their first-visit cohort
    const cohortOf = new Map(r.panel.map((row) => [row.student_key.split(':')[2], row.cohort]));
    expect([...cohortOf.keys()].sort()).toEqual([...matched, ...comparisons].sort());
    for (const sis of matched) expect(cohortOf.get(sis)).toBe(monthNo(firstVisit.get(sis)!));
    for (const sis of comparisons) expect(cohortOf.get(sis)).toBe(0);
    const strata = m.strata as { treated: number; comparisons: number }[];
    expect(strata.filter((s) => s.comparisons > 0).reduce((n, s) => n + s.treated, 0)).toBe(matched.length);
    expect(r.result.method).toBe('cs');
    // the text output reports the match rates
    const text = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'first_visit',
      '--match',
      'exact',
      '--allow-unbalanced-panel',
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`served students: 20; matched ${matched.length} (`);
    expect(text.stdout).toMatch(/district\s+grade_band\s+decile\s+english_learner\s+treated\s+comparisons/);
  }, 120_000);

  it('--by: a curve per grade band, English-learner status, and first-visit modality and personnel', async () => {
    const all = await withDb((db) =>
      eventStudyFromStudy(db, { study: 'demo', start: 'first_visit', method: 'twfe' }, ACTOR),
    );
    const units = (all.result.input as { units: number }).units;
    const neverTreated = (all.result.panel as { never_treated_students: number }).never_treated_students;
    for (const by of ['grade_band', 'english_learner'] as const) {
      const r = await withDb((db) =>
        eventStudyFromStudy(db, { study: 'demo', start: 'first_visit', method: 'twfe', by }, ACTOR),
      );
      const subgroups = r.result.subgroups as {
        value: string;
        input?: { units: number };
        n_units?: number;
      }[];
      expect(subgroups.length).toBeGreaterThan(1);
      // a partition of the students
      expect(subgroups.reduce((n, g) => n + (g.input?.units ?? g.n_units!), 0)).toBe(units);
      expect(r.result.subgroup_comparisons).toBe('own students');
    }
    const cli = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'first_visit',
      '--method',
      'twfe',
      '--by',
      'modality',
      '--json',
    );
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const out = JSON.parse(cli.stdout) as Record<string, unknown>;
    const modality = out.subgroups as {
      variable: string;
      value: string;
      input: { units: number };
      terms: unknown[];
    }[];
    // November's first visits were in person, January's virtual; the never-treated are in both
    expect(modality.map((g) => [g.variable, g.value, g.input.units])).toEqual([
      ['modality', 'in_person', 10 + neverTreated],
      ['modality', 'virtual', 10 + neverTreated],
    ]);
    expect(modality.every((g) => g.terms.length > 0)).toBe(true);
    expect(out.subgroup_heterogeneity).toBeNull();
    const personnel = await withDb((db) =>
      eventStudyFromStudy(
        db,
        { study: 'demo', start: 'first_visit', method: 'sunab', by: 'personnel' },
        ACTOR,
      ),
    );
    expect((personnel.result.subgroups as { value: string }[]).map((g) => g.value)).toEqual([
      'community',
      'school',
    ]);
    const bad = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'first_visit',
      '--by',
      'grade',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--by.*grade_band \| english_learner \| modality \| personnel/);
  }, 180_000);

  it('refuses what it cannot do, naming the flag, and stores nothing', async () => {
    const count = () =>
      withDb(async (db) =>
        Number(
          (await sql<{ n: number }>`SELECT count(*)::int AS n FROM event_study_run`.execute(db.kysely))
            .rows[0].n,
        ),
      );
    const before = await count();
    // the demo randomizes today, after the last month of attendance
    const late = await runPilot(config, 'event-study', '--study', 'demo', '--start', 'randomization');
    expect(late.code).not.toBe(0);
    expect(late.stderr).toMatch(/after the last month with attendance.*--late-cohorts-never-treated/);
    const noStart = await runPilot(config, 'event-study', '--study', 'demo');
    expect(noStart.code).not.toBe(0);
    expect(noStart.stderr).toMatch(/--start/);
    const column = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'first_visit',
      '--id',
      'x',
    );
    expect(column.code).not.toBe(0);
    expect(column.stderr).toMatch(/--id name columns of a panel CSV/);
    const outcome = await runPilot(
      config,
      'event-study',
      '--study',
      'demo',
      '--start',
      'first_visit',
      '--outcome',
      'grade',
    );
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toMatch(/--outcome/);
    const unknown = await runPilot(config, 'event-study', '--study', 'nope', '--start', 'first_visit');
    expect(unknown.code).not.toBe(0);
    expect(await count()).toBe(before);
  }, 120_000);
});
