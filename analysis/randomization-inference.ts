/**
 * Randomization inference (Fisher's exact test of a sharp null, and its inversion into a confidence
 * interval). Under the sharp null H₀: Yᵢ(1) − Yᵢ(0) = τ₀ for every unit, the control outcomes
 * Y⁰ = Y − τ₀Z are known, so the distribution of any statistic T(Y⁰, z) over the assignments z the
 * design could have produced is known too. The p-value compares the observed T(Y⁰, Z) with it.
 *
 * The reference assignments come from the caller: every assignment of a small design
 * (`enumerateCompleteAssignments`, exact test), or draws of the study's own protocol with seeds
 * S|ri|j (`protocolTreatmentDrawer` + `sampledAssignments`), so the test follows the real design.
 *
 * Reference: Fisher (1935), The Design of Experiments; Imbens & Rubin (2015), Causal Inference,
 * ch. 5; Rosenbaum (2002), Observational Studies, §2.6 (interval by test inversion). Matches
 * `ri2::conduct_ri(formula, declaration, sharp_hypothesis = 0, sims, p = "two-tailed")`: p is the
 * share of reference assignments whose statistic is at least as extreme as the observed one.
 */

export type TestStatistic = (outcome: Float64Array, treatment: ArrayLike<number>) => number;
export type Alternative = 'two-sided' | 'greater' | 'less';

export interface RandomizationTestInput {
  outcome: ArrayLike<number>;
  /** observed assignment, 0/1 */
  treatment: ArrayLike<number>;
  /** reference assignments (0/1 per row); iterated once per call, so a reusable iterable */
  assignments: Iterable<ArrayLike<number>>;
  /** true when `assignments` is the whole reference set (an exact test) */
  exact: boolean;
  /** default: difference in means */
  statistic?: TestStatistic;
  /** τ₀ of the sharp null; default 0 */
  sharpNull?: number;
  /** default 'two-sided' */
  alternative?: Alternative;
}

export interface RandomizationTestResult {
  /** T(Y, Z): the statistic on the observed data */
  estimate: number;
  sharpNull: number;
  alternative: Alternative;
  pValue: number;
  /** reference assignments used, and how many were at least as extreme */
  assignments: number;
  asExtreme: number;
  exact: boolean;
}

/**
 * Difference in means ȳ₁ − ȳ₀, the default statistic (linear in the outcome).
 *
 * @throws {RangeError} when an arm is empty
 * @example
 * differenceInMeansStatistic(Float64Array.of(3, 5, 2, 8, 7, 9, 4, 10), [0, 0, 0, 0, 1, 1, 1, 1]); // => 3
 */
export function differenceInMeansStatistic(outcome: Float64Array, treatment: ArrayLike<number>): number {
  let s1 = 0;
  let s0 = 0;
  let n1 = 0;
  for (let i = 0; i < outcome.length; i++) {
    if (treatment[i] === 1) {
      s1 += outcome[i];
      n1++;
    } else s0 += outcome[i];
  }
  const n0 = outcome.length - n1;
  if (n1 === 0 || n0 === 0) throw new RangeError('an assignment leaves an arm empty');
  return s1 / n1 - s0 / n0;
}

/**
 * Randomization test of the sharp null Y(1) − Y(0) = τ₀. The statistic is computed on the implied
 * control outcomes Y − τ₀Z under each reference assignment; a reference value counts as at least as
 * extreme when it is within 1e-9 (relative) of the observed one, so permutations that tie the
 * observed statistic exactly are not lost to rounding.
 *
 * @throws {RangeError} on inputs of different lengths, a non-finite outcome or no reference assignments
 * @example
 * // METHODS.md §6 case 10: all C(8,4) = 70 assignments, 14 with |DIM| ≥ 3
 * randomizationTest({ outcome: y, treatment: z, assignments: enumerateCompleteAssignments(design), exact: true }).pValue; // => 0.2
 */
export function randomizationTest(input: RandomizationTestInput): RandomizationTestResult {
  const { y, z, statistic, sharpNull, alternative } = prepare(input);
  const adjusted = y.map((v, i) => v - sharpNull * z[i]);
  const observed = statistic(adjusted, z);
  const reference: number[] = [];
  for (const assignment of input.assignments) reference.push(statistic(adjusted, assignment));
  if (reference.length === 0) throw new RangeError('no reference assignments');
  const asExtreme = countAsExtreme(reference, observed, alternative);
  return {
    estimate: statistic(y, z),
    sharpNull,
    alternative,
    pValue: asExtreme / reference.length,
    assignments: reference.length,
    asExtreme,
    exact: input.exact,
  };
}

export interface RandomizationIntervalResult {
  estimate: number;
  confLow: number;
  confHigh: number;
  alpha: number;
  assignments: number;
  exact: boolean;
}

/**
 * Confidence interval by inverting the two-sided randomization test under constant effects: the τ₀
 * around the estimate whose sharp null is not rejected (p > α). The statistic must be linear in the
 * outcome (the difference in means, or any least-squares coefficient with the design held fixed), so
 * T(Y − τ₀Z, z) = T(Y, z) − τ₀T(Z, z) and one pass over the assignments serves every τ₀. Each end is
 * found by stepping out from the estimate in doubling steps to the first rejected τ₀, then bisecting;
 * an end is ±Infinity when no τ₀ on that side is rejected (too few assignments for level α).
 *
 * Reference: Rosenbaum (2002), §2.6.2; Imbens & Rubin (2015), §5.7.
 *
 * @throws {RangeError} when the statistic is not linear in the outcome, α ∉ (0, 1), or as randomizationTest
 * @example
 * randomizationInterval({ outcome: y, treatment: z, assignments, exact: true, alpha: 0.05 });
 * // => { estimate: 3, confLow: …, confHigh: …, … }
 */
