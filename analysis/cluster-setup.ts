/**
 * Clusters as grouped rows, refusing a single cluster (no cluster-robust variance exists).
 */
import { countClusters } from './cluster-robust-variance.ts';
import { encodeFactor, groupRows, type GroupedRows } from './factor-codes.ts';
import type { EstimatorRefusal, FactorCodes, FactorInput } from './types.ts';

export type ClusterSetup =
  | { ok: true; factor: FactorCodes; grouped: GroupedRows; count: number }
  | { ok: false; refusal: EstimatorRefusal };

/**
 * @throws {RangeError} when the clusters do not have n rows
 */
export function setupClusters(clusters: FactorInput, n: number): ClusterSetup {
  const factor = encodeFactor(clusters);
  if (factor.codes.length !== n)
    throw new RangeError(`clusters has ${factor.codes.length} rows but the outcome has ${n}`);
  const grouped = groupRows(factor.codes, factor.levels.length);
  const count = countClusters(grouped);
  if (count < 2) {
    return {
      ok: false,
      refusal: {
        code: 'single-cluster',
        message:
          'All observations are in one cluster; cluster-robust standard errors need at least two clusters.',
        details: { clusters: count },
      },
    };
  }
  return { ok: true, factor, grouped, count };
}
