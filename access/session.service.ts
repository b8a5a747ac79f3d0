import { randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { tokenSha256, type Principal } from './token.ts';
import { authenticate } from './token.service.ts';
import { deleteExpiredSessions, deleteSession, findLiveSession, insertSession } from './session.store.ts';

/** A portal session lasts 8 hours, never longer than its token. */
export const SESSION_MS = 8 * 60 * 60 * 1000;

export interface SignedIn {
  /** The cookie value (random; stored only as SHA-256). */
  sessionId: string;
  csrfToken: string;
  principal: Principal;
  expiresAt: Date;
}

/** Signs in with a token: null when the token is unknown, revoked or expired. */
export async function signIn(db: Db, token: string, now: Date): Promise<SignedIn | null> {
  const principal = await authenticate(db, token, now);
  if (!principal) return null;
  const sessionId = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_MS);
  await deleteExpiredSessions(db.kysely, now);
  await insertSession(db.kysely, {
    idSha256: tokenSha256(sessionId),
    tokenId: principal.tokenId,
    csrfToken,
    expiresAt,
  });
  return { sessionId, csrfToken, principal, expiresAt };
}

export interface LiveSession {
  principal: Principal;
  csrfToken: string;
}

export async function resumeSession(db: Db, sessionId: string, now: Date): Promise<LiveSession | null> {
  const s = await findLiveSession(db.kysely, tokenSha256(sessionId), now);
  if (!s) return null;
  return {
    principal: { tokenId: s.tokenId, role: s.role, districtLeaid: s.districtLeaid },
    csrfToken: s.csrfToken,
  };
}

export async function signOut(db: Db, sessionId: string): Promise<void> {
  await deleteSession(db.kysely, tokenSha256(sessionId));
}
