/**
 * Categorical variables (blocks, clusters, fixed effects) as dense integer codes, and rows grouped
 * by code with a counting sort, so that per-group work is O(N) with no per-row allocation.
 */
import type { FactorCodes, FactorInput } from './types.ts';

/**
 * Encode labels as codes 0..G−1 in order of first appearance (R's `match(x, unique(x))`).
 *
 * @throws {TypeError} when a label is null, undefined or NaN
 * @example encodeFactor(['b', 'a', 'b']) // { codes: Int32Array [0, 1, 0], levels: ['b', 'a'] }
 */
export function encodeFactor(values: FactorInput): FactorCodes {
  if (isFactorCodes(values)) return values;
  return firstAppearanceCodes(
    values.length,
    (i) => values[i],
    (label) => label === null || label === undefined || (typeof label === 'number' && Number.isNaN(label)),
    (i) => {
      throw new TypeError(`factor value at row ${i} is missing`);
    },
  );
}

/**
 * Codes 0..G−1 of the labels of rows 0..n−1 in order of first appearance, and the levels; a label
 * that `isMissing` gets the code `missingCode(row)` returns (a negative code, or it throws) and no level.
 *
 * @example firstAppearanceCodes(3, (i) => ['b', 'NA', 'b'][i], (l) => l === 'NA', () => -1) // codes [0, −1, 0], levels ['b']
 */
export function firstAppearanceCodes<L>(
  n: number,
  labelAt: (row: number) => L,
  isMissing: (label: L) => boolean,
  missingCode: (row: number) => number,
): { codes: Int32Array; levels: L[] } {
  const codes = new Int32Array(n);
  const seen = new Map<L, number>();
  const levels: L[] = [];
  for (let i = 0; i < n; i++) {
    const label = labelAt(i);
    if (isMissing(label)) {
      codes[i] = missingCode(i);
      continue;
    }
    let code = seen.get(label);
    if (code === undefined) {
      code = levels.length;
      seen.set(label, code);
      levels.push(label);
    }
    codes[i] = code;
  }
  return { codes, levels };
}

function isFactorCodes(values: FactorInput): values is FactorCodes {
  return (values as FactorCodes).codes instanceof Int32Array && Array.isArray((values as FactorCodes).levels);
}

/** Rows of each group contiguous: rows of group g are `order[start[g]] … order[start[g+1]−1]`. */
export interface GroupedRows {
  groupCount: number;
  start: Int32Array;
  order: Int32Array;
}

/**
 * Group rows by code with a stable counting sort (rows keep their order within a group).
 *
 * @example groupRows(Int32Array.from([1, 0, 1]), 2) // start [0, 1, 3], order [1, 0, 2]
 */
export function groupRows(codes: Int32Array, groupCount: number): GroupedRows {
  const start = new Int32Array(groupCount + 1);
  for (let i = 0; i < codes.length; i++) start[codes[i] + 1]++;
  for (let g = 0; g < groupCount; g++) start[g + 1] += start[g];
  const next = start.slice(0, groupCount);
  const order = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) order[next[codes[i]]++] = i;
  return { groupCount, start, order };
}

/**
 * Keep only the rows flagged in `keep`, re-coding so the kept levels are again 0..G'−1.
 */
export function subsetFactor(factor: FactorCodes, keep: Uint8Array): FactorCodes {
  const remap = new Int32Array(factor.levels.length).fill(-1);
  const levels: (string | number)[] = [];
  let count = 0;
  for (let i = 0; i < keep.length; i++) if (keep[i]) count++;
  const codes = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    const old = factor.codes[i];
    if (remap[old] < 0) {
      remap[old] = levels.length;
      levels.push(factor.levels[old]);
    }
    codes[k++] = remap[old];
  }
  return { codes, levels };
}
