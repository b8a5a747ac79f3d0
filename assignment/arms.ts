/** An arm as a study declares it: a name and a decimal probability string with at most 6 places. */
export interface ArmSpec {
  name: string;
  probability: string;
}

/** Arms ready for exact arithmetic: declared order kept, probabilities as integer millionths. */
export interface ParsedArms {
  names: string[];
  /** p_k · 10⁶, integers summing to exactly 1,000,000. */
  millionths: number[];
}

export const MILLION = 1_000_000;
const DECIMAL = /^(?:0|1)(?:\.\d{1,6})?$/;

/**
 * Validates the arms of a study for `pilot-v1`: at least two distinct names, each probability a decimal
 * in [0, 1] with at most six places, summing to exactly 1 (checked in integers, never floating point).
 *
 * @throws {RangeError} on any violation: arms are fixed when the study is created, so a bad list is a
 *   caller mistake, not an expected outcome.
 * @example parseArms([{ name: 'control', probability: '0.5' }, { name: 'treatment', probability: '0.5' }])
 *   // { names: ['control', 'treatment'], millionths: [500000, 500000] }
 */
export function parseArms(arms: readonly ArmSpec[]): ParsedArms {
  if (arms.length < 2) throw new RangeError('a randomization needs at least two arms');
  if (arms.length > 65535) throw new RangeError('too many arms');
  const names: string[] = [];
  const millionths: number[] = [];
  for (const arm of arms) {
    if (typeof arm.name !== 'string' || arm.name === '' || /[,\n\r"]/.test(arm.name)) {
      throw new RangeError(
        `arm name ${JSON.stringify(arm.name)} must be non-empty without commas, quotes or newlines`,
      );
    }
    if (names.includes(arm.name)) throw new RangeError(`arm ${arm.name} is listed twice`);
    const p = String(arm.probability);
    if (!DECIMAL.test(p))
      throw new RangeError(`probability "${p}" of arm ${arm.name} must be a decimal with at most 6 places`);
    const [whole, frac = ''] = p.split('.');
    const m = Number(whole) * MILLION + Number(frac.padEnd(6, '0'));
    if (m > MILLION) throw new RangeError(`probability "${p}" of arm ${arm.name} exceeds 1`);
    names.push(arm.name);
    millionths.push(m);
  }
  const total = millionths.reduce((s, m) => s + m, 0);
  if (total !== MILLION) throw new RangeError(`arm probabilities sum to ${total / MILLION}, not exactly 1`);
  return { names, millionths };
}
