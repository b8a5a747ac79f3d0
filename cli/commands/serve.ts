import type { Command } from 'commander';
import { pino } from 'pino';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { startServer } from '../../server/serve.ts';
import { print, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';

const ServeOptions = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  trustProxy: z.coerce.number().int().min(0).max(10),
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
    .action(async (o: { port: string; host: string; trustProxy: string }) => {
      const parsed = ServeOptions.safeParse(o);
      if (!parsed.success)
        throw new AppError(
          'BAD_INPUT',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const logger = pino({ level: ctx.config.logLevel === 'warn' ? 'info' : ctx.config.logLevel });
      await withDatabase(ctx, async (db) => {
        const running = await startServer(db, { ...parsed.data, logger });
        print(ctx, `pilot serve: listening on http://${parsed.data.host}:${running.port}`);
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
