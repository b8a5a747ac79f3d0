import type { Command } from 'commander';
import { verifyAudit } from '../../access/audit.service.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';

export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the SHA-256 hash chain of every change');
  audit
    .command('verify')
    .description('recompute the chain; names the first broken link and exits non-zero if any')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const r = await withDatabase(ctx, (db) => verifyAudit(db));
      if (o.json) printJson(ctx, { events: r.events, head: r.head, verified: true });
      else print(ctx, `audit chain verified: ${r.events} events, head ${r.head}`);
    });
}
