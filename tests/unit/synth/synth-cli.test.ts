import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { main } from '../../../cli/main.ts';
import { loadConfig } from '../../../config.ts';

const root = mkdtempSync(join(tmpdir(), 'pilot-synth-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(['node', 'pilot', ...args], { config: loadConfig({}), stdout, stderr });
  return { code, out, err };
}

describe('pilot synth command', () => {
  it('documents its options and the output layout in --help', async () => {
    const { out } = await run(['synth', '--help']);
    for (const option of [
      '--out',
      '--districts',
      '--students',
      '--seed',
      '--year',
      '--oneroster',
      '--exceptions',
      '--json',
    ])
      expect(out).toContain(option);
    expect(out).toContain('attendance_daily.csv');
    expect(out).toContain('oneroster.zip');
  });

  it('writes the study and prints its counts as JSON', async () => {
    const dir = join(root, 'study');
    const { code, out } = await run([
      'synth',
      '--out',
      dir,
      '--districts',
      '2',
      '--students',
      '300',
      '--seed',
      'cli',
      '--oneroster',
      '1',
      '--json',
    ]);
    expect(code).toBe(0);
    const printed = JSON.parse(out);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(printed.counts).toEqual(manifest.counts);
    expect(manifest.counts.students).toBe(300);
    expect(manifest.parameters).toEqual({
      districts: 2,
      students: 300,
      seed: 'cli',
      year: 2025,
      oneroster: 1,
      exceptions: false,
    });
  });

  it('refuses bad options with a non-zero exit', async () => {
    const { code, err } = await run([
      'synth',
      '--out',
      join(root, 'x'),
      '--districts',
      '3',
      '--students',
      '10',
      '--seed',
      'cli',
    ]);
    expect(code).not.toBe(0);
    expect(err).toMatch(/students/);
    const notNumber = await run([
      'synth',
      '--out',
      join(root, 'y'),
      '--districts',
      'two',
      '--students',
      '100',
      '--seed',
      'cli',
    ]);
    expect(notNumber.code).not.toBe(0);
  });
});
