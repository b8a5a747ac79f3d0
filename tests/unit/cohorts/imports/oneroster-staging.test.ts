import { describe, expect, it } from '@jest/globals';
import { dayBefore } from '../../../../cohorts/imports/oneroster-staging.ts';

describe('dayBefore (OneRoster exclusive end dates → inclusive exit dates)', () => {
  it.each([
    ['2026-06-12', '2026-06-11'],
    ['2026-03-01', '2026-02-28'],
    ['2024-03-01', '2024-02-29'],
    ['2025-01-01', '2024-12-31'],
  ])('%s → %s', (end, exit) => {
    expect(dayBefore(end)).toBe(exit);
  });
});
