import type { Command } from 'commander';
import { pino } from 'pino';
import { startServer } from '../../server/serve.ts';
import { print, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const ServeOptions = z.object({
  port: option.wholeNumber(0, 65535),
  host: option.text,
  trustProxy: option.wholeNumber(0, 10),
});

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'serve /api/v1 (OpenAPI at /api/v1/openapi.json), the partner portal at /portal, /healthz and /readyz; ' +
        'SIGTERM or Ctrl-C finishes requests in flight, then stops',
    )
    .option('--port <n>', 'TCP port', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--trust-proxy <hops>', 'reverse proxies in front (trust X-Forwarded-For that far)', '0')
    .action(async (o: unknown) => {
      const options = parseOptions(ServeOptions, o);
      const logger = pino({ level: ctx.config.logLevel === 'warn' ? 'info' : ctx.config.logLevel });
      await withDatabase(ctx, async (db) => {
        const running = await startServer(db, { ...options, logger });
        print(ctx, `pilot serve: listening on http://${options.host}:${running.port}`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGTERM', stop);
            process.off('SIGINT', stop);
            print(ctx, 'pilot serve: finishing requests in flight…');
            running.close().then(resolve, resolve);
          };
          process.on('SIGTERM', stop);
          process.on('SIGINT', stop);
        });
        print(ctx, 'pilot serve: stopped');
      });
    });
}
