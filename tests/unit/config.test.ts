import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded database in ./.pilot', () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: null,
      dataDir: './.pilot',
      logLevel: 'warn',
      cacheDir: null,
      actor: 'cli:unknown',
    });
  });
  it('caches in $PILOT_CACHE_DIR, else pilot/ in $XDG_CACHE_HOME or ~/.cache', () => {
    expect(loadConfig({ PILOT_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' }).cacheDir).toBe('/c');
    expect(loadConfig({ XDG_CACHE_HOME: '/x', HOME: '/h' }).cacheDir).toBe('/x/pilot');
    expect(loadConfig({ HOME: '/h' }).cacheDir).toBe('/h/.cache/pilot');
  });
  it('uses DATABASE_URL when set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432/test' }).databaseUrl).toBe(
      'postgres://127.0.0.1:5432/test',
    );
  });
  it('refuses a malformed DATABASE_URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow();
  });
});
