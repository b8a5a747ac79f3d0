import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parsePlan } from '../../../analysis/analysis-plan.ts';
import { analysisTable, type AnalysisStudent } from '../../../analysis/analysis-table.ts';
import { physicalLines } from '../../../analysis/csv-columns.ts';
import { encodedTable, type EncodedTable } from '../../../analysis/encoded-table.ts';
import { gradeBand } from '../../../assignment/block-keys.ts';

// The analysis table's encoding is made from its values (analysis-table.ts), not by reading its cells
// back; it must be exactly what encodedTable reads from those cells, column by column.

const plan = (() => {
  const p = parsePlan({
    window: { start: '2025-10-01', end: '2026-04-30' },
    estimator: { covariates: ['prior_year_absence_rate', 'baseline_absence_rate'] },
  });
  if (!p.ok) throw new Error(p.problems.join('; '));
  return p.plan;
})();

const text = fc.oneof(
  fc.constantFrom('a', 'b', ' a', 'a ', 'NA', '', 'x\ny', '007', '1e3', 'c1', 'TRUE'),
  fc.string({ maxLength: 4 }),
);
const rate = fc.oneof(
  fc.constant(null),
  fc.constantFrom(0, -0, 0.1, 1 / 3, 1e-7, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1, max: 1 }),
);
const student = fc.record<AnalysisStudent>({
  studentKey: fc.string({ maxLength: 3 }),
  unitKey: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  blockKey: text,
  arm: fc.constantFrom('treatment', 'control', 'other', 'NA'),
  districtLeaid: fc.constantFrom('0100001', '0100002', '12'),
  householdKey: fc.constantFrom('h1', 'h2', 'h3'),
  grade: fc.constantFrom('K', '1', '5', '8', '12', 'PK', 'x'),
  englishLearner: fc.constantFrom(true, false, null),
  priorYearAbsenceRate: rate,
  enrolledDays: fc.integer({ min: 0, max: 180 }),
  absenceDays: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(0.5, 2.25, 1 / 3)),
  chronicDays: fc.integer({ min: 0, max: 60 }),
  baselineAbsenceRate: rate,
  received: fc.constantFrom(0, 1, null),
});

function expectSameEncoding(got: EncodedTable, want: EncodedTable): void {
  expect(got.header).toEqual(want.header);
  expect(got.rows).toBe(want.rows);
  expect(Array.from(got.lines)).toEqual(Array.from(want.lines));
  expect(got.regular).toBe(want.regular);
  for (const name of want.header) {
    const g = got.column(name)!;
    const w = want.column(name)!;
    // Object.is: NaN equals NaN, +0 differs from −0
    expect(Array.from(g.number).every((x, i) => Object.is(x, w.number[i]))).toBe(true);
    expect(Array.from(g.missing)).toEqual(Array.from(w.missing));
    expect(Array.from(g.notNumber)).toEqual(Array.from(w.notNumber));
    expect(g.labels().levels).toEqual(w.labels().levels);
    expect(Array.from(g.labels().codes)).toEqual(Array.from(w.labels().codes));
  }
  expect(got.column('no such column')).toBeNull();
}

describe('analysis table encoding', () => {
  it('equals encodedTable of its cells, column by column, for any students', () => {
    fc.assert(
      fc.property(
        fc.array(student, { maxLength: 40 }),
        fc.constantFrom('household', 'unit', 'none'),
        (students, cluster) => {
          const p = {
            ...plan,
            estimator: { ...plan.estimator, cluster: cluster as typeof plan.estimator.cluster },
          };
          const t = analysisTable(students, p, {
            treatment: 'treatment',
            control: 'control',
            kind: 'program_vs_control',
          });
          const cells = t.cells;
          expect(t.encoded.cells()).toBe(cells);
          expectSameEncoding(t.encoded, encodedTable(cells, physicalLines(cells)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('formats its cells only when asked', () => {
    const students: AnalysisStudent[] = [0, 1, 2, 3].map((i) => ({
      studentKey: `s${i}`,
      unitKey: `u${i}`,
      blockKey: 'b',
      arm: i % 2 ? 'treatment' : 'control',
      districtLeaid: '0100001',
      householdKey: `h${i}`,
      grade: '3',
      englishLearner: null,
      priorYearAbsenceRate: i === 0 ? null : 0.1 * i,
      enrolledDays: 100,
      absenceDays: i,
      chronicDays: i,
      baselineAbsenceRate: -0,
      received: null,
    }));
    const t = analysisTable(students, plan, {
      treatment: 'treatment',
      control: 'control',
      kind: 'program_vs_control',
    });
    expect(t.encoded.column('absence_days')!.number[3]).toBe(3);
    const cells = t.cells;
    expect(t.cells).toBe(cells); // made once
    expect(cells[1]).toEqual([
      'b',
      'c1',
      'control',
      '0',
      '0',
      'NA',
      '0',
      gradeBand('3') ?? 'NA',
      'NA',
      '0100001',
      'NA',
      '100',
      ...cells[1].slice(12),
    ]);
  });
});
