import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig, type Config } from '../../../config.ts';
import { testDialect } from '../../helpers/database.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';

/** SHA-256 of every file under dir, by relative path. */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** A small synthetic study, randomized, with a locked plan; returns the CLI config. */
async function preparedStudy(config: Config, dir: string): Promise<void> {
  const demo = await runPilot(
    config,
    'demo',
    '--districts',
    '2',
    '--students',
    '300',
    '--oneroster',
    '0',
    '--seed',
    'report-test',
    '--json',
  );
  expect(demo.code).toBe(0);
  // Home visits to the first 60 students of one district, first visits staggered over October to
  // January (the visit-based event study), and a stored event-study run (pilot event-study --study).
  const data = join(config.dataDir, 'demo-data');
  const leaid = readdirSync(data)
    .filter((d) => /^\d{7}$/.test(d))
    .sort()[0];
  const ids = readFileSync(join(data, leaid, 'students.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1, 61)
    .map((line) => line.split(',')[0]);
  const months = ['2025-10-06', '2025-11-04', '2025-12-02', '2026-01-13'];
  writeFileSync(
    join(dir, 'visits.csv'),
    `student_id,visit_date,modality,personnel,barriers\n${ids.map((id, k) => `${id},${months[k % 4]},in_person,school,`).join('\n')}\n`,
  );
  const visits = await runPilot(
    config,
    'import',
    'visits',
    '--study',
    'demo',
    '--district',
    leaid,
    join(dir, 'visits.csv'),
  );
  expect(visits.stderr).toBe('');
  expect(visits.code).toBe(0);
  const run = await runPilot(
    config,
    'event-study',
    '--study',
    'demo',
    '--start',
    'first_delivered_message',
    '--method',
    'twfe',
    '--json',
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  // the demo sets and locks its analysis plan (window October–April, baseline August–September)
  writeFileSync(
    join(dir, 'plan.json'),
    JSON.stringify({ window: { start: '2025-10-01', end: '2026-04-30' } }),
  );
}

describe(`pilot analyze and pilot report (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-analyze-'));
  let config: Config;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
    await preparedStudy(config, dir);
  }, 240_000);
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes byte-identical files when run twice on the same inputs', async () => {
    const a = await runPilot(
      config,
      'analyze',
      '--study',
      'demo',
      '--out',
      join(dir, 'a'),
      '--export-analysis-table',
      '--json',
    );
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const b = await runPilot(
      config,
      'analyze',
      '--study',
      'demo',
      '--out',
      join(dir, 'b'),
      '--export-analysis-table',
    );
    expect(b.code).toBe(0);
    const ha = hashTree(join(dir, 'a'));
    expect(Object.keys(ha)).toEqual(
      expect.arrayContaining([
        'report.json',
        'report.html',
        'tables/estimates.csv',
        'tables/disaggregation.csv',
        'analysis-table-treatment-vs-control.csv',
      ]),
    );
    expect(hashTree(join(dir, 'b'))).toEqual(ha);
    writeFileSync(join(dir, `hashes-${testDialect}.json`), JSON.stringify(ha));
  }, 240_000);

  it('report.json has the contract of DESIGN §7 and labels the locked plan pre-specified', () => {
    const r = JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));
    for (const k of [
      'manifest',
      'flow',
      'balance',
      'attrition',
      'estimates',
      'event_study',
      'fidelity',
      'disaggregation',
      'cost_effectiveness',
    ])
      expect(r).toHaveProperty(k);
    expect(r.manifest.plan_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.manifest.attendance_sha256).not.toBe(createHash('sha256').update('').digest('hex'));
    expect(r.flow.reduce((s: number, f: { randomized: number }) => s + f.randomized, 0)).toBe(300);
    const itt = r.estimates.filter(
      (e: { subgroup: string | null; estimand: string }) => e.subgroup === null && e.estimand === 'ITT',
    );
    expect(itt.map((e: { outcome: string }) => e.outcome)).toEqual([
      'absence_days',
      'attendance_rate',
      'chronically_absent',
      'chronically_absent_crdc',
    ]);
    expect(itt.every((e: { label: string }) => e.label === 'pre-specified')).toBe(true);
    expect(r.heterogeneity.map((h: { subgroup: string }) => h.subgroup)).toEqual([
      'grade_band',
      'english_learner',
      'district',
      'prior_absence_tercile',
    ]);
    expect(r.headline).toMatch(/between October 2025 and April 2026/);
    const html = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    expect(JSON.stringify(r)).not.toMatch(/created_at|"actor"/);
    const monthly = r.event_study.filter((e: { source: string }) => e.source === 'monthly_itt');
    expect(monthly.length).toBe(7);
    // the visit-based event study (CS with not-yet-treated controls and TWFE) and the stored run
    const models = r.event_study_models.map(
      (m: { source: string; estimator: string; note: string | null }) => [m.source, m.estimator, m.note],
    );
    expect(models).toEqual([
      ['first_visit', 'callaway_santanna', null],
      ['first_visit', 'twfe', null],
      ['stored_run', 'twfe', null],
    ]);
    for (const source of ['first_visit', 'stored_run'])
      expect(
        r.event_study.filter(
          (e: { source: string; estimate: number | null }) => e.source === source && e.estimate !== null,
        ).length,
      ).toBeGreaterThan(2);
    expect(html).toContain('id="event-study-first-visit"');
    expect(html).toContain('id="event-study-run-1"');
    // fidelity and CACE from the study's own message records
    expect(r.fidelity.available).toBe(true);
    expect(r.fidelity.cace_definition).toBe('at least one delivered message');
    expect(r.fidelity.by_month_arm.length).toBeGreaterThan(0);
    const delivered = r.fidelity.by_month_arm.reduce(
      (n: number, x: { delivered: number }) => n + x.delivered,
      0,
    );
    expect(delivered).toBeGreaterThan(0);
    expect(r.fidelity.visits_by_month_arm.reduce((n: number, x: { visits: number }) => n + x.visits, 0)).toBe(
      60,
    );
    const reached = r.fidelity.reached.find((x: { arm: string }) => x.arm === 'treatment');
    expect(reached.reached).toBeGreaterThan(0);
    expect(reached.reached).toBeLessThan(reached.students);
    expect(r.fidelity.reached.find((x: { arm: string }) => x.arm === 'control').reached).toBe(0);
    const cace = r.estimates.filter((e: { estimand: string }) => e.estimand === 'CACE');
    expect(cace.map((e: { outcome: string }) => e.outcome)).toEqual(['absence_days']);
    expect(cace[0].estimate).not.toBeNull();
    // the heterogeneity tests are Wald F tests with the plan's CR2 variance
    expect(r.heterogeneity.every((h: { test: string }) => h.test === 'wald_f_CR2')).toBe(true);
    expect(r.heterogeneity.some((h: { df_denominator: number | null }) => (h.df_denominator ?? 0) > 0)).toBe(
      true,
    );
    expect(html).toContain('<svg role="img"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('every ITT in report.json is what pilot estimate gives on the exported analysis table', async () => {
    const r = JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));
    const table = join(dir, 'a', 'analysis-table-treatment-vs-control.csv');
    const overall = r.estimates.filter((e: { subgroup: string | null }) => e.subgroup === null);
    expect(overall.length).toBeGreaterThan(0);
    // CACE: the received column is the plan's CACE definition, read from the study's message receipts
    const rows = readFileSync(table, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const [t, rc] = ['treatment', 'received'].map((c) => rows[0].indexOf(c));
    const got = rows.slice(1).filter((x) => x[t] === '1' && x[rc] === '1').length;
    const reached = r.fidelity.reached.find((x: { arm: string }) => x.arm === 'treatment').reached;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(reached);
    expect(rows.slice(1).filter((x) => x[t] === '0' && x[rc] !== '0').length).toBe(0);
    expect(overall.some((e: { estimand: string }) => e.estimand === 'CACE')).toBe(true);
    for (const e of overall) {
      const cace = e.estimand === 'CACE';
      const args = cace
        ? ['--received', 'received', '--clusters', 'cluster', '--method', 'iv', '--se-type', 'CR2']
        : [
            '--blocks',
            'block',
            '--clusters',
            'cluster',
            '--covariates',
            'prior_year_absence_rate,baseline_absence_rate',
            '--missing-covariates',
            'impute',
            '--method',
            'lin',
            '--se-type',
            'CR2',
          ];
      const run = await runPilot(
        config,
        'estimate',
        table,
        '--outcome',
        e.outcome,
        '--treatment',
        'treatment',
        ...args,
        '--json',
      );
      expect(run.code).toBe(0);
      const t = JSON.parse(run.stdout).terms.find(
        (x: { term: string }) => x.term === (cace ? 'received' : 'treatment'),
      );
      expect(t.estimate).toBe(e.estimate);
      expect(t.std_error).toBe(e.std_error);
      expect(t.df).toBe(e.df);
      expect(t.p_value).toBe(e.p_value);
      expect(t.conf_low).toBe(e.conf_low);
      expect(t.conf_high).toBe(e.conf_high);
    }
  }, 120_000);

  it('a locked plan cannot change, and the manifest follows the plan', async () => {
    const again = await runPilot(config, 'plan', 'set', '--study', 'demo', join(dir, 'plan.json'));
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/locked/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"window": {"start": "2025-10-01",\n "end": 5}}');
    const refused = await runPilot(config, 'plan', 'set', '--study', 'demo', bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/window\.end/);
  });

  it('writes a district report with suppression and no student-level rows', async () => {
    const a = JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));
    const leaid = a.disaggregation.find((d: { dimension: string }) => d.dimension === 'district').level;
    const r = await runPilot(
      config,
      'report',
      '--study',
      'demo',
      '--district',
      leaid,
      '--out',
      join(dir, 'district'),
    );
    expect(r.code).toBe(0);
    const d = JSON.parse(readFileSync(join(dir, 'district', 'report.json'), 'utf8'));
    expect(d.district.leaid).toBe(leaid);
    expect(d.estimates.filter((e: { scope: string }) => e.scope === 'study').length).toBeGreaterThan(0);
    const pooled = d.estimates.find(
      (e: { scope: string; outcome: string }) => e.scope === 'study' && e.outcome === 'absence_days',
    );
    const fromStudy = a.estimates.find(
      (e: { subgroup: null; outcome: string }) => e.subgroup === null && e.outcome === 'absence_days',
    );
    expect(pooled.estimate).toBe(fromStudy.estimate);
    // every count shown is 0, ≥ 10, "<10" or "*"
    for (const row of d.disaggregation) expect(row.students).toMatch(/^(0|[1-9]\d+|<10|\*)$/);
    for (const f of d.flow) expect(f.randomized).toMatch(/^(0|[1-9]\d+|<10)$/);
    const text =
      readFileSync(join(dir, 'district', 'report.json'), 'utf8') +
      readFileSync(join(dir, 'district', 'report.html'), 'utf8');
    expect(text).not.toMatch(/student:\d{7}:/);
    expect(text).not.toMatch(/household:/);
    const other = await runPilot(
      config,
      'report',
      '--study',
      'demo',
      '--district',
      '9999999',
      '--out',
      join(dir, 'x'),
    );
    expect(other.code).not.toBe(0);
  }, 120_000);

  it('gives the same bytes on PGlite as on PostgreSQL', async () => {
    if (!process.env.DATABASE_URL) {
      console.info(
        'cross-database comparison runs when DATABASE_URL is set (PostgreSQL against embedded PGlite)',
      );
      return;
    }
    const lite = loadConfig({ PILOT_DATA_DIR: join(dir, 'pglite'), PILOT_ACTOR: 'test:cli' });
    await preparedStudy(lite, dir);
    const run = await runPilot(
      lite,
      'analyze',
      '--study',
      'demo',
      '--out',
      join(dir, 'lite'),
      '--export-analysis-table',
    );
    expect(run.code).toBe(0);
    expect(hashTree(join(dir, 'lite'))).toEqual(hashTree(join(dir, 'a')));
  }, 300_000);
});
