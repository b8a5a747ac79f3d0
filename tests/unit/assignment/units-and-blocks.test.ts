import { describe, expect, it } from '@jest/globals';
import { absenceTerciles } from '../../../assignment/absence-terciles.ts';
import { escapeBlockValue, gradeBand, studentBlockKeys } from '../../../assignment/block-keys.ts';
import { randomizeWave } from '../../../assignment/randomize-wave.ts';
import { unitKeyOf, type RosterStudent } from '../../../assignment/roster.ts';
import { formUnits } from '../../../assignment/units.ts';

function student(over: Partial<RosterStudent> & { sisId: string }): RosterStudent {
  return {
    studentId: 1,
    districtLeaid: '3600001',
    schoolKey: 'north',
    schoolNcesId: '360000100001',
    householdKey: 'H1',
    grade: '03',
    sex: 'F',
    raceEthnicity: 'white',
    englishLearner: false,
    disability: false,
    lowIncome: true,
    priorYearAbsenceRate: 0.05,
    ...over,
  };
}

const ARMS = [
  { name: 'control', probability: '0.5' },
  { name: 'treatment', probability: '0.5' },
];

describe('unit keys', () => {
  it('follow DESIGN.md §4 step 1', () => {
    const s = student({ sisId: '1001', householdKey: 'HH-7' });
    expect(unitKeyOf(s, 'student')).toBe('student:3600001:1001');
    expect(unitKeyOf(s, 'household')).toBe('household:3600001:HH-7');
    expect(unitKeyOf(s, 'school')).toBe('school:360000100001');
    expect(unitKeyOf({ ...s, schoolNcesId: null }, 'school')).toBeNull();
  });
});

describe('block keys', () => {
  it('grade bands PK–5, 6–8, 9–12', () => {
    expect(['PK', 'KG', '01', '05', '06', '08', '09', '12', '13', 'UG'].map(gradeBand)).toEqual([
      'PK-05',
      'PK-05',
      'PK-05',
      'PK-05',
      '06-08',
      '06-08',
      '09-12',
      '09-12',
      null,
      null,
    ]);
  });

  it('terciles within district keep equal rates together', () => {
    expect(absenceTerciles(['a', 'a', 'a', 'a', 'a', 'a'], [0, 0, 0.1, 0.2, 0.3, 0.4])).toEqual([
      1, 1, 2, 2, 3, 3,
    ]);
    // District b is ranked on its own; a missing rate has no tercile.
    expect(absenceTerciles(['a', 'b', 'a', 'b', 'a', 'b'], [0.3, 0.01, 0.1, 0.02, 0.2, null])).toEqual([
      3,
      1,
      1,
      2,
      2,
      null,
    ]);
    // All equal: everyone below nobody → tercile 1.
    expect(absenceTerciles(['a', 'a', 'a'], [0, 0, 0])).toEqual([1, 1, 1]);
  });

  it('joins the values of block_by with |, escaping and marking missing values', () => {
    const roster = [
      student({ sisId: '1', grade: '07', englishLearner: true, priorYearAbsenceRate: 0.2 }),
      student({
        sisId: '2',
        grade: 'KG',
        englishLearner: null,
        lowIncome: false,
        priorYearAbsenceRate: 0.01,
        schoolKey: 'a|b',
      }),
      student({ sisId: '3', grade: '11', priorYearAbsenceRate: 0.1 }),
    ];
    const r = studentBlockKeys(roster, [
      'district',
      'grade_band',
      'english_learner',
      'low_income',
      'prior_absence_tercile',
    ]);
    expect(r.keys).toEqual(['3600001|06-08|Y|Y|T3', '3600001|PK-05|NA|N|T1', '3600001|09-12|N|Y|T2']);
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'missing_block_value', variable: 'english_learner', students: 1 }),
    ]);
    expect(studentBlockKeys(roster, ['school', 'grade']).keys[1]).toBe('3600001:a%7Cb|KG');
    expect(escapeBlockValue('100%|x')).toBe('100%25%7Cx');
    expect(studentBlockKeys(roster, []).keys).toEqual(['', '', '']);
    expect(() => studentBlockKeys(roster, ['shoe_size'])).toThrow(RangeError);
  });
});

describe('clusters', () => {
  it('a household takes the block of its member with the smallest key, with a typed warning', () => {
    const roster = [
      student({ sisId: '20', householdKey: 'H1', grade: '10' }),
      student({ sisId: '10', householdKey: 'H1', grade: '02' }), // smallest key: student:3600001:10
      student({ sisId: '30', householdKey: 'H2', grade: '04' }),
      student({ sisId: '31', householdKey: 'H2', grade: '05' }), // same band: no disagreement
    ];
    const blocks = studentBlockKeys(roster, ['grade_band']);
    const formed = formUnits(roster, 'household', blocks.keys);
    if (!formed.ok) throw new Error('refused');
    expect(formed.units).toEqual([
      { key: 'household:3600001:H1', blockKey: 'PK-05' },
      { key: 'household:3600001:H2', blockKey: 'PK-05' },
    ]);
    expect(formed.warnings).toEqual([
      {
        code: 'cluster_block_disagreement',
        message: expect.any(String),
        clusters: 1,
        examples: [
          { unitKey: 'household:3600001:H1', memberKey: 'student:3600001:10', blockKeys: ['09-12', 'PK-05'] },
        ],
      },
    ]);
  });

  it("students inherit their unit's arm", () => {
    const roster = Array.from({ length: 12 }, (_, i) =>
      student({ sisId: `S${i}`, studentId: i, householdKey: `H${i % 4}` }),
    );
    const r = randomizeWave({
      seed: 'x',
      wave: 1,
      unit: 'household',
      arms: ARMS,
      blockBy: [],
      students: roster,
    });
    if (!r.ok) throw new Error('refused');
    expect(r.value.units).toHaveLength(4);
    expect(r.value.blocks).toEqual([{ blockKey: '', n: 4, counts: { control: 2, treatment: 2 } }]);
    for (const m of r.value.members)
      expect(m.arm).toBe(r.value.units.find((u) => u.unitKey === m.unitKey)!.arm);
  });

  it('refuses a school-randomized study whose school has no NCES id', () => {
    const r = randomizeWave({
      seed: 'x',
      wave: 1,
      unit: 'school',
      arms: ARMS,
      blockBy: [],
      students: [student({ sisId: '1', schoolNcesId: null })],
    });
    expect(r).toEqual(
      expect.objectContaining({ ok: false, reason: 'missing_unit_key', studentKeys: ['student:3600001:1'] }),
    );
  });

  it('reports an empty roster and a block of one unit as expected outcomes', () => {
    expect(
      randomizeWave({ seed: 'x', wave: 1, unit: 'student', arms: ARMS, blockBy: [], students: [] }),
    ).toEqual(expect.objectContaining({ ok: false, reason: 'empty_roster' }));
    const r = randomizeWave({
      seed: 'x',
      wave: 1,
      unit: 'student',
      arms: ARMS,
      blockBy: ['grade'],
      students: [
        student({ sisId: '1', grade: '01' }),
        student({ sisId: '2', grade: '02' }),
        student({ sisId: '3', grade: '02' }),
      ],
    });
    if (!r.ok) throw new Error('refused');
    expect(r.value.warnings).toContainEqual(
      expect.objectContaining({ code: 'single_unit_block', blockKeys: ['01'] }),
    );
  });

  it('rejects a student listed twice', () => {
    expect(() => formUnits([student({ sisId: '1' }), student({ sisId: '1' })], 'student', ['', ''])).toThrow(
      RangeError,
    );
  });
});
