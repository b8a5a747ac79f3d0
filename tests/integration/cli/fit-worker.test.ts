/**
 * The report's fit worker (reports/parallel-fits.ts): `pilot analyze` with the subgroup, heterogeneity
 * and monthly fits in a worker thread writes exactly the files it writes with every fit in the main
 * thread. The worker exists only in the compiled build (dist/), which the tests themselves do not run
 * (they run the TypeScript sources), so this test runs the built `bin/pilot.js` as a child process; when
 * dist/ is missing or older than the sources (a developer's checkout before `npm run build`), there is
 * nothing compiled to test and it is skipped. CI builds dist/ with `npm ci`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../../config.ts';
import { testDialect } from '../../helpers/database.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';
// @ts-expect-error: a plain ES module of the build scripts, without types
import { staleReason } from '../../../scripts/sources.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const built = existsSync(join(root, 'dist/reports/fit-worker.js')) && !staleReason(root);

/** Every file under dir (relative path → bytes). */
function files(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) for (const [k, v] of files(path, `${prefix}${name}/`)) out.set(k, v);
    else out.set(`${prefix}${name}`, readFileSync(path));
  }
  return out;
}

describe(`pilot analyze with the fit worker (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-fit-worker-'));
  let config: Config;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const analyze = (out: string, worker: 'always' | 'never') => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PILOT_DATA_DIR: config.dataDir,
      PILOT_ACTOR: 'test:cli',
      PILOT_FIT_WORKER: worker,
    };
    if (config.databaseUrl) env.DATABASE_URL = config.databaseUrl;
    else delete env.DATABASE_URL;
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/pilot.js'), 'analyze', '--study', 'demo', '--out', out, '--json'],
      { env, encoding: 'utf8', timeout: 240_000 },
    );
    if (r.status !== 0) throw new Error(`pilot analyze failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as {
      report_sha256: string;
      fit_worker: { jobs: number; answered: number } | null;
    };
  };

  (built ? it : it.skip)(
    'writes the same files, byte for byte, as with every fit in the main thread',
    async () => {
      const demo = await runPilot(
        config,
        'demo',
        '--districts',
        '3',
        '--students',
        '300',
        '--seed',
        'fit-worker',
        '--out',
        join(dir, 'demo'),
      );
      expect(demo.code).toBe(0);
      const inWorker = analyze(join(dir, 'worker'), 'always');
      const inMain = analyze(join(dir, 'main'), 'never');
      // the worker answered every job it was given: 3 districts' subgroups, heterogeneity tests, months
      expect(inWorker.fit_worker).not.toBeNull();
      expect(inWorker.fit_worker!.jobs).toBeGreaterThan(10);
      expect(inWorker.fit_worker!.answered).toBe(inWorker.fit_worker!.jobs);
      expect(inMain.fit_worker).toBeNull();
      expect(inWorker.report_sha256).toBe(inMain.report_sha256);
      const a = files(join(dir, 'worker'));
      const b = files(join(dir, 'main'));
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      expect(a.size).toBeGreaterThan(10);
      for (const [name, bytes] of a)
        expect({ name, same: bytes.equals(b.get(name)!) }).toEqual({ name, same: true });
    },
    300_000,
  );
});
