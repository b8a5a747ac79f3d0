import { describe, expect, it } from '@jest/globals';
import { readDistrictsCsv } from '../../../synth/district-files.ts';

describe('readDistrictsCsv', () => {
  it('reads districts.csv back, keeping leading zeros and commas inside quoted names', () => {
    const text =
      'nces_leaid,name,state,locale_code\n0100005,"Alpha, Beta County Schools",AL,42\n5602959,Clear Gap,WY,43\n';
    expect(readDistrictsCsv(text)).toEqual([
      { leaid: '0100005', name: 'Alpha, Beta County Schools', state: 'AL', locale: 42 },
      { leaid: '5602959', name: 'Clear Gap', state: 'WY', locale: 43 },
    ]);
  });
});
