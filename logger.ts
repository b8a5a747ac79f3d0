/**
 * Pilot's structured log: one JSON line per event (pino), at the level of `PILOT_LOG_LEVEL`
 * (default `warn`, so the CLI stays quiet). The CLI logs each command it runs and every unexpected
 * error; the server will log each request the same way. Logs name commands, codes and timings,
 * never student rows.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { DestinationStream, Logger };

/** A logger at the configured level writing JSON lines to `destination` (stderr by default). */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  destination: DestinationStream = pino.destination({ dest: 2, sync: true }),
): Logger {
  return pino({ level: config.logLevel, base: { app: 'pilot' } }, destination);
}
