/**
 * OneRoster has no households, so Pilot derives them from caregiver links: a household is a
 * connected component of the graph whose edges join each student to each of their caregivers.
 * Siblings who share a caregiver share a household, and so, transitively, do children linked
 * through any chain of shared caregivers (e.g. half-siblings across two homes). That errs towards
 * larger households, the safe side for household randomization (no shared caregiver ever spans arms).
 *
 * Key of a household: `g:` + the smallest (by code unit) caregiver sourcedId in it; a student with
 * no caregiver is a household alone, keyed `s:` + the student's sourcedId. The key is deterministic
 * for a given file, but can change when a later export links a new caregiver to the household.
 *
 * @example householdKeys(['s1','s2','s3'], [['s1','g2'],['s2','g2'],['s2','g1']]).students.get('s1') // 'g:g1'
 */
export function householdKeys(
  studentIds: readonly string[],
  links: ReadonlyArray<readonly [student: string, guardian: string]>,
): { students: Map<string, string>; guardians: Map<string, string> } {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let cur = x;
    while (cur !== root) {
      const next = parent.get(cur)!;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const node = (x: string): string => {
    if (!parent.has(x)) parent.set(x, x);
    return x;
  };
  for (const s of studentIds) node(`s\u0000${s}`);
  for (const [s, g] of links) {
    const a = find(node(`s\u0000${s}`));
    const b = find(node(`g\u0000${g}`));
    if (a !== b) parent.set(a, b);
  }
  const smallestGuardian = new Map<string, string>();
  for (const [, g] of links) {
    const root = find(`g\u0000${g}`);
    const best = smallestGuardian.get(root);
    if (best === undefined || g < best) smallestGuardian.set(root, g);
  }
  const students = new Map<string, string>();
  for (const s of studentIds) {
    const g = smallestGuardian.get(find(`s\u0000${s}`));
    students.set(s, g === undefined ? `s:${s}` : `g:${g}`);
  }
  const guardians = new Map<string, string>();
  for (const [, g] of links) guardians.set(g, `g:${smallestGuardian.get(find(`g\u0000${g}`))}`);
  return { students, guardians };
}
