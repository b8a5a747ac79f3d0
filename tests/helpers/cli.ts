import { Writable } from 'node:stream';
import { main } from '../../cli/main.ts';
import { loadConfig, type Config } from '../../config.ts';
import { createScratchPostgres } from '../../db/scratch-database.ts';

/** A stream that keeps what is written to it (a non-TTY stdout or stderr for the CLI). */
export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** A fresh database for the CLI: a new PostgreSQL database when DATABASE_URL is set, else PGlite in dataDir. */
export async function cliConfig(dataDir: string): Promise<{ config: Config; drop: () => Promise<void> }> {
  const admin = process.env.DATABASE_URL;
  if (!admin)
    return { config: loadConfig({ PILOT_DATA_DIR: dataDir, PILOT_ACTOR: 'test:cli' }), drop: async () => {} };
  const { url, drop } = await createScratchPostgres(admin, 'pilot_cli');
  return {
    config: loadConfig({ DATABASE_URL: url, PILOT_DATA_DIR: dataDir, PILOT_ACTOR: 'test:cli' }),
    drop,
  };
}

/** Runs `pilot ...args` in process and returns its exit code and output. */
export async function runPilot(
  config: Config,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['node', 'pilot', ...args], { config, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
