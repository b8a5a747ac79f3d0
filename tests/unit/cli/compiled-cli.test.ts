import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// The `pilot` command runs the JavaScript that `npm ci` compiles into dist/ (the `prepare` script).
// This builds it afresh and runs the real binary as a user would.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, ['bin/pilot.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

describe('compiled pilot command', () => {
  it('builds dist/ from the sources and runs from it, matching the TypeScript sources', () => {
    const built = execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    expect(built).toMatch(/compiled \d+ TypeScript files to dist\//);
    expect(readFileSync(`${root}dist/cli/main.js`, 'utf8')).toContain('"./commands/estimate.js"');

    const version = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version as string;
    expect(run(['--version']).trim()).toBe(version);

    const args = [
      'estimate',
      'tests/fixtures/csv/mtcars.csv',
      '--outcome',
      'mpg',
      '--treatment',
      'am',
      '--json',
    ];
    const compiled = JSON.parse(run(args));
    const fromSource = JSON.parse(run(args, { PILOT_FROM_SOURCE: '1' }));
    expect(compiled.terms?.[0]?.estimate ?? compiled.estimate).toBeDefined();
    expect(compiled).toEqual(fromSource);
  }, 60000);

  it('lists every command in --help (all command modules load from dist/)', () => {
    const help = run(['--help']);
    for (const name of [
      'init',
      'study',
      'district',
      'import',
      'demo',
      'synth',
      'estimate',
      'randomize',
      'assignments',
    ])
      expect(help).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
