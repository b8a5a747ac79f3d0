import { describe, expect, it } from '@jest/globals';
import { AttendanceMonthCounts } from '../../../../cohorts/imports/attendance-month-counts.ts';
import { pgDayOf } from '../../../../cohorts/imports/binary-values.ts';

describe('AttendanceMonthCounts', () => {
  it('writes the month sums in key order (student id, month), whatever the order of the roster', () => {
    // students by index: ids 30, 10, 20 (a roster's order follows no key)
    const counts = new AttendanceMonthCounts(pgDayOf('2025-09-01'), pgDayOf('2025-10-31'), [30, 10, 20]);
    counts.add(0, pgDayOf('2025-10-02'), 1, false);
    counts.add(0, pgDayOf('2025-09-03'), 0.5, false);
    counts.add(1, pgDayOf('2025-10-06'), 0, false);
    counts.add(2, pgDayOf('2025-09-04'), 0, true);
    counts.add(2, pgDayOf('2025-09-05'), 1, false);
    expect([...counts.csvLines(7)].join('')).toBe(
      [
        '7,10,2025-10-01,1,0,0,2025-10-06',
        '7,20,2025-09-01,2,1,1,2025-09-05',
        '7,30,2025-09-01,1,0.500000,1,2025-09-03', // numeric of float4 0.5, as PostgreSQL makes it
        '7,30,2025-10-01,1,1,1,2025-10-02',
        '',
      ].join('\n'),
    );
  });
});
