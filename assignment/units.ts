import type { DrawUnit } from './draw.ts';
import { compareCodePoints } from './protocol.ts';
import { studentKey, unitKeyOf, type RosterStudent, type UnitType } from './roster.ts';

/** One student of a wave's roster and the unit whose arm they take. */
export interface RosterMember {
  studentIndex: number;
  studentKey: string;
  unitKey: string;
  /** True when the unit was randomized in an earlier wave (the student inherits its arm). */
  inherited: boolean;
}

export interface ClusterDisagreement {
  unitKey: string;
  /** The member whose block key the unit takes (the smallest student key). */
  memberKey: string;
  blockKeys: string[];
}

export type ClusterWarning = {
  code: 'cluster_block_disagreement';
  message: string;
  clusters: number;
  /** The first few, in code-point order of unit key. */
  examples: ClusterDisagreement[];
};

export type FormUnitsOutcome =
  | { ok: true; units: DrawUnit[]; members: RosterMember[]; warnings: ClusterWarning[] }
  | { ok: false; reason: 'missing_unit_key'; message: string; studentKeys: string[] };

const EXAMPLES = 20;

/**
 * Groups a wave's students into the units to randomize (DESIGN.md §4 steps 1–2). A student whose unit
 * already has an arm from an earlier wave inherits it and adds no unit. A new cluster's block key is
 * its members' common block key; when members disagree it is the block key of the member with the
 * smallest student key (code-point order) and the disagreement is reported as a typed warning.
 *
 * @param studentBlockKeys block key of each student, aligned with `students`
 * @param assignedUnits keys of units randomized in earlier waves
 * @returns units in order of first appearance, or `missing_unit_key` when a school has no NCES id in
 *   a school-randomized study.
 */
export function formUnits(
  students: readonly RosterStudent[],
  unit: UnitType,
  studentBlockKeys: readonly string[],
  assignedUnits: ReadonlySet<string> = new Set(),
): FormUnitsOutcome {
  if (studentBlockKeys.length !== students.length)
    throw new RangeError('one block key per student is required');
  const members: RosterMember[] = new Array(students.length);
  // Two-level index (district or '' → id within it) so each unit key string is built only once.
  const index = new Map<string, Map<string, number>>();
  const units: DrawUnit[] = [];
  const chosen: number[] = []; // per unit: index of the member with the smallest student key
  const disagree: number[] = [];
  const missing: string[] = [];
  for (let i = 0; i < students.length; i++) {
    const s = students[i];
    const sKey = studentKey(s);
    const outer = unit === 'school' ? '' : s.districtLeaid;
    const inner = unit === 'student' ? s.sisId : unit === 'household' ? s.householdKey : s.schoolNcesId;
    if (!inner) {
      missing.push(sKey);
      continue;
    }
    let group = index.get(outer);
    if (!group) index.set(outer, (group = new Map()));
    let u = group.get(inner);
    if (u === undefined) {
      u = units.length;
      group.set(inner, u);
      units.push({
        key: unit === 'student' ? sKey : (unitKeyOf(s, unit) as string),
        blockKey: studentBlockKeys[i],
      });
      chosen.push(i);
      members[i] = { studentIndex: i, studentKey: sKey, unitKey: units[u].key, inherited: false };
      continue;
    }
    if (unit === 'student') throw new RangeError(`student ${sKey} appears twice in the roster`);
    members[i] = { studentIndex: i, studentKey: sKey, unitKey: units[u].key, inherited: false };
    if (studentBlockKeys[i] !== units[u].blockKey && disagree[disagree.length - 1] !== u) disagree.push(u);
    if (smallerStudent(s, students[chosen[u]], sKey, members[chosen[u]].studentKey)) {
      chosen[u] = i;
      units[u].blockKey = studentBlockKeys[i];
    }
  }
  if (missing.length > 0) {
    return {
      ok: false,
      reason: 'missing_unit_key',
      message: `${missing.length} student(s) attend a school without an NCES id, which a school-randomized study needs`,
      studentKeys: missing,
    };
  }
  if (assignedUnits.size === 0) {
    return {
      ok: true,
      units,
      members,
      warnings: clusterWarnings(units, members, studentBlockKeys, chosen, disagree),
    };
  }
  // Late wave: members of units randomized earlier inherit their arm; only new units are drawn.
  const fresh: DrawUnit[] = [];
  const keep = new Map<number, number>();
  units.forEach((u, k) => {
    if (!assignedUnits.has(u.key)) keep.set(k, fresh.push(u) - 1);
  });
  for (const m of members) if (assignedUnits.has(m.unitKey)) m.inherited = true;
  const remap = (list: number[]) => list.filter((k) => keep.has(k)).map((k) => keep.get(k)!);
  const freshChosen = [...keep.keys()].map((k) => chosen[k]);
  return {
    ok: true,
    units: fresh,
    members,
    warnings: clusterWarnings(fresh, members, studentBlockKeys, freshChosen, remap(disagree)),
  };
}

/** Code-point order of student keys `student:<leaid>:<sis id>`, comparing only sis ids within a district. */
function smallerStudent(a: RosterStudent, b: RosterStudent, aKey: string, bKey: string): boolean {
  return a.districtLeaid === b.districtLeaid
    ? compareCodePoints(a.sisId, b.sisId) < 0
    : compareCodePoints(aKey, bKey) < 0;
}

function clusterWarnings(
  units: DrawUnit[],
  members: RosterMember[],
  blockKeys: readonly string[],
  chosen: number[],
  disagree: number[],
): ClusterWarning[] {
  const flagged = [...new Set(disagree)];
  if (flagged.length === 0) return [];
  flagged.sort((a, b) => compareCodePoints(units[a].key, units[b].key));
  const shown = new Set(flagged.slice(0, EXAMPLES));
  const keysOf = new Map<number, Set<string>>();
  const unitIndex = new Map<string, number>();
  for (const u of shown) unitIndex.set(units[u].key, u);
  for (const m of members) {
    const u = m && !m.inherited ? unitIndex.get(m.unitKey) : undefined;
    if (u === undefined) continue;
    if (!keysOf.has(u)) keysOf.set(u, new Set());
    keysOf.get(u)!.add(blockKeys[m.studentIndex]);
  }
  return [
    {
      code: 'cluster_block_disagreement',
      message:
        `${flagged.length} cluster(s) have members with different block values; ` +
        'each takes the block of its member with the smallest key',
      clusters: flagged.length,
      examples: flagged.slice(0, EXAMPLES).map((u) => ({
        unitKey: units[u].key,
        memberKey: members[chosen[u]].studentKey,
        blockKeys: [...keysOf.get(u)!].sort(compareCodePoints),
      })),
    },
  ];
}
