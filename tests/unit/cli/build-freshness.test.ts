import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
// @ts-expect-error plain JavaScript module without types (it runs before any TypeScript loader)
import { buildInfo, sourceFiles, staleReason } from '../../../scripts/sources.mjs';

// bin/pilot.js runs dist/ unless a source is newer than the build (checked only in a git checkout).
// These tests build a miniature checkout: the real bin/pilot.js and scripts/sources.mjs, a "compiled"
// dist/cli/main.js and a "source" cli/main.ts that print which one ran.
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function checkout(options: { git: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'pilot-fresh-'));
  dirs.push(root);
  for (const d of ['bin', 'scripts', 'cli', 'analysis', 'dist/cli', 'tests'])
    mkdirSync(join(root, d), { recursive: true });
  if (options.git) mkdirSync(join(root, '.git'));
  cpSync(join(repo, 'bin/pilot.js'), join(root, 'bin/pilot.js'));
  cpSync(join(repo, 'scripts/sources.mjs'), join(root, 'scripts/sources.mjs'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  const main = (what: string) =>
    `export async function main(): Promise<number> { process.stdout.write('${what}\\n'); return 0; }\n`;
  writeFileSync(join(root, 'cli/main.ts'), main('source'));
  writeFileSync(join(root, 'analysis/x.ts'), 'export const x = 1;\n');
  writeFileSync(join(root, 'tests/ignored.ts'), 'export const y = 1;\n');
  writeFileSync(join(root, 'dist/package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(root, 'dist/cli/main.js'),
    "export async function main() { process.stdout.write('compiled\\n'); return 0; }\n",
  );
  // every source a minute old, the build stamp now
  const old = new Date(Date.now() - 60_000);
  for (const f of ['package.json', 'cli/main.ts', 'analysis/x.ts', 'tests/ignored.ts'])
    utimesSync(join(root, f), old, old);
  const stamp = Date.now() - 1000;
  for (const d of ['cli', 'analysis']) utimesSync(join(root, d), old, old);
  writeFileSync(join(root, 'dist/build-info.json'), JSON.stringify(buildInfo(root, stamp)));
  return root;
}

const pilot = (root: string) => {
  const r = spawnSync(process.execPath, [join(root, 'bin/pilot.js'), '--version'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return { stdout: r.stdout.trim(), stderr: r.stderr };
};

const touch = (path: string) => {
  const now = new Date();
  utimesSync(path, now, now);
};

describe('dist/ freshness (bin/pilot.js, scripts/sources.mjs)', () => {
  it('runs dist/ when it is newer than every source, and the sources when one was edited since', () => {
    const root = checkout({ git: true });
    expect(staleReason(root)).toBeNull();
    expect(pilot(root)).toEqual({ stdout: 'compiled', stderr: '' });

    touch(join(root, 'tests/ignored.ts')); // not compiled: does not make dist/ stale
    expect(staleReason(root)).toBeNull();

    touch(join(root, 'analysis/x.ts'));
    expect(staleReason(root)).toBe('analysis/x.ts is newer than dist/');
    const run = pilot(root);
    expect(run.stdout).toBe('source');
    expect(run.stderr).toMatch(
      /dist\/ is out of date \(analysis\/x\.ts is newer than dist\/\).*npm run build/,
    );
  }, 60000);

  it('a source added or removed since the build makes dist/ stale', () => {
    const added = checkout({ git: true });
    writeFileSync(join(added, 'analysis/new.ts'), 'export const z = 1;\n');
    expect(staleReason(added)).toBe('analysis/ changed since the build');
    expect(pilot(added).stdout).toBe('source');

    const removed = checkout({ git: true });
    rmSync(join(removed, 'analysis/x.ts'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(removed, 'analysis'), old, old);
    expect(staleReason(removed)).toBe('analysis/x.ts was removed since the build');
  }, 60000);

  it('a build without a stamp (an older Pilot) is stale; outside a git checkout nothing is checked', () => {
    const root = checkout({ git: true });
    rmSync(join(root, 'dist/build-info.json'));
    expect(staleReason(root)).toBe('dist/build-info.json is missing');
    expect(pilot(root).stdout).toBe('source');

    const installed = checkout({ git: false });
    touch(join(installed, 'analysis/x.ts'));
    expect(pilot(installed)).toEqual({ stdout: 'compiled', stderr: '' });
  }, 60000);

  it('the real build stamps dist/ and lists exactly the files it compiles', () => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repo });
    expect(staleReason(repo.replace(/\/$/, ''))).toBeNull();
    const files = [...sourceFiles(repo.replace(/\/$/, ''))].map((f: { path: string }) =>
      f.path.slice(repo.length),
    );
    expect(files).toContain('cli/main.ts');
    expect(files.some((f: string) => /^(tests|bench|scripts|node_modules|dist)\//.test(f))).toBe(false);
  }, 60000);
});