export function randomizationInterval(
  input: Omit<RandomizationTestInput, 'sharpNull' | 'alternative'> & { alpha?: number },
): RandomizationIntervalResult {
  const alpha = input.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be in (0, 1)');
  const { y, z, statistic } = prepare(input);
  const aObs = statistic(y, z);
  const bObs = statistic(z, z);
  const yMinusZ = y.map((v, i) => v - z[i]);
  // Linearity, T(Y − Z, z) = T(Y, z) − T(Z, z), checked on the observed and the first reference assignments.
  const checkLinear = (t: number, at: number, bt: number) => {
    if (!(Math.abs(t - (at - bt)) <= 1e-9 * (Math.abs(at) + Math.abs(bt) + 1))) {
      throw new RangeError('test inversion needs a statistic linear in the outcome');
    }
  };
  checkLinear(statistic(yMinusZ, z), aObs, bObs);
  if (!(bObs !== 0))
    throw new RangeError('the statistic does not respond to a constant effect (T(Z, Z) = 0)');
  const a: number[] = [];
  const b: number[] = [];
  for (const assignment of input.assignments) {
    a.push(statistic(y, assignment));
    b.push(statistic(z, assignment));
    if (a.length <= 20) checkLinear(statistic(yMinusZ, assignment), a[a.length - 1], b[b.length - 1]);
  }
  if (a.length === 0) throw new RangeError('no reference assignments');
  const estimate = aObs / bObs;
  const pAt = (tau: number): number => {
    const observed = aObs - tau * bObs;
    let count = 0;
    const tol = 1e-9 * Math.abs(observed);
    for (let j = 0; j < a.length; j++) if (Math.abs(a[j] - tau * b[j]) >= Math.abs(observed) - tol) count++;
    return count / a.length;
  };
  const scale = Math.max(spread(a), Math.abs(estimate) * 1e-6, 1e-12);
  return {
    estimate,
    confLow: findEnd(pAt, estimate, -scale, alpha),
    confHigh: findEnd(pAt, estimate, scale, alpha),
    alpha,
    assignments: a.length,
    exact: input.exact,
  };
}

/**
 * Reusable iterable over assignments 1..count of a drawer (e.g. the protocol's S|ri|j draws).
 *
 * @example
 * const draws = sampledAssignments((j) => drawTreatment(j), 1000);
 */
export function sampledAssignments(
  draw: (j: number) => ArrayLike<number>,
  count: number,
): Iterable<ArrayLike<number>> {
  if (!(Number.isInteger(count) && count > 0)) throw new RangeError('count must be a positive integer');
  return {
    *[Symbol.iterator]() {
      for (let j = 1; j <= count; j++) yield draw(j);
    },
  };
}

function prepare(input: RandomizationTestInput) {
  const n = input.outcome.length;
  if (input.treatment.length !== n) throw new RangeError('outcome and treatment differ in length');
  const y = Float64Array.from(input.outcome);
  if (y.some((v) => !Number.isFinite(v))) throw new RangeError('outcomes must be finite');
  const z = Float64Array.from(input.treatment);
  if (z.some((v) => v !== 0 && v !== 1)) throw new RangeError('treatment must be 0/1');
  const sharpNull = input.sharpNull ?? 0;
  if (!Number.isFinite(sharpNull)) throw new RangeError('sharpNull must be finite');
  return {
    y,
    z,
    statistic: input.statistic ?? differenceInMeansStatistic,
    sharpNull,
    alternative: input.alternative ?? 'two-sided',
  };
}

function countAsExtreme(reference: readonly number[], observed: number, alternative: Alternative): number {
  const tol = 1e-9 * Math.abs(observed);
  let count = 0;
  for (const t of reference) {
    if (
      alternative === 'two-sided'
        ? Math.abs(t) >= Math.abs(observed) - tol
        : alternative === 'greater'
          ? t >= observed - tol
          : t <= observed + tol
    ) {
      count++;
    }
  }
  return count;
}

function spread(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/** From `start` (accepted) step by `step`·2^k until p ≤ α, then bisect between the last accepted and first rejected τ₀. */
function findEnd(pAt: (tau: number) => number, start: number, step: number, alpha: number): number {
  let accepted = start;
  let rejected = NaN;
  for (let k = 0; k < 80; k++) {
    const tau = start + step * 2 ** k;
    if (pAt(tau) <= alpha) {
      rejected = tau;
      break;
    }
    accepted = tau;
  }
  if (Number.isNaN(rejected)) return step > 0 ? Infinity : -Infinity;
  for (
    let i = 0;
    i < 200 && Math.abs(rejected - accepted) > 1e-12 * (Math.abs(accepted) + Math.abs(step));
    i++
  ) {
    const mid = (accepted + rejected) / 2;
    if (pAt(mid) <= alpha) rejected = mid;
    else accepted = mid;
  }
  return (accepted + rejected) / 2;
}
