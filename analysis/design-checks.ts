/**
 * Checks of a randomized design that can fail with real data; each returns a refusal (or null).
 */
import type { GroupedRows } from './factor-codes.ts';
import type { EstimatorRefusal } from './types.ts';

/** Treatment must be the same for every unit of a cluster (clusters are the randomized units). */
export function treatmentVariesWithinCluster(
  z: Float64Array,
  clusters: Int32Array,
  levels: readonly (string | number)[],
): EstimatorRefusal | null {
  const first = new Int8Array(levels.length).fill(-1);
  for (let i = 0; i < z.length; i++) {
    const c = clusters[i];
    if (first[c] < 0) first[c] = z[i];
    else if (first[c] !== z[i]) {
      return {
        code: 'treatment-varies-within-cluster',
        message: `Cluster "${String(levels[c])}" has both treated and control units; every unit of a cluster must have the same treatment.`,
        details: { cluster: levels[c] },
      };
    }
  }
  return null;
}

/** Every cluster must lie within one block. */
export function clusterSpansBlocks(
  clusters: Int32Array,
  clusterLevels: readonly (string | number)[],
  blocks: Int32Array,
  blockLevels: readonly (string | number)[],
): EstimatorRefusal | null {
  const blockOf = new Int32Array(clusterLevels.length).fill(-1);
  for (let i = 0; i < clusters.length; i++) {
    const c = clusters[i];
    if (blockOf[c] < 0) blockOf[c] = blocks[i];
    else if (blockOf[c] !== blocks[i]) {
      return {
        code: 'cluster-spans-blocks',
        message: `Cluster "${String(clusterLevels[c])}" is in blocks "${String(blockLevels[blockOf[c]])}" and "${String(blockLevels[blocks[i]])}"; every cluster must be contained in one block.`,
        details: { cluster: clusterLevels[c] },
      };
    }
  }
  return null;
}

/** Units (or distinct clusters) per block. */
export function unitsPerBlock(blocks: GroupedRows, clusters: Int32Array | null): Int32Array {
  const counts = new Int32Array(blocks.groupCount);
  const seen = clusters ? new Int32Array(blocks.order.length).fill(-1) : null;
  for (let b = 0; b < blocks.groupCount; b++) {
    const from = blocks.start[b];
    const to = blocks.start[b + 1];
    if (!clusters || !seen) {
      counts[b] = to - from;
      continue;
    }
    for (let t = from; t < to; t++) {
      const c = clusters[blocks.order[t]];
      if (seen[c] !== b) {
        seen[c] = b;
        counts[b]++;
      }
    }
  }
  return counts;
}

/** Treated and control counts per block. */
export function armCountsPerBlock(
  z: Float64Array,
  blocks: GroupedRows,
): { treated: Int32Array; control: Int32Array } {
  const treated = new Int32Array(blocks.groupCount);
  const control = new Int32Array(blocks.groupCount);
  for (let b = 0; b < blocks.groupCount; b++) {
    for (let t = blocks.start[b]; t < blocks.start[b + 1]; t++) {
      if (z[blocks.order[t]] === 1) treated[b]++;
      else control[b]++;
    }
  }
  return { treated, control };
}

/**
 * Labels quoted and joined for a message, at most `limit` of them.
 *
 * @example quotedList(['a', 'b', 'c'], 2) // '"a", "b" and 1 more'
 */
export function quotedList(labels: readonly (string | number)[], limit = 10): string {
  const shown = labels
    .slice(0, limit)
    .map((l) => `"${String(l)}"`)
    .join(', ');
  return labels.length > limit ? `${shown} and ${labels.length - limit} more` : shown;
}
