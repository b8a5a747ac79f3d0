/**
 * Small helpers over a uniform random source. Pure: the generator is always a parameter
 * (services create it with seedrandom from the study seed), never Math.random.
 */

/** A uniform random number generator on [0, 1), such as `seedrandom.alea(seed)`. */
export type Rng = () => number;

/** An integer drawn uniformly from [lo, hi] (both inclusive). */
export function uniformInt(rng: Rng, lo: number, hi: number): number {
  if (hi < lo) throw new RangeError(`uniformInt: empty range [${lo}, ${hi}]`);
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** One element of a non-empty list, each equally likely. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick: empty list');
  return items[Math.floor(rng() * items.length)];
}

/** One element of a non-empty list with probability proportional to its weight. */
export function pickWeighted<T>(rng: Rng, items: readonly T[], weights: readonly number[]): T {
  if (items.length === 0 || items.length !== weights.length) {
    throw new RangeError('pickWeighted: items and weights must be non-empty and of equal length');
  }
  let total = 0;
  for (const w of weights) total += w;
  let u = rng() * total;
  for (let i = 0; i < items.length; i++) {
    u -= weights[i];
    if (u < 0) return items[i];
  }
  return items[items.length - 1];
}

/** True with probability p. */
export function bernoulli(rng: Rng, p: number): boolean {
  return rng() < p;
}

/** A standard normal draw (Box–Muller; one of the pair is discarded to keep the stream simple). */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1] so the log is finite
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The logistic function, inverse of the logit. */
export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The logit log(p / (1 − p)). */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** A Fisher–Yates shuffled copy of a list. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** `count` distinct integers from [lo, hi], in the order drawn. */
export function distinctInts(rng: Rng, count: number, lo: number, hi: number): number[] {
  if (count > hi - lo + 1) throw new RangeError(`distinctInts: cannot draw ${count} from [${lo}, ${hi}]`);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const n = uniformInt(rng, lo, hi);
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  }
  return out;
}
