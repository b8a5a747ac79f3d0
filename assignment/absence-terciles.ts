/**
 * Prior-year absence tercile of each student within their district (1 = lowest, 3 = highest; null when
 * the rate is missing). With m students of the district having a rate, a student whose rate exceeds
 * exactly `below` of those m rates is in tercile 1 + ⌊3 · below / m⌋. Equal rates therefore always share
 * a tercile (many students have a rate of exactly 0), and the rule is exact integer arithmetic on
 * counts, so any implementation computes the same terciles from the same rates.
 *
 * @param districts district of each student (any string id)
 * @param rates prior-year absence rate of each student, aligned with `districts`
 * @example absenceTerciles(['a', 'a', 'a', 'a', 'a', 'a'], [0, 0, 0.1, 0.2, 0.3, 0.4])
 *   // [1, 1, 2, 2, 3, 3]: below = 0, 0, 2, 3, 4, 5 of m = 6
 */
export function absenceTerciles(
  districts: readonly string[],
  rates: readonly (number | null)[],
): (1 | 2 | 3 | null)[] {
  if (districts.length !== rates.length)
    throw new RangeError('districts and rates must have the same length');
  const byDistrict = new Map<string, number[]>();
  for (let i = 0; i < rates.length; i++) {
    const r = rates[i];
    if (r === null || r === undefined) continue;
    if (!Number.isFinite(r)) throw new RangeError(`absence rate ${r} is not a finite number`);
    let list = byDistrict.get(districts[i]);
    if (!list) byDistrict.set(districts[i], (list = []));
    list.push(i);
  }
  const out = new Array<1 | 2 | 3 | null>(rates.length).fill(null);
  for (const members of byDistrict.values()) {
    members.sort((a, b) => (rates[a] as number) - (rates[b] as number));
    const m = members.length;
    let below = 0;
    for (let j = 0; j < m; j++) {
      if (j > 0 && (rates[members[j]] as number) !== (rates[members[j - 1]] as number)) below = j;
      out[members[j]] = (1 + Math.floor((3 * below) / m)) as 1 | 2 | 3;
    }
  }
  return out;
}
