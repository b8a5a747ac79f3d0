import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { householdKeys } from '../../../../../cohorts/imports/oneroster/households.ts';
import { raceFromFlags } from '../../../../../cohorts/imports/oneroster/race-flags.ts';

describe('householdKeys', () => {
  it('joins siblings through a shared caregiver, transitively', () => {
    const { students, guardians } = householdKeys(
      ['s1', 's2', 's3', 's4', 's5'],
      [
        ['s1', 'g2'],
        ['s2', 'g2'],
        ['s2', 'g1'],
        ['s3', 'g1'],
        ['s4', 'g9'],
      ],
    );
    expect([...students]).toEqual([
      ['s1', 'g:g1'],
      ['s2', 'g:g1'],
      ['s3', 'g:g1'],
      ['s4', 'g:g9'],
      ['s5', 's:s5'],
    ]);
    expect(guardians.get('g2')).toBe('g:g1');
  });

  it('gives two students the same key exactly when a chain of caregivers connects them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 6 })), { maxLength: 20 }),
        (pairs) => {
          const students = Array.from({ length: 10 }, (_, i) => `s${i}`);
          const links = pairs.map(([s, g]) => [`s${s}`, `g${g}`] as const);
          const { students: keys } = householdKeys(students, links);
          // Reference: breadth-first search over the bipartite graph.
          const adjacent = (x: string) => links.flatMap(([s, g]) => (s === x ? [g] : g === x ? [s] : []));
          for (const a of students) {
            const seen = new Set([a]);
            const queue = [a];
            while (queue.length)
              for (const y of adjacent(queue.shift()!))
                if (!seen.has(y)) {
                  seen.add(y);
                  queue.push(y);
                }
            for (const b of students) if ((keys.get(a) === keys.get(b)) !== seen.has(b)) return false;
          }
          return true;
        },
      ),
    );
  });
});

describe('raceFromFlags', () => {
  it('follows the federal seven-category rule', () => {
    expect(raceFromFlags({ races: ['WH7'], twoOrMore: false, hispanic: true })).toBe('HI7');
    expect(raceFromFlags({ races: ['WH7', 'AS7'], twoOrMore: false, hispanic: false })).toBe('MU7');
    expect(raceFromFlags({ races: ['AS7'], twoOrMore: true, hispanic: null })).toBe('MU7');
    expect(raceFromFlags({ races: ['BL7'], twoOrMore: false, hispanic: false })).toBe('BL7');
    expect(raceFromFlags({ races: [], twoOrMore: false, hispanic: null })).toBeNull();
  });
});
