import { createHash, hash as oneShotHash } from 'node:crypto';

/**
 * The published protocol `pilot-v1` (DESIGN.md §4): names, seed derivations and the exact byte strings
 * that are hashed. Everything an outside implementation needs to reproduce an assignment is defined
 * here or in the files this module's functions are named after; nothing else in Pilot changes it.
 *
 * H(x) is SHA-256 of the UTF-8 bytes of x.
 * - unit order:   H("pilot-v1|" + S + "|unit|" + unitKey), read as an unsigned big-endian integer
 * - block offset: first 8 bytes of H("pilot-v1|" + S + "|block|" + blockKey), unsigned big-endian / 2⁶⁴
 * - wave 1 is drawn with the study seed S (committed when the study is created, revealed when wave 1
 *   is randomized); a wave w ≥ 2 with its own seed S_w, 128 random bits committed (H(S_w) recorded)
 *   when the wave is opened, before its late enrollees are registered, and revealed when it is
 *   randomized. S_w is independent of S, so revealing S after wave 1 tells nobody a late enrollee's arm.
 * - randomization-inference draw j of a wave drawn with seed s uses s + "|ri" + j.
 *
 * Strings are compared in Unicode code-point order, which is the byte order of their UTF-8 encoding
 * (Python's `sorted` on str, R's `sort(method = "radix")`), never in locale order.
 */
export const ALGORITHM = 'pilot-v1';
export const ALGORITHM_VERSION = 1;

/**
 * How a wave's seed is recorded in its randomization record (`seed_derivation`): "S" for wave 1 (the
 * study seed), "S_<w>" for a later wave (that wave's own committed seed).
 */
export function seedDerivation(wave: number): string {
  if (!Number.isInteger(wave) || wave < 1)
    throw new RangeError(`wave must be a positive integer, got ${wave}`);
  return wave === 1 ? 'S' : `S_${wave}`;
}

/**
 * The seed of a late wave under the earlier draft of pilot-v1, S + "|wave" + w. It is no longer used
 * to randomize (anyone who saw S after wave 1 could compute a late enrollee's arm), and stays callable
 * only so that a record stored with that derivation (`S + "|wave<w>"`) can still be re-verified.
 */
export function derivedWaveSeed(seed: string, wave: number): string {
  if (!Number.isInteger(wave) || wave < 2) throw new RangeError(`wave must be 2 or more, got ${wave}`);
  return `${seed}|wave${wave}`;
}

/** The seed of randomization-inference permutation j (j = 1, 2, …) of a design randomized with `seed`. */
export function riSeed(seed: string, j: number): string {
  if (!Number.isInteger(j) || j < 0)
    throw new RangeError(`permutation index must be a non-negative integer, got ${j}`);
  return `${seed}|ri${j}`;
}

/** The string hashed to order a unit within its block. */
export function unitPreimage(seed: string, unitKey: string): string {
  return `${ALGORITHM}|${seed}|unit|${unitKey}`;
}

/** The string hashed to place a block's systematic-sampling offset. */
export function blockPreimage(seed: string, blockKey: string): string {
  return `${ALGORITHM}|${seed}|block|${blockKey}`;
}

const hasOneShot = typeof oneShotHash === 'function';

/** SHA-256 digest (32 bytes) of a string's UTF-8 bytes. */
export function sha256(text: string): Buffer {
  return hasOneShot
    ? oneShotHash('sha256', text, 'buffer')
    : createHash('sha256').update(text, 'utf8').digest();
}

export function sha256Hex(text: string): string {
  return sha256(text).toString('hex');
}

/**
 * Orders strings by Unicode code point (= UTF-8 byte order). JavaScript's `<` compares UTF-16 code
 * units, which differs only when a surrogate (a code point above U+FFFF) meets U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Sorts strings in code-point order in place; uses the engine's native sort when that order is identical. */
export function sortCodePoints(values: string[]): string[] {
  if (values.some((v) => SURROGATE.test(v))) return values.sort(compareCodePoints);
  return values.sort();
}
