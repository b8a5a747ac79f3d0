/**
 * Randomization inference for `pilot estimate`: the reference set follows the design (blocks from
 * --blocks or the absorbed factor, clusters from --clusters), exact when small, else seeded draws
 * with the Phipson–Smyth p-value. Pure.
 */
import { labelAt, type EstimationColumns } from './csv-columns.ts';
import type { EstimateRequest } from './estimate-request.ts';
import {
  completeDesignFromData,
  countCompleteAssignments,
  enumerateCompleteAssignments,
} from './exact-assignments.ts';
import { observedCountsDrawer } from './protocol-permutations.ts';
import { randomizationInterval, randomizationTest, sampledAssignments } from './randomization-inference.ts';
import type { EstimateOutcome } from './types.ts';

export interface RandomizationSummary {
  term: string;
  exact: boolean;
  assignments: number;
  /** how the blocks of the reference set were found: the --blocks column, the absorbed factor, or none */
  blocksFrom: 'blocks' | 'fixed-effects' | null;
  seed: string;
  /**
   * Exact: the share of all assignments at least as extreme. Sampled: the Monte-Carlo-valid
   * (count + 1) / (draws + 1) of Phipson & Smyth (2010), never 0.
   */
  pValue: number;
  pValueKind: 'exact' | 'phipson-smyth';
  /** reference assignments at least as extreme as the observed one */
  asExtreme: number;
  confLow: number;
  confHigh: number;
}

/** A reference assignment the estimator refuses: randomization inference cannot use that statistic. */
export class DrawRefused extends Error {}

export function randomizationSummary(
  data: EstimationColumns,
  request: EstimateRequest,
  estimate: (treatment: ArrayLike<number>, outcome: ArrayLike<number>) => EstimateOutcome,
): RandomizationSummary {
  const { sims, seed } = request.ri!;
  const termName = request.names.treatment;
  // The reference set follows the design: blocks from --blocks or, for OLS with absorbed fixed
  // effects, from the absorbed factor (assignments permuted across its levels would not be the
  // design the fixed effects condition on); clusters from --clusters.
  const blocks = data.blocks ?? data.fixedEffects;
  const blocksFrom = data.blocks ? 'blocks' : data.fixedEffects ? 'fixed-effects' : null;
  const built = completeDesignFromData(data.treatment, blocks ?? undefined, data.clusters ?? undefined);
  if (!built.ok)
    throw new DrawRefused(
      `randomization inference needs the design's units: ${built.message}${blocksFrom === 'fixed-effects' ? ' (the absorbed fixed effect is used as the blocks)' : ''}`,
    );
  const design = built.design;
  const exact = countCompleteAssignments(design) <= sims;
  let drawn = 0;
  const statistic = (outcome: Float64Array, treatment: ArrayLike<number>) => {
    drawn++;
    const r = estimate(treatment, outcome);
    if (!r.ok)
      throw new DrawRefused(
        `randomization inference stopped: the estimator refuses ${exact ? 'one of the assignments of the design' : `draw ${seed}|ri|${drawn - 1}`} (${r.refusal.message}) Use a statistic every assignment supports, e.g. --method dim.`,
      );
    return r.result.terms.find((t) => t.term === termName)!.estimate;
  };
  const keys = unitKeys(data, design.units);
  const assignments = exact
    ? { [Symbol.iterator]: () => enumerateCompleteAssignments(design) }
    : sampledAssignments(observedCountsDrawer(design, keys, seed), sims);
  const base = { outcome: data.outcome, treatment: data.treatment, assignments, exact, statistic };
  const test = randomizationTest(base);
  const interval = randomizationInterval({ ...base, alpha: request.alpha });
  return {
    term: termName,
    exact,
    assignments: test.assignments,
    blocksFrom,
    seed,
    pValue: exact ? test.pValue : (test.asExtreme + 1) / (test.assignments + 1),
    pValueKind: exact ? 'exact' : 'phipson-smyth',
    asExtreme: test.asExtreme,
    confLow: interval.confLow,
    confHigh: interval.confHigh,
  };
}

/** Unit keys for the protocol hash: the cluster label, or the row's line in the file. */
export function unitKeys(data: EstimationColumns, units: number): string[] {
  const keys: string[] = new Array(units);
  const seen = new Map<string, number>();
  for (let i = 0; i < data.n; i++) {
    const key = data.clusters ? `cluster:${labelAt(data.clusters, i)}` : `line:${data.lines[i]}`;
    if (!seen.has(key)) {
      seen.set(key, seen.size);
      keys[seen.size - 1] = key;
    }
  }
  return keys;
}
