import { describe, expect, it } from '@jest/globals';
import { TOKEN_CHANNEL, TokenCache } from '../../../access/token-cache.service.ts';
import type { Listener } from '../../../db/connection.ts';
import type { StoredToken } from '../../../access/token.ts';

const TOKEN: StoredToken = {
  id: 1,
  role: 'partner',
  districtLeaid: '3600001',
  label: '',
  createdBy: 'test',
  createdAt: new Date('2026-01-01'),
  expiresAt: null,
  revokedAt: null,
};

/** A database whose LISTEN the test controls: notify() delivers, lose() ends the connection. */
function fakeDb() {
  let onMessage: (payload: string) => void = () => {};
  let onLost: () => void = () => {};
  const channels: string[] = [];
  return {
    channels,
    db: {
      async listen(channel: string, message: (p: string) => void, lost: () => void): Promise<Listener> {
        channels.push(channel);
        onMessage = message;
        onLost = lost;
        return { close: async () => {} };
      },
    },
    notify: (payload: string) => onMessage(payload),
    lose: () => onLost(),
  };
}

/** A cache listening on a fake database, its clock at now(). */
async function listening(now: () => number = Date.now) {
  const f = fakeDb();
  const cache = new TokenCache(f.db, now);
  await cache.ready();
  return { f, cache };
}

function counting(token: StoredToken | null = TOKEN) {
  const load = async () => {
    load.calls += 1;
    return token;
  };
  load.calls = 0;
  return load;
}

describe('TokenCache', () => {
  it('caches nothing without a way to listen (PGlite)', async () => {
    const cache = new TokenCache({});
    const load = counting();
    await cache.find('a', load);
    await cache.find('a', load);
    expect(load.calls).toBe(2);
    expect(cache.caching).toBe(false);
  });

  it('once listening, reads a token once and forgets it when its revocation is heard', async () => {
    const f = fakeDb();
    const cache = new TokenCache(f.db);
    await cache.ready();
    expect(f.channels).toEqual([TOKEN_CHANNEL]);
    const load = counting();
    expect(await cache.find('a', load)).toEqual(TOKEN);
    expect(await cache.find('a', load)).toEqual(TOKEN);
    expect(load.calls).toBe(1);
    f.notify('a');
    await cache.find('a', load);
    expect(load.calls).toBe(2);
  });

  it('never caches unknown or revoked tokens', async () => {
    const { cache } = await listening();
    const unknown = counting(null);
    await cache.find('x', unknown);
    await cache.find('x', unknown);
    expect(unknown.calls).toBe(2);
    const revoked = counting({ ...TOKEN, revokedAt: new Date() });
    await cache.find('r', revoked);
    await cache.find('r', revoked);
    expect(revoked.calls).toBe(2);
  });

  it('does not keep a lookup that a notification overtook (it may predate the revocation)', async () => {
    const { f, cache } = await listening();
    let release: () => void = () => {};
    const slow = async () => {
      await new Promise<void>((r) => (release = r));
      return TOKEN;
    };
    const pending = cache.find('a', slow);
    f.notify('a');
    release();
    await pending;
    const load = counting();
    await cache.find('a', load);
    expect(load.calls).toBe(1);
  });

  it('forgets everything and stops caching when the listening connection is lost, until it listens again', async () => {
    let now = 1_000_000;
    const { f, cache } = await listening(() => now);
    const load = counting();
    await cache.find('a', load);
    f.lose();
    expect(cache.caching).toBe(false);
    await cache.find('a', load);
    await cache.find('a', load);
    expect(load.calls).toBe(3);
    now += 2_000; // past the retry delay: listens again
    await cache.ready();
    expect(cache.caching).toBe(true);
    expect(f.channels).toHaveLength(2);
    await cache.find('a', load);
    await cache.find('a', load);
    expect(load.calls).toBe(4);
  });

  it('reads an entry again after its time to live', async () => {
    let now = 1_000_000;
    const { cache } = await listening(() => now);
    const load = counting();
    await cache.find('a', load);
    now += 61_000;
    await cache.find('a', load);
    expect(load.calls).toBe(2);
  });
});
