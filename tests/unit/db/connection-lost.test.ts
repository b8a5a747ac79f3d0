import { describe, expect, it } from '@jest/globals';
import { connectionLost } from '../../../db/connection.ts';

describe('connectionLost', () => {
  it('tells a lost connection from a failed statement', () => {
    expect(
      connectionLost({
        severity: 'FATAL',
        code: '57P01',
        message: 'terminating connection due to administrator command',
      }),
    ).toBe(true);
    expect(connectionLost({ code: '57P02', message: 'crash shutdown' })).toBe(true);
    expect(connectionLost({ code: '08006', message: 'connection failure' })).toBe(true);
    expect(connectionLost(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true);
    expect(connectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      connectionLost({
        severity: 'ERROR',
        code: '23505',
        message: 'duplicate key value violates unique constraint',
      }),
    ).toBe(false);
    expect(
      connectionLost({
        severity: 'ERROR',
        code: '57014',
        message: 'canceling statement due to user request',
      }),
    ).toBe(false);
    expect(connectionLost(null)).toBe(false);
  });
});
