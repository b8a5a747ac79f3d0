import { z } from 'zod';

/** The only reader of process.env (STYLE.md §8): everything else receives a frozen Config. */
const ConfigSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PILOT_DATA_DIR: z.string().min(1).default('./.pilot'),
  PILOT_ACTOR: z.string().min(1).optional(),
  PILOT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

export interface Config {
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly logLevel: string;
  /** Who the audit trail names for CLI actions: $PILOT_ACTOR, else the login name. */
  readonly actor: string;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.parse({
    DATABASE_URL: env.DATABASE_URL || undefined,
    PILOT_DATA_DIR: env.PILOT_DATA_DIR || undefined,
    PILOT_LOG_LEVEL: env.PILOT_LOG_LEVEL || undefined,
    PILOT_ACTOR: env.PILOT_ACTOR || undefined,
  });
  return Object.freeze({
    databaseUrl: parsed.DATABASE_URL ?? null,
    dataDir: parsed.PILOT_DATA_DIR,
    logLevel: parsed.PILOT_LOG_LEVEL,
    actor: parsed.PILOT_ACTOR ?? `cli:${env.USER || env.LOGNAME || 'unknown'}`,
  });
}
