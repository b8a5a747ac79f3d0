import {
  LEADING_ZERO_STATES,
  RURAL_LOCALES,
  RURAL_LOCALE_WEIGHTS,
  STATES,
  TOWN_LOCALES,
  TOWN_LOCALE_WEIGHTS,
  type StateInfo,
} from './geography.ts';
import { PLACE_HEADS, PLACE_TAILS } from './names.ts';
import { pick, pickWeighted, shuffled, standardNormal, uniformInt, type Rng } from './random.ts';
import { layoutSchools } from './school-layout.ts';
import type { DistrictPlan, SynthParams } from './types.ts';

/** The smallest district the generator makes (a one-school K-12 campus). */
export const MIN_DISTRICT_STUDENTS = 20;

/** How many of `n` study districts are towns (locale 31–33) rather than rural: one from 3, two from 10. */
export function townCount(n: number): number {
  if (n >= 10) return 2;
  if (n >= 3) return 1;
  return 0;
}

/**
 * Splits `total` students over districts with log-normal weights (rural districts differ a lot in
 * size: a few hundred to several thousand), by largest remainder so the sizes add up exactly, none
 * below MIN_DISTRICT_STUDENTS.
 */
export function districtSizes(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (total < n * MIN_DISTRICT_STUDENTS) {
    throw new RangeError(`${total} students cannot fill ${n} districts of at least ${MIN_DISTRICT_STUDENTS}`);
  }
  const spare = total - n * MIN_DISTRICT_STUDENTS;
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (spare * w) / sum);
  const sizes = exact.map((x) => Math.floor(x));
  let left = spare - sizes.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, f: x - Math.floor(x) })).sort((a, b) => b.f - a.f || a.i - b.i);
  for (let k = 0; left > 0; k++, left--) sizes[order[k % n].i] += 1;
  return sizes.map((s) => s + MIN_DISTRICT_STUDENTS);
}

/** Distinct place names ("Cedar Creek"), `count` of them. */
function placeNames(count: number, rng: Rng): string[] {
  const all: string[] = [];
  for (const head of PLACE_HEADS) for (const tail of PLACE_TAILS) all.push(`${head} ${tail}`);
  if (count > all.length) throw new RangeError(`at most ${all.length} place names`);
  return shuffled(rng, all).slice(0, count);
}

/**
 * Plans the study's districts: state, LEAID, name, locale, size, roster format and schools.
 * The first district is always in a state whose FIPS code starts with 0 (AL, AZ, AR, CA, CO) so
 * that every study exercises leading zeros in LEAIDs.
 */
export function planDistricts(params: SynthParams, rng: Rng): DistrictPlan[] {
  const n = params.districts;
  const towns = new Set(shuffled(rng, [...Array(n).keys()]).slice(0, townCount(n)));
  const weights = [...Array(n).keys()].map(
    (i) => Math.exp(0.9 * standardNormal(rng)) * (towns.has(i) ? 2.5 : 1),
  );
  const sizes = districtSizes(params.students, weights);
  const places = placeNames(n * 4, rng);
  const usedLeaids = new Set<string>();
  const plans: DistrictPlan[] = [];
  for (let i = 0; i < n; i++) {
    const state: StateInfo = i === 0 ? pick(rng, LEADING_ZERO_STATES) : pick(rng, STATES);
    let leaid: string;
    do leaid = `${state.fips}${String(uniformInt(rng, 10, 99999)).padStart(5, '0')}`;
    while (usedLeaids.has(leaid));
    usedLeaids.add(leaid);
    const town = places[i * 4];
    const localeCode = towns.has(i)
      ? pickWeighted(rng, TOWN_LOCALES, TOWN_LOCALE_WEIGHTS)
      : pickWeighted(rng, RURAL_LOCALES, RURAL_LOCALE_WEIGHTS);
    const offersPk = rng() < 0.7;
    plans.push({
      index: i,
      leaid,
      name: `${town} ${state.districtSuffix}`,
      state: state.abbr,
      localeCode,
      studentCount: sizes[i],
      format: i < params.oneroster ? 'oneroster' : 'plain',
      offersPk,
      absenceShift: 0.08 * standardNormal(rng),
      schools: layoutSchools(leaid, town, places.slice(i * 4 + 1, i * 4 + 4), sizes[i], offersPk, rng),
    });
  }
  return plans;
}
