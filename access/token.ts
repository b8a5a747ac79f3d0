import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Who may call what (DESIGN §9): deny by default, partners see exactly one district. */
export const ROLES = ['staff', 'analyst', 'partner'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller: a token's role and, for a partner, its district's NCES LEAID. */
export interface Principal {
  tokenId: number;
  role: Role;
  districtLeaid: string | null;
}

const TOKEN_PREFIX = 'pilot_';
/** 32 random bytes as base64url (43 characters) after the prefix. */
const TOKEN_PATTERN = /^pilot_[A-Za-z0-9_-]{43}$/;

/** A token from 32 random bytes; the caller supplies the bytes (no randomness in pure code). */
export function tokenFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 32) throw new Error('a token needs exactly 32 random bytes');
  return TOKEN_PREFIX + Buffer.from(bytes).toString('base64url');
}

/** What is stored: the SHA-256 (hex) of the token's UTF-8 text. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

const leaid = z.string().regex(/^[0-9]{7}$/, 'must be a 7-digit NCES LEAID');

/** Fields of a token request; a partner needs its district, staff and analysts must not have one. */
export const TokenRequestSchema = z
  .strictObject({
    role: z.enum(ROLES),
    district: leaid.optional(),
    expires: z.iso.date().optional(),
    label: z.string().max(200).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'partner' && !v.district)
      ctx.addIssue({ code: 'custom', path: ['district'], message: 'a partner token needs its district' });
    if (v.role !== 'partner' && v.district)
      ctx.addIssue({
        code: 'custom',
        path: ['district'],
        message: `a ${v.role} token sees every district; district is only for partner tokens`,
      });
  });
export type TokenRequest = z.infer<typeof TokenRequestSchema>;

/** The instant a token given `expires: YYYY-MM-DD` stops working: the end of that day, UTC. */
export function expiryInstant(date: string): Date {
  return new Date(`${date}T23:59:59.999Z`);
}

export interface StoredToken {
  id: number;
  role: Role;
  districtLeaid: string | null;
  label: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** Whether a stored token may be used at `now` (not revoked, not expired). */
export function tokenUsable(t: StoredToken, now: Date): boolean {
  return t.revokedAt === null && (t.expiresAt === null || t.expiresAt.getTime() > now.getTime());
}
