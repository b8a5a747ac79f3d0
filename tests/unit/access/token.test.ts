import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  expiryInstant,
  looksLikeToken,
  tokenFromBytes,
  tokenSha256,
  tokenUsable,
  TokenRequestSchema,
  type StoredToken,
} from '../../../access/token.ts';
import { checkChain, type AuditRow } from '../../../db/audit-chain.ts';
import { auditHash, GENESIS_HASH } from '../../../db/audit.store.ts';

describe('tokens', () => {
  it('are the prefix and 32 bytes in base64url; the stored form is the SHA-256 of the text', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const token = tokenFromBytes(bytes);
    expect(token).toBe(`pilot_${Buffer.from(bytes).toString('base64url')}`);
    expect(looksLikeToken(token)).toBe(true);
    expect(looksLikeToken(token.slice(0, -1))).toBe(false);
    expect(looksLikeToken(`Pilot_${token.slice(6)}`)).toBe(false);
    expect(tokenSha256(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(() => tokenFromBytes(new Uint8Array(16))).toThrow(/32 random bytes/);
  });

  it('a partner needs a district; staff and analysts must not have one', () => {
    expect(TokenRequestSchema.safeParse({ role: 'partner', district: '0100005' }).success).toBe(true);
    const noDistrict = TokenRequestSchema.safeParse({ role: 'partner' });
    expect(noDistrict.success).toBe(false);
    expect(noDistrict.error!.issues[0].path).toEqual(['district']);
    expect(TokenRequestSchema.safeParse({ role: 'staff', district: '0100005' }).success).toBe(false);
    expect(TokenRequestSchema.safeParse({ role: 'partner', district: '100005' }).success).toBe(false);
    expect(TokenRequestSchema.safeParse({ role: 'admin' }).success).toBe(false);
    expect(TokenRequestSchema.safeParse({ role: 'staff', expires: '2027-02-30' }).success).toBe(false);
  });

  it('work until revoked or until the end of their last day (UTC)', () => {
    const t: StoredToken = {
      id: 1,
      role: 'analyst',
      districtLeaid: null,
      label: '',
      createdBy: 'x',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      expiresAt: expiryInstant('2026-06-30'),
      revokedAt: null,
    };
    expect(tokenUsable(t, new Date('2026-06-30T23:59:59Z'))).toBe(true);
    expect(tokenUsable(t, new Date('2026-07-01T00:00:00Z'))).toBe(false);
    expect(tokenUsable({ ...t, revokedAt: new Date('2026-02-01T00:00:00Z') }, new Date('2026-03-01'))).toBe(
      false,
    );
    expect(tokenUsable({ ...t, expiresAt: null }, new Date('2099-01-01'))).toBe(true);
  });
});

describe('audit chain check', () => {
  function chain(n: number): AuditRow[] {
    const rows: AuditRow[] = [];
    let prev = GENESIS_HASH;
    for (let i = 1; i <= n; i++) {
      const e = { actor: 'a', action: `act${i}`, entity: `e:${i}`, details: { i } };
      const at = new Date(Date.UTC(2026, 0, i)).toISOString();
      const hash = auditHash(prev, at, e);
      rows.push({ seq: i, at, ...e, prevHash: prev, hash });
      prev = hash;
    }
    return rows;
  }

  it('holds for an intact chain and reports its head', () => {
    const rows = chain(5);
    expect(checkChain(rows)).toEqual({ events: 5, head: rows[4].hash, firstBroken: null });
    expect(checkChain([])).toEqual({ events: 0, head: GENESIS_HASH, firstBroken: null });
  });

  it('names the first edited event, and a deleted one by the link after it', () => {
    const edited = chain(5);
    edited[2] = { ...edited[2], details: { i: 99 } };
    expect(checkChain(edited).firstBroken).toMatchObject({ seq: 3, reason: 'hash does not match the event' });
    const deleted = chain(5).filter((r) => r.seq !== 2);
    expect(checkChain(deleted).firstBroken).toMatchObject({
      seq: 3,
      reason: 'prev_hash does not match the previous event',
    });
  });
});
