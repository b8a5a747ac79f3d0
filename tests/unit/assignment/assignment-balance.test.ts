import { describe, expect, it } from '@jest/globals';
import {
  assignmentBalance,
  gradeNumber,
  summarizeBalance,
  type BalanceStudent,
} from '../../../assignment/assignment-balance.ts';

function s(
  arm: string,
  district: string,
  rate: number | null,
  grade: string,
  sex: string | null,
  el: boolean | null,
): BalanceStudent {
  return {
    arm,
    districtLeaid: district,
    grade,
    sex,
    raceEthnicity: 'white',
    englishLearner: el,
    disability: false,
    lowIncome: true,
    priorYearAbsenceRate: rate,
  };
}

describe('assignment balance', () => {
  const students = [
    s('treatment', 'A', 0.1, '01', 'F', true),
    s('treatment', 'A', 0.2, '02', 'M', false),
    s('treatment', 'B', 0.3, '03', 'F', null),
    s('control', 'A', 0.0, 'KG', 'M', false),
    s('control', 'B', 0.2, '02', 'F', false),
    s('control', 'B', null, '04', 'M', true),
    s('visit', 'A', 0.9, '12', 'F', true),
  ];

  it('computes the SMD of each covariate against control, overall and per district', () => {
    const [t, v] = assignmentBalance(students, ['control', 'treatment', 'visit']);
    expect([t.arm, t.control, v.arm]).toEqual(['treatment', 'control', 'visit']);
    const rate = t.overall.find((r) => r.covariate === 'prior_year_absence_rate')!;
    // R: xt <- c(.1,.2,.3); xc <- c(0,.2); (mean(xt)-mean(xc))/sqrt((var(xt)+var(xc))/2)
    //    = (0.2 - 0.1) / sqrt((0.01 + 0.02)/2) = 0.8164966
    expect(rate.smd).toEqual({ kind: 'ok', smd: expect.closeTo(0.816496580927726, 12), band: 'fails' });
    expect([rate.missingTreatment, rate.missingControl]).toEqual([0, 1]);
    const grade = t.overall.find((r) => r.covariate === 'grade')!;
    expect([grade.meanTreatment, grade.meanControl]).toEqual([2, 2]);
    expect(t.overall.filter((r) => r.covariate === 'sex').map((r) => r.level)).toEqual(['F', 'M']);
    expect(t.byDistrict.map((d) => d.districtLeaid)).toEqual(['A', 'B']);
    // District A has one control student: no SMD there.
    expect(t.byDistrict[0].rows.find((r) => r.covariate === 'grade')!.smd).toEqual({
      kind: 'undefined',
      reason: 'too_few',
    });
    // The visit arm has a single student: every SMD undefined.
    expect(summarizeBalance([v])[0].bands.undefined).toBe(v.overall.length);
  });

  it('summarizes rows by WWC band with the worst covariate', () => {
    const [summary] = summarizeBalance(assignmentBalance(students.slice(0, 6), ['control', 'treatment']));
    const total = Object.values(summary.bands).reduce((a, b) => a + b, 0);
    expect(total).toBe(assignmentBalance(students.slice(0, 6), ['control', 'treatment'])[0].overall.length);
    expect(Math.abs(summary.worst!.smd)).toBeGreaterThan(0.25);
  });

  it('numbers grades PK = −1, KG = 0', () => {
    expect(['PK', 'KG', '07', '12', 'UG'].map(gradeNumber)).toEqual([-1, 0, 7, 12, NaN]);
  });
});
