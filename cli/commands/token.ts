import type { Command } from 'commander';
import { allTokens, createToken, revokeToken } from '../../access/token.service.ts';
import { AppError } from '../../errors.ts';
import { tokenJson } from '../../server/render.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const RevokeOptions = z.object({ id: option.positiveInteger.optional(), json: option.flag });

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('API and portal access tokens (only SHA-256 stored)');
  token
    .command('create')
    .description('issue a token and print it once; partners see only their district')
    .requiredOption('--role <role>', 'staff, analyst or partner')
    .option('--district <leaid>', "a partner's district (7-digit NCES LEAID)")
    .option('--expires <date>', 'last day the token works (YYYY-MM-DD, UTC)')
    .option('--label <text>', 'a note to tell tokens apart')
    .option('--json', 'machine-readable output')
    .action(
      async (o: { role: string; district?: string; expires?: string; label?: string; json?: boolean }) => {
        const issued = await withDatabase(ctx, (db) =>
          createToken(
            db,
            { role: o.role, district: o.district, expires: o.expires, label: o.label },
            ctx.config.actor,
            new Date(),
          ),
        );
        if (o.json) return printJson(ctx, { token: issued.token, info: tokenJson(issued.stored) });
        print(ctx, issued.token);
        ctx.stderr.write(
          `token ${issued.stored.id} (${issued.stored.role}${issued.stored.districtLeaid ? `, district ${issued.stored.districtLeaid}` : ''}): shown once; store it safely\n`,
        );
      },
    );
  token
    .command('revoke')
    .description('revoke a token by its id (pilot token list) or by the token itself')
    .argument('[token]', 'the token')
    .option('--id <n>', 'the token id')
    .option('--json', 'machine-readable output')
    .action(async (value: string | undefined, raw: unknown) => {
      const o = parseOptions(RevokeOptions, raw);
      if ((value === undefined) === (o.id === undefined))
        throw new AppError('BAD_INPUT', 'give either the token or --id <n>');
      const id = o.id ?? null;
      const revoked = await withDatabase(ctx, (db) =>
        revokeToken(db, id !== null ? { id } : { token: value as string }, ctx.config.actor, new Date()),
      );
      if (o.json) printJson(ctx, tokenJson(revoked));
      else print(ctx, `revoked token ${revoked.id} (${revoked.role})`);
    });
  token
    .command('list')
    .description('issued tokens: id, role, district, expiry, revocation (never the tokens)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const tokens = await withDatabase(ctx, (db) => allTokens(db));
      if (o.json) return printJson(ctx, tokens.map(tokenJson));
      for (const t of tokens)
        print(
          ctx,
          `${t.id}\t${t.role}\t${t.districtLeaid ?? '-'}\t${t.expiresAt?.toISOString().slice(0, 10) ?? 'no expiry'}\t${t.revokedAt ? 'revoked' : 'active'}\t${t.label}`,
        );
    });
}
