import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../config.ts';
import { testDialect } from '../../helpers/database.ts';
import { cliConfig, runPilot } from '../../helpers/cli.ts';

// Services name fields (`arms`), never flags, since the HTTP server shows the same messages; the CLI
// shows each field as the flag its user typed.
describe(`pilot option errors (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-options-'));
  let config: Config;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
    expect((await runPilot(config, 'init')).code).toBe(0);
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (...extra: string[]) =>
    runPilot(config, 'study', 'create', '--slug', 's', '--name', 'S', '--unit', 'student', ...extra);

  it("shows a service's field names as the command's flags", async () => {
    const arms = await create('--arms', 'a:0.6,b:0.6');
    expect(arms.code).toBe(65);
    expect(arms.stderr).toMatch(/^error: --arms: .*sum to 1.2/);
    expect((await create('--arms', 'a:0.5,b:0.5')).code).toBe(0);
    const city = await runPilot(
      config,
      'district',
      'enroll',
      '--study',
      's',
      '--leaid',
      '0100007',
      '--name',
      'C',
      '--state',
      'AL',
      '--locale',
      '11',
    );
    expect(city.code).toBe(65);
    expect(city.stderr).toMatch(/is not rural; set --allow-nonrural to enroll it anyway/);
  });

  it('refuses malformed options before any work, naming each flag', async () => {
    const r = await runPilot(config, 'randomize', '--study', 's', '--wave', '1.5');
    expect(r.code).toBe(65);
    expect(r.stderr).toBe(
      'error: invalid options: --wave: must be a whole number of at least 1, not "1.5"\n',
    );
    const missing = await runPilot(config, 'randomize', 'verify');
    expect(missing.stderr).toMatch(/--study: is required/);
    const locale = await runPilot(
      config,
      'district',
      'enroll',
      '--study',
      's',
      '--leaid',
      '0100007',
      '--name',
      'C',
      '--state',
      'AL',
      '--locale',
      'rural',
    );
    expect(locale.stderr).toMatch(/--locale: must be a whole number from 0 to 99, not "rural"/);
  });
});
