import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../config.ts';
import { testDialect } from '../../helpers/database.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';

/** Rows of a CSV file without quoted fields, as objects by header. */
function csvRows(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, k) => [names[k], v])));
}

/**
 * Students ('leaid:sis') with at least one message whose simulated receipt says delivered, read
 * from the message exports and receipt files the demo's outreach wrote.
 */
function deliveredStudents(outreachDir: string): Set<string> {
  const out = new Set<string>();
  for (const leaid of readdirSync(outreachDir)) {
    const dir = join(outreachDir, leaid);
    for (const f of readdirSync(dir).filter((n) => n.startsWith('receipts-'))) {
      const delivered = new Set(
        csvRows(join(dir, f))
          .filter((r) => r.status === 'delivered')
          .map((r) => r.message_id),
      );
      // message_text may hold commas (quoted); the last column is message_id, the fourth the student
      for (const line of readFileSync(join(dir, f.replace('receipts-', 'messages-')), 'utf8')
        .trim()
        .split('\n')
        .slice(1)) {
        const cells = line.split(',');
        if (delivered.has(cells[cells.length - 1])) out.add(`${leaid}:${cells[3]}`);
      }
    }
  }
  return out;
}

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
    // exception feeds: only days absent, tardy or leaving early (enrolled days come from the calendar)
    expect(summary.counts.attendance_days).toBeGreaterThan(240 * 5);
    expect(summary.counts.attendance_days).toBeLessThan(240 * 60);
    expect(summary.randomization.students).toBe(240);
    expect(summary.randomization.units).toBe(summary.counts.households);
    // Outreach (issue 11 item 10): monthly summaries generated, exported and receipted, month by month.
    const o = summary.outreach;
    // seven treatment months: the summaries of September to March, sent October to April
    expect(o.months).toEqual(['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03']);
    expect(o.messages).toBeGreaterThan(0);
    // imperfect delivery: a quarter of the contacts cannot be reached, the others' messages mostly arrive
    expect(o.delivered / o.messages).toBeGreaterThan(0.5);
    expect(o.delivered / o.messages).toBeLessThan(0.9);
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
    const a = summary.analysis;
    expect(a.true_itt).toBeLessThan(0);
    expect(a.reached_share).toBeGreaterThan(0.5);
    expect(a.reached_share).toBeLessThan(1);
    expect(a.district_reports).toHaveLength(3);
    for (const path of a.district_reports) expect(existsSync(path)).toBe(true);
    expect(existsSync(join(a.report_dir, 'report.html'))).toBe(true);

    // One delivery simulation: the effect acts on exactly the students whose receipts say delivered.
    const delivered = deliveredStudents(o.files);
    expect(a.reached_students).toBe(delivered.size);
    expect(a.reached_share).toBeCloseTo(a.reached_students / a.treated_students, 12);
    let removed = 0;
    const corrected = new Set<string>();
    for (const leaid of readdirSync(summary.data_dir).filter((n) => /^\d{7}$/.test(n))) {
      const dir = join(summary.data_dir, leaid);
      if (!existsSync(join(dir, 'attendance_corrections.csv'))) continue;
      const before = new Map(
        csvRows(join(dir, 'attendance_daily.csv')).map((r) => [`${r.student_id}|${r.date}`, r]),
      );
      for (const r of csvRows(join(dir, 'attendance_corrections.csv'))) {
        corrected.add(`${leaid}:${r.student_id}`);
        expect(r.category).toBe('present');
        const was = before.get(`${r.student_id}|${r.date}`)!;
        expect(Number(was.absent_fraction)).toBeGreaterThan(0);
        expect(was.suspension).toBe('');
        expect(r.date >= '2025-10-01' && r.date <= '2026-04-30').toBe(true);
        removed += Number(was.absent_fraction);
      }
    }
    expect(corrected.size).toBeGreaterThan(0);
    for (const k of corrected) expect(delivered.has(k)).toBe(true);
    expect(a.absences_removed).toBeCloseTo(removed, 9);
    // the truth is computed from the data: CACE = removed days ÷ reached students, ITT = CACE × reached share
    expect(a.true_cace).toBeCloseTo(-removed / a.reached_students, 12);
    expect(a.true_itt / a.true_cace).toBeGreaterThan(0.5);
    expect(a.true_itt / a.true_cace).toBeLessThan(1);
    expect(summary.stages.map((x: { stage: string }) => x.stage)).toEqual([
      'database',
      'synth',
      'import',
      'randomize',
      'outreach',
      'effect',
      'analyze',
      'district reports',
    ]);
    expect(second.analysis.report_dir).not.toBe(summary.analysis.report_dir);
    expect(second.analysis).toMatchObject({
      true_itt: a.true_itt,
      true_cace: a.true_cace,
      reached_students: a.reached_students,
    });
    // the same seed gives the same report, byte for byte, but for the study it names
    const body = (dir: string) => {
      const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      delete r.manifest;
      delete r.study;
      return JSON.stringify(r);
    };
    expect(body(second.analysis.report_dir)).toBe(body(a.report_dir));
  }, 300_000);

  it('prints the counts and the balance summary for people', async () => {
    const r = await runPilot(config, 'demo', '--districts', '2', '--students', '120', '--seed', 'another');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/study demo-3: 2 districts, \d+ schools, 120 students/);
    expect(r.stdout).toMatch(/balance \(standardized mean differences, WWC bands\)/);
    expect(r.stdout).toMatch(/ITT {2}estimated .*; true -\d/);
    expect(r.stdout).toMatch(/report: .*report\.html/);
    expect(r.stdout).toMatch(/seconds by stage, wall \(CPU\): database [\d.]+ \([\d.]+\), synth/);
    expect(r.stdout).toMatch(/planted the effect: \d+ of \d+ program students had a message delivered/);
  }, 300_000);
});
