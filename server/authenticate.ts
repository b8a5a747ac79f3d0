import type { RequestHandler } from 'express';
import { failedAuthentication, type ThrottleLimits } from '../access/auth-throttle.service.ts';
import { looksLikeToken, type Principal } from '../access/token.ts';
import { authenticate } from '../access/token.service.ts';
import type { Db } from '../db/connection.ts';
import { AppError } from '../errors.ts';

/** Who the audit trail names for an HTTP caller. */
export function actorOf(p: Principal): string {
  return `token:${p.tokenId}:${p.role}${p.districtLeaid ? `:${p.districtLeaid}` : ''}`;
}

/**
 * API authentication: `Authorization: Bearer <token>`, nothing else (the portal has its own cookie
 * sessions, so the API needs no CSRF defence). Unknown, revoked and expired tokens get the same 401;
 * too many failures from one address get 429.
 */
export function bearerAuth(db: Db, now: () => Date, limits: ThrottleLimits): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match?.[1] ?? '';
    const principal = looksLikeToken(token) ? await authenticate(db, token, now()) : null;
    if (principal) {
      res.locals.principal = principal;
      return next();
    }
    if (header && (await failedAuthentication(db, req.ip ?? 'unknown', now(), limits)))
      throw new AppError('RATE_LIMITED', 'too many failed authentications; wait a minute');
    throw new AppError(
      'UNAUTHORIZED',
      header ? 'the token is not valid (unknown, revoked or expired)' : 'send Authorization: Bearer <token>',
    );
  };
}
