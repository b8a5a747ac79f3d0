import { join } from 'node:path';
import { z } from 'zod';

/** The only reader of process.env (STYLE.md §8): everything else receives a frozen Config. */
const ConfigSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PILOT_DATA_DIR: z.string().min(1).default('./.pilot'),
  PILOT_ACTOR: z.string().min(1).optional(),
  PILOT_CACHE_DIR: z.string().min(1).optional(),
  PILOT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

export interface Config {
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly logLevel: string;
  /**
   * Where Pilot keeps what it can make again (the embedded database's template): $PILOT_CACHE_DIR,
   * else pilot/ in $XDG_CACHE_HOME or ~/.cache; null (nothing cached) when none of them is set.
   */
  readonly cacheDir: string | null;
  /** Who the audit trail names for CLI actions: $PILOT_ACTOR, else the login name. */
  readonly actor: string;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.parse({
    DATABASE_URL: env.DATABASE_URL || undefined,
    PILOT_DATA_DIR: env.PILOT_DATA_DIR || undefined,
    PILOT_LOG_LEVEL: env.PILOT_LOG_LEVEL || undefined,
    PILOT_CACHE_DIR: env.PILOT_CACHE_DIR || undefined,
    PILOT_ACTOR: env.PILOT_ACTOR || undefined,
  });
  return Object.freeze({
    databaseUrl: parsed.DATABASE_URL ?? null,
    dataDir: parsed.PILOT_DATA_DIR,
    logLevel: parsed.PILOT_LOG_LEVEL,
    cacheDir:
      parsed.PILOT_CACHE_DIR ??
      (env.XDG_CACHE_HOME
        ? join(env.XDG_CACHE_HOME, 'pilot')
        : env.HOME
          ? join(env.HOME, '.cache', 'pilot')
          : null),
    actor: parsed.PILOT_ACTOR ?? `cli:${env.USER || env.LOGNAME || 'unknown'}`,
  });
}
