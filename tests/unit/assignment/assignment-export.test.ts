import { describe, expect, it } from '@jest/globals';
import { assignmentsCsv } from '../../../assignment/assignment-export.ts';
import { parseCsvText } from '../../../csv/csv-reader.ts';

describe('assignmentsCsv', () => {
  it('writes one line per student with the header first, quoting a block key that holds a comma', () => {
    const rows = [
      {
        unit_key: 'household:0100005:H1',
        student_id: '0001',
        district_leaid: '0100005',
        block_key: 'a,b',
        arm: 'control',
        wave: 1,
      },
      {
        unit_key: 'household:0100005:H2',
        student_id: '0002',
        district_leaid: '0100005',
        block_key: 'x|"y"',
        arm: 'treatment',
        wave: 2,
      },
    ];
    const text = assignmentsCsv(rows);
    expect(text).toBe(
      'unit_key,student_id,district_leaid,block_key,arm,wave\n' +
        'household:0100005:H1,0001,0100005,"a,b",control,1\n' +
        'household:0100005:H2,0002,0100005,"x|""y""",treatment,2\n',
    );
    expect(
      parseCsvText(text)
        .records.slice(1)
        .map((r) => r.fields[3]),
    ).toEqual(['a,b', 'x|"y"']);
  });
});
