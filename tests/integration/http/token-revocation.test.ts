import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { authenticate, createToken, revokeToken } from '../../../access/token.service.ts';
import { tokenCache } from '../../../access/token-cache.service.ts';
import { openPostgres, type Db } from '../../../db/connection.ts';
import { migrateToLatest } from '../../../db/migrate.ts';
import { createScratchPostgres } from '../../../db/scratch-database.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';

/**
 * Token lookups are cached per process only while it listens for revocations: a token revoked
 * through one handle (another process) is refused by the other as soon as the notification arrives,
 * and by the revoking one at once. On PGlite nothing is cached.
 */
let a: Db;
let b: Db;
let drop = async () => {};

beforeAll(async () => {
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchPostgres(process.env.DATABASE_URL, 'pilot_tokens');
    drop = scratch.drop;
    a = openPostgres(scratch.url);
    b = openPostgres(scratch.url);
    await migrateToLatest(a);
  } else {
    a = b = await openTestDatabase();
  }
});
afterAll(async () => {
  await b?.close();
  if (b !== a) await a?.close();
  await drop();
});

const now = () => new Date();

describe(`token revocation and the token cache (${testDialect})`, () => {
  it('a revoked token is refused by every handle', async () => {
    const issued = await createToken(a, { role: 'partner', district: '3600001' }, 'test', now());
    await tokenCache(b).ready();
    expect(tokenCache(b).caching).toBe(testDialect === 'postgres');
    expect(await authenticate(b, issued.token, now())).toMatchObject({ role: 'partner' });
    expect(await authenticate(a, issued.token, now())).toMatchObject({ role: 'partner' });
    const heard = tokenCache(b).nextNotification();
    await revokeToken(a, { id: issued.stored.id }, 'test', now());
    expect(await authenticate(a, issued.token, now())).toBeNull(); // the revoking process: at once
    if (testDialect === 'postgres') await heard; // the other process: when the notification arrives
    expect(await authenticate(b, issued.token, now())).toBeNull();
  });

  it('another token stays usable after a revocation', async () => {
    const keep = await createToken(a, { role: 'staff' }, 'test', now());
    const revoke = await createToken(a, { role: 'staff' }, 'test', now());
    expect(await authenticate(b, keep.token, now())).not.toBeNull();
    const heard = tokenCache(b).nextNotification();
    await revokeToken(a, { token: revoke.token }, 'test', now());
    if (testDialect === 'postgres') await heard;
    expect(await authenticate(b, keep.token, now())).toMatchObject({ role: 'staff' });
    expect(await authenticate(b, revoke.token, now())).toBeNull();
  });

  it('an expired token is refused even when cached', async () => {
    const t = await createToken(a, { role: 'analyst', expires: '2099-01-01' }, 'test', now());
    expect(await authenticate(b, t.token, now())).not.toBeNull();
    expect(await authenticate(b, t.token, new Date('2099-01-02T00:00:00Z'))).toBeNull();
  });
});
