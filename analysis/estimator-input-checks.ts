/**
 * Checks of estimator inputs that are the caller's responsibility (they throw), and conversion
 * to Float64Array.
 */

/**
 * Copy to a Float64Array, requiring finite values.
 *
 * @throws {TypeError} naming the first row that is not a finite number
 */
export function finiteColumn(values: ArrayLike<number>, name: string): Float64Array {
  const out = values instanceof Float64Array ? values : Float64Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]))
      throw new TypeError(`${name}[${i}] is not a finite number (got ${String(values[i])})`);
  }
  return out;
}

/**
 * A 0/1 indicator as a Float64Array.
 *
 * @throws {TypeError} when a value is neither 0 nor 1
 */
export function binaryColumn(values: ArrayLike<number>, name: string): Float64Array {
  const out = values instanceof Float64Array ? values.slice() : Float64Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 0 && out[i] !== 1)
      throw new TypeError(`${name}[${i}] must be 0 or 1 (got ${String(values[i])})`);
  }
  return out;
}

/** @throws {RangeError} when the lengths differ from n */
export function requireLength(n: number, lengths: Record<string, number | undefined>): void {
  for (const [name, length] of Object.entries(lengths)) {
    if (length !== undefined && length !== n)
      throw new RangeError(`${name} has ${length} rows but the outcome has ${n}`);
  }
}

/** @throws {RangeError} unless 0 < alpha < 1 */
export function checkedAlpha(alpha: number | undefined): number {
  const a = alpha ?? 0.05;
  if (!(a > 0 && a < 1)) throw new RangeError(`alpha must be between 0 and 1 (got ${a})`);
  return a;
}

/** Count of ones and zeros of a 0/1 column. */
export function armCounts(treatment: Float64Array): { nTreatment: number; nControl: number } {
  let ones = 0;
  for (let i = 0; i < treatment.length; i++) ones += treatment[i];
  return { nTreatment: ones, nControl: treatment.length - ones };
}
