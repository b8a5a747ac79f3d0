import { randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import {
  expiryInstant,
  tokenFromBytes,
  tokenSha256,
  tokenUsable,
  TokenRequestSchema,
  type Principal,
  type StoredToken,
} from './token.ts';
import { TOKEN_CHANNEL, tokenCache } from './token-cache.service.ts';
import {
  findTokenById,
  findTokenBySha256,
  insertToken,
  listTokens,
  markRevoked,
  notifyChannel,
  tokenSha256Of,
} from './token.store.ts';
import { zodProblem } from './validation.ts';

export interface IssuedToken {
  /** Shown once; only its SHA-256 is stored. */
  token: string;
  stored: StoredToken;
}

/** Issues a token (`pilot token create`): validates the request, stores the SHA-256, audits the issue. */
export async function createToken(db: Db, request: unknown, actor: string, now: Date): Promise<IssuedToken> {
  const parsed = TokenRequestSchema.safeParse(request);
  if (!parsed.success) throw zodProblem('token request', parsed.error);
  const r = parsed.data;
  const expiresAt = r.expires ? expiryInstant(r.expires) : null;
  if (expiresAt && expiresAt.getTime() <= now.getTime())
    throw new AppError('BAD_INPUT', `\`expires\`: ${r.expires} is in the past`, {
      issues: [{ path: 'expires', message: 'must be today or later' }],
    });
  const token = tokenFromBytes(randomBytes(32));
  const stored = await db.kysely.transaction().execute(async (trx) => {
    const t = await insertToken(trx, {
      role: r.role,
      districtLeaid: r.district ?? null,
      label: r.label ?? '',
      sha256: tokenSha256(token),
      createdBy: actor,
      expiresAt,
    });
    await appendAuditEvent(trx, {
      actor,
      action: 'token.create',
      entity: `token:${t.id}`,
      details: {
        role: t.role,
        district: t.districtLeaid,
        expires_at: t.expiresAt?.toISOString() ?? null,
        label: t.label,
      },
    });
    return t;
  });
  return { token, stored };
}

/**
 * Revokes a token by its id, or by the token itself; revoking twice is a conflict. On PostgreSQL
 * the revocation is announced (NOTIFY, delivered when it commits) so that every process's token
 * cache forgets the token at once.
 */
export async function revokeToken(
  db: Db,
  which: { id: number } | { token: string },
  actor: string,
  now: Date,
): Promise<StoredToken> {
  const found =
    'id' in which
      ? await findTokenById(db.kysely, which.id)
      : await findTokenBySha256(db.kysely, tokenSha256(which.token));
  if (!found) throw new AppError('NOT_FOUND', 'no such token');
  if (found.revokedAt) throw new AppError('CONFLICT', `token ${found.id} is already revoked`);
  const sha256 = await tokenSha256Of(db.kysely, found.id);
  await db.kysely.transaction().execute(async (trx) => {
    await markRevoked(trx, found.id, now);
    if (db.dialect === 'postgres') await notifyChannel(trx, TOKEN_CHANNEL, sha256);
    await appendAuditEvent(trx, {
      actor,
      action: 'token.revoke',
      entity: `token:${found.id}`,
      details: { role: found.role, district: found.districtLeaid },
    });
  });
  tokenCache(db).forget(sha256);
  return { ...found, revokedAt: now };
}

export function allTokens(db: Db): Promise<StoredToken[]> {
  return listTokens(db.kysely);
}

/** The caller a presented token stands for, or null (unknown, revoked or expired: indistinguishable). */
export async function authenticate(db: Db, token: string, now: Date): Promise<Principal | null> {
  const sha256 = tokenSha256(token);
  const stored = await tokenCache(db).find(sha256, () => findTokenBySha256(db.kysely, sha256));
  if (!stored || !tokenUsable(stored, now)) return null;
  return { tokenId: stored.id, role: stored.role, districtLeaid: stored.districtLeaid };
}
