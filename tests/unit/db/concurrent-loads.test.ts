import { describe, expect, it } from '@jest/globals';
import { inTurnOrAtOnce } from '../../../db/concurrent-loads.ts';

/** A load that records when it starts and ends, finishing after `ms`. */
function recorded(log: string[], name: string, ms: number, value: number) {
  return async () => {
    log.push(`${name} start`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    log.push(`${name} end`);
    return value;
  };
}

describe('inTurnOrAtOnce', () => {
  it('at once: starts every load before any ends, and gives the results in the loads order', async () => {
    const log: string[] = [];
    const r = await inTurnOrAtOnce(true, recorded(log, 'a', 30, 1), recorded(log, 'b', 5, 2));
    expect(r).toEqual([1, 2]);
    expect(log).toEqual(['a start', 'b start', 'b end', 'a end']);
  });

  it('in turn: starts each load when the one before has ended', async () => {
    const log: string[] = [];
    const r = await inTurnOrAtOnce(false, recorded(log, 'a', 30, 1), recorded(log, 'b', 5, 2));
    expect(r).toEqual([1, 2]);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('rejects with a failing load, and in turn starts none after it', async () => {
    const log: string[] = [];
    const fail = async () => {
      throw new Error('no');
    };
    await expect(inTurnOrAtOnce(false, fail, recorded(log, 'b', 1, 2))).rejects.toThrow('no');
    expect(log).toEqual([]);
    await expect(inTurnOrAtOnce(true, recorded(log, 'a', 1, 1), fail)).rejects.toThrow('no');
  });
});
