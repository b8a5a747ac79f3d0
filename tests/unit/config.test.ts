import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded database in ./.pilot', () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: null,
      dataDir: './.pilot',
      logLevel: 'warn',
      actor: 'cli:unknown',
    });
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
