import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../../config.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';
import { testDialect } from '../../helpers/database.ts';
import { TempFiles } from '../cohorts/imports/import-helpers.ts';
import { fixtureText, GOLDEN_FILES, LEAID } from './outreach-helpers.ts';

/** The outreach commands end to end through `pilot`, on a real randomization of the golden district. */
describe(`pilot program / messages / receipts / fidelity (${testDialect})`, () => {
  const files = new TempFiles();
  let config: Config;
  let drop: () => Promise<void>;
  const pilot = (...args: string[]) => runPilot(config, ...args);
  const ok = async (...args: string[]) => {
    const r = await pilot(...args);
    if (r.code !== 0) throw new Error(`pilot ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const S = ['--study', 'cli'];

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(files.dir, 'pilot-data')));
    await ok('init');
    await ok(
      'study',
      'create',
      '--slug',
      'cli',
      '--name',
      'CLI',
      '--unit',
      'household',
      '--arms',
      'control:0.5,treatment:0.5',
      '--block-by',
      'district',
      '--seed',
      '00112233445566778899aabbccddeeff',
    );
    await ok(
      'district',
      'enroll',
      ...S,
      '--leaid',
      LEAID,
      '--name',
      'Golden',
      '--state',
      'AL',
      '--locale',
      '42',
    );
    for (const [kind, name] of GOLDEN_FILES)
      await ok('import', kind, files.write(name, fixtureText(name)), ...S, '--district', LEAID);
  });
  afterAll(async () => {
    await drop();
    files.remove();
  });

  it('refuses messages before a program is set, then generates, exports and takes receipts', async () => {
    await ok('randomize', ...S);
    const none = await pilot('messages', 'generate', ...S, '--month', '2025-09');
    expect(none.code).toBe(75);
    expect(none.stderr).toMatch(/no arm of study cli has a monthly_summary program/);
    const bad = await pilot('messages', 'generate', ...S, '--month', '2025-9');
    expect(bad.code).toBe(65);
    expect(bad.stderr).toMatch(/--month: must be a month YYYY-MM/);
    await ok('program', 'set', ...S, '--arm', 'treatment', '--program', 'monthly_summary');
    const show = await ok('study', 'show', ...S, '--json');
    expect(JSON.parse(show.stdout).programs).toEqual([
      {
        arm: 'treatment',
        program: 'monthly_summary',
        version: 1,
        config: { channels: ['sms', 'email', 'inbox'], send_day: 1 },
      },
    ]);
    const gen = await ok('messages', 'generate', ...S, '--month', '2025-09', '--json');
    const run = JSON.parse(gen.stdout);
    expect(run.districts[0].status).toBe('generated');
    const out = join(files.dir, 'messages.csv');
    await ok('messages', 'export', ...S, '--month', '2025-09', '--district', LEAID, '--out', out);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'batch_id,district_leaid,school_id,student_sis_id,contact_id,language,channel,message_text,absences_month,absences_ytd,send_after,message_id',
    );
    expect(lines.length - 1).toBe(run.districts[0].messages);
    const ids = lines.slice(1).map((l) => l.split(',').at(-1));
    const receipts = `message_id,status,status_at\n${ids.map((id) => `${id},delivered,2025-10-01`).join('\n')}\n`;
    const imp = await ok(
      'import',
      'receipts',
      files.write('receipts.csv', receipts),
      ...S,
      '--district',
      LEAID,
      '--json',
    );
    expect(JSON.parse(imp.stdout)).toMatchObject({ status: 'imported', messages_updated: ids.length });
    const f = JSON.parse((await ok('fidelity', ...S, '--json')).stdout);
    expect(f.contamination).toEqual([]);
    const delivered = f.rows.reduce((n: number, r: { delivered: number }) => n + r.delivered, 0);
    expect(delivered).toBe(ids.length);
    const text = await ok('fidelity', ...S);
    expect(text.stdout).toMatch(/contamination 0 \(no control student contacted\)/);
  });
});
