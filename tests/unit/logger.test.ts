import { describe, expect, it } from '@jest/globals';
import { Capture, runPilot } from '../helpers/cli.ts';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../logger.ts';

describe('the structured log', () => {
  it('writes one JSON line per event at or above the configured level', () => {
    const out = new Capture();
    const log = createLogger({ logLevel: 'info' }, out);
    log.debug('hidden');
    log.info({ command: 'study list', ms: 3 }, 'command finished');
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 30,
      app: 'pilot',
      command: 'study list',
      ms: 3,
      msg: 'command finished',
    });
  });

  it('logs each CLI command at info level and nothing at the default level', async () => {
    const args = ['estimate', 'no-such.csv', '--outcome', 'y', '--treatment', 'z'];
    const quiet = await runPilot(loadConfig({}), ...args);
    expect(quiet.stderr).toBe('error: no-such.csv: no such file\n');
    const loud = await runPilot(loadConfig({ PILOT_LOG_LEVEL: 'info' }), ...args);
    const [human, json] = loud.stderr.trim().split('\n');
    expect(human).toBe('error: no-such.csv: no such file');
    expect(JSON.parse(json)).toMatchObject({ command: 'estimate', exit_code: 66, msg: 'command finished' });
  });
});
