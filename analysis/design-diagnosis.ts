/**
 * Design diagnosis by simulation (DeclareDesign's declare → diagnose): many synthetic studies of the
 * planned shape (districts, students in households, blocks of district × grade band, household
 * randomization 50/50 within blocks) with a known constant effect on days absent; each is analysed
 * with the plan's estimator exactly as `pilot analyze` does (analysis table → `pilot estimate`'s
 * estimator), and the diagnosands are power, bias, RMSE and coverage of the confidence interval,
 * each with its simulation standard error. Pure: the random generator is a parameter.
 */
import type { AnalysisPlan } from './analysis-plan.ts';
import { analysisTable, type AnalysisStudent } from './analysis-table.ts';
import { effectTerm, estimateOnTable } from './table-estimate.ts';

export type Rng = () => number;

export interface DiagnosisDesign {
  districts: number;
  students: number;
  /** true effect on days absent over the window (negative = fewer absences) */
  effect: number;
  sims: number;
  /** instructional days in the window */
  days?: number;
}

export interface Diagnosand {
  value: number;
  /** simulation standard error */
  se: number;
}

export interface Diagnosis {
  sims: number;
  estimated: number;
  power: Diagnosand;
  bias: Diagnosand;
  rmse: Diagnosand;
  coverage: Diagnosand;
  meanEstimate: number;
  meanStdError: number;
}

const GRADES = ['KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];

function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Poisson draw (inversion for small means, normal approximation above 30). */
function poisson(rng: Rng, mean: number): number {
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > l) {
    k++;
    p *= rng();
  }
  return k;
}

/** One synthetic study with untreated outcomes, randomized; the effect added to treated students. */
export function simulateStudy(design: DiagnosisDesign, rng: Rng): AnalysisStudent[] {
  const days = design.days ?? 140;
  const students: AnalysisStudent[] = [];
  const perDistrict = Math.max(2, Math.floor(design.students / design.districts));
  const households: { key: string; district: string; block: string; members: AnalysisStudent[] }[] = [];
  for (let d = 0; d < design.districts; d++) {
    const leaid = String(3600000 + d);
    const districtEffect = 0.3 * normal(rng);
    let made = 0;
    for (let h = 0; made < perDistrict; h++) {
      const size = Math.min(perDistrict - made, 1 + Math.floor(rng() * 3));
      const householdEffect = 0.5 * normal(rng);
      const first = Math.floor(rng() * GRADES.length);
      const members: AnalysisStudent[] = [];
      for (let k = 0; k < size; k++) {
        const grade = GRADES[Math.min(GRADES.length - 1, first + 2 * k)];
        const propensity = Math.exp(-2.8 + districtEffect + householdEffect + 0.4 * normal(rng));
        const prior = Math.min(1, propensity * Math.exp(0.3 * normal(rng)));
        const absences = poisson(rng, propensity * days);
        members.push({
          studentKey: `student:${leaid}:${h}-${k}`,
          unitKey: `household:${leaid}:${h}`,
          blockKey: '',
          arm: '',
          districtLeaid: leaid,
          householdKey: String(h),
          grade,
          englishLearner: rng() < 0.1,
          priorYearAbsenceRate: rng() < 0.05 ? null : Math.round(prior * 1e4) / 1e4,
          enrolledDays: days,
          absenceDays: absences,
          chronicDays: absences,
          baselineAbsenceRate: null,
          received: null,
        });
      }
      made += size;
      const band =
        members[0].grade <= '05' || members[0].grade === 'KG'
          ? 'PK-05'
          : members[0].grade <= '08'
            ? '06-08'
            : '09-12';
      households.push({ key: `${leaid}:${h}`, district: leaid, block: `${leaid}|${band}`, members });
    }
  }
  // complete randomization of households within each block, half to treatment (odd: a coin for the extra)
  const byBlock = new Map<string, typeof households>();
  for (const h of households) byBlock.set(h.block, [...(byBlock.get(h.block) ?? []), h]);
  for (const [block, list] of [...byBlock.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const order = list.map((h) => ({ h, u: rng() })).sort((a, b) => a.u - b.u);
    const treated = Math.floor(list.length / 2) + (list.length % 2 === 1 && rng() < 0.5 ? 1 : 0);
    order.forEach(({ h }, k) => {
      for (const s of h.members) {
        s.blockKey = block;
        s.arm = k < treated ? 'treatment' : 'control';
        if (s.arm === 'treatment') s.absenceDays += design.effect; // constant effect: the truth is exactly `effect`
        students.push(s);
      }
    });
  }
  return students;
}

function diagnosand(values: readonly number[]): Diagnosand {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { value: mean, se: Math.sqrt(variance / n) };
}

/**
 * Diagnoses the plan's primary ITT on days absent for the design.
 *
 * @example diagnose(plan, { districts: 10, students: 1000, effect: -0.5, sims: 200 }, rng).coverage.value // ≈ 0.95
 */
export function diagnose(
  plan: AnalysisPlan,
  design: DiagnosisDesign,
  rng: Rng,
  progress: (done: number) => void = () => {},
): Diagnosis {
  const estimates: number[] = [];
  const ses: number[] = [];
  const rejected: number[] = [];
  const covered: number[] = [];
  const contrast = { treatment: 'treatment', control: 'control', kind: 'program_vs_control' as const };
  for (let k = 0; k < design.sims; k++) {
    const students = simulateStudy(design, rng);
    const table = analysisTable(students, plan, contrast);
    const fit = estimateOnTable(table.cells, 'absence_days', plan);
    progress(k + 1);
    if (!fit.ok) continue;
    const t = effectTerm(fit.result);
    estimates.push(t.estimate);
    ses.push(t.stdError);
    rejected.push(t.pValue < plan.alpha ? 1 : 0);
    covered.push(t.confLow <= design.effect && design.effect <= t.confHigh ? 1 : 0);
  }
  if (estimates.length < 2) throw new RangeError('fewer than two simulated studies could be estimated');
  const errors = estimates.map((e) => e - design.effect);
  const sq = errors.map((e) => e * e);
  const mse = diagnosand(sq);
  const rmse = Math.sqrt(mse.value);
  return {
    sims: design.sims,
    estimated: estimates.length,
    power: diagnosand(rejected),
    bias: diagnosand(errors),
    // delta method: se(√m) = se(m) / (2√m)
    rmse: { value: rmse, se: rmse > 0 ? mse.se / (2 * rmse) : 0 },
    coverage: diagnosand(covered),
    meanEstimate: estimates.reduce((s, v) => s + v, 0) / estimates.length,
    meanStdError: ses.reduce((s, v) => s + v, 0) / ses.length,
  };
}
