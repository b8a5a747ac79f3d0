import type { Command } from 'commander';
import { openDatabase } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { describeDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const initSchema = z.object({ json: option.flag });

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description(
      'create or upgrade the database schema (embedded ./.pilot by default, DATABASE_URL for PostgreSQL)',
    )
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const opts = parseOptions(initSchema, raw);
      const db = await openDatabase(ctx.config);
      try {
        const applied = await migrateToLatest(db);
        if (opts.json) printJson(ctx, { database: describeDatabase(ctx), applied });
        else
          print(
            ctx,
            `database ${describeDatabase(ctx)}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`,
          );
      } finally {
        await db.close();
      }
    });
}
