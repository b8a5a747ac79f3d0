/**
 * Treatment-contrast dummies of a categorical covariate, as R's `model.matrix` with a factor:
 * levels in sorted order, the first level is the reference (no column), the column of level L of
 * variable v is named `vL`.
 */
import { encodeFactor } from './factor-codes.ts';
import type { FactorInput } from './types.ts';

/**
 * @example factorDummies('b', ['B2', 'B1', 'B2']) // [{ name: 'bB2', values: [1, 0, 1] }]
 */
export function factorDummies(
  name: string,
  values: FactorInput,
  /** false: names and levels only, `values` empty (no n × levels allocation) */
  materialize = true,
): { name: string; values: Float64Array; level: string | number }[] {
  const factor = encodeFactor(values);
  const sorted = factor.levels
    .map((level, code) => ({ level, code }))
    .sort((a, b) => compareLevels(a.level, b.level));
  return sorted.slice(1).map(({ level, code }) => {
    if (!materialize) return { name: `${name}${String(level)}`, values: new Float64Array(0), level };
    const column = new Float64Array(factor.codes.length);
    for (let i = 0; i < column.length; i++) if (factor.codes[i] === code) column[i] = 1;
    return { name: `${name}${String(level)}`, values: column, level };
  });
}

/** R's order of factor levels: numbers numerically, otherwise by code unit. */
export function compareLevels(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
