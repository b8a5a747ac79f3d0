import { logistic, standardNormal, type Rng } from './random.ts';

/**
 * Baseline logit of a student's daily absence probability. Calibrated (see tests/unit/synth) so
 * that, with the student, household and district heterogeneity below and the calendar's seasonal
 * factors, about 25 % of students end the year chronically absent (absence days / enrolled days
 * ≥ 0.10), close to the national rate after 2022.
 */
export const ABSENCE_LOGIT_BASE = -3.47;

/** Logit shifts by grade index (PK … 12): higher in PK/KG and climbing through high school. */
const GRADE_SHIFT = [0.35, 0.2, 0, -0.05, -0.1, -0.1, -0.05, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.65];

/** Standard deviation of the student-level random effect on the logit scale. */
export const STUDENT_SD = 0.6;
/** Standard deviation of the household-level random effect (siblings miss school together). */
export const HOUSEHOLD_SD = 0.45;

export interface PropensityInputs {
  gradeIndex: number;
  lowIncome: boolean;
  disability: boolean;
  englishLearner: boolean;
  householdEffect: number;
  districtShift: number;
}

export interface Propensity {
  absenceProbability: number;
  tardyProbability: number;
  unexcusedShare: number;
  suspensionProbability: number;
  /** The stable part of the logit, from which last year's rate is drawn. */
  logit: number;
}

/** One student's attendance behavior: daily absence, tardy and suspension risks. */
export function drawPropensity(inputs: PropensityInputs, rng: Rng): Propensity {
  const stable =
    ABSENCE_LOGIT_BASE +
    inputs.districtShift +
    inputs.householdEffect +
    GRADE_SHIFT[inputs.gradeIndex] +
    (inputs.lowIncome ? 0.35 : 0) +
    (inputs.disability ? 0.25 : 0) -
    (inputs.englishLearner ? 0.1 : 0);
  const student = STUDENT_SD * standardNormal(rng);
  const secondary = inputs.gradeIndex >= 10;
  const suspended = inputs.gradeIndex >= 5 && rng() < (secondary ? 0.07 : 0.03);
  return {
    absenceProbability: logistic(stable + student),
    tardyProbability: logistic(-3.7 + 0.6 * standardNormal(rng) + (secondary ? 0.3 : 0)),
    unexcusedShare: logistic(
      -0.7 + 0.1 * (inputs.gradeIndex - 6) + (inputs.lowIncome ? 0.3 : 0) + 0.6 * standardNormal(rng),
    ),
    suspensionProbability: suspended ? 0.003 + 0.006 * rng() : 0,
    logit: stable + student,
  };
}

/**
 * Last year's absence rate: the same student-level propensity with year-to-year drift, plus the
 * binomial noise of about 175 days, rounded to 4 decimals. Correlates with this year's propensity
 * (r ≈ 0.6–0.7) as prior-year attendance does in real panels. Null for PK (no prior year in school).
 */
export function drawPriorYearRate(
  propensityLogit: number,
  gradeIndex: number,
  newStudent: boolean,
  rng: Rng,
): number | null {
  if (gradeIndex === 0) return null;
  if ((gradeIndex === 1 || newStudent) && rng() < 0.5) return null;
  const p = logistic(propensityLogit + 0.45 * standardNormal(rng));
  const days = 175;
  const rate = p + Math.sqrt((p * (1 - p)) / days) * standardNormal(rng);
  return Math.round(Math.min(1, Math.max(0, rate)) * 10_000) / 10_000;
}
