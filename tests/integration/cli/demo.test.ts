import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../config.ts';
import { testDialect } from '../../helpers/database.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';

describe(`pilot demo (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-demo-'));
  let config: Config;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a synthetic study end to end, reproducibly, and leaves it in the database', async () => {
    const args = ['demo', '--districts', '3', '--students', '240', '--oneroster', '1', '--seed', 'test-demo'];
    const first = await runPilot(config, ...args, '--json');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.study).toBe('demo');
    expect(summary.counts).toMatchObject({ districts: 3, students: 240 });
    expect(summary.counts.attendance_days).toBeGreaterThan(240 * 100);
    expect(summary.randomization.students).toBe(240);
    expect(summary.randomization.units).toBe(summary.counts.households);
    // Outreach (issue 11 item 10): monthly summaries generated, exported and receipted, month by month.
    const o = summary.outreach;
    expect(o.months.length).toBeGreaterThanOrEqual(9);
    expect(o.messages).toBeGreaterThan(0);
    expect(o.delivered / o.messages).toBeGreaterThan(0.8);
    expect(o.failed).toBeGreaterThan(0);
    expect(o.control_students_contacted).toBe(0);

    // Run again: a second study, the same data and seed, so the same assignment.
    const second = JSON.parse((await runPilot(config, ...args, '--json')).stdout);
    expect(second.study).toBe('demo-2');
    expect(second.randomization.assignment_sha256).toBe(summary.randomization.assignment_sha256);
    expect(second.outreach).toMatchObject({
      messages: o.messages,
      delivered: o.delivered,
      opted_out: o.opted_out,
    });

    const shown = await runPilot(config, 'study', 'show', '--study', 'demo', '--json');
    const study = JSON.parse(shown.stdout);
    expect(study).toMatchObject({
      status: 'randomized',
      unit: 'household',
      block_by: ['district', 'grade_band'],
    });
    expect(study.seed).toMatch(/^[0-9a-f]{32}$/);
    expect((await runPilot(config, 'randomize', 'verify', '--study', 'demo')).stdout).toContain('verified');

    // ... and carries it on to the report: messages with a known effect, analysis, partner reports
    expect(summary.analysis.true_itt).toBeLessThan(0);
    expect(summary.analysis.reached_share).toBeGreaterThan(0.5);
    expect(summary.analysis.reached_share).toBeLessThan(1);
    expect(summary.analysis.district_reports).toHaveLength(3);
    expect(second.analysis.report_dir).not.toBe(summary.analysis.report_dir);
  }, 300_000);

  it('prints the counts and the balance summary for people', async () => {
    const r = await runPilot(config, 'demo', '--districts', '2', '--students', '120', '--seed', 'another');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/study demo-3: 2 districts, \d+ schools, 120 students/);
    expect(r.stdout).toMatch(/balance \(standardized mean differences, WWC bands\)/);
    expect(r.stdout).toMatch(/ITT {2}estimated .*; true -\d/);
    expect(r.stdout).toMatch(/report: .*report\.html/);
  }, 300_000);
});
