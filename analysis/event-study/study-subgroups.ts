/**
 * Study-mode subgroups of the event study (issue 12 item 5), pure: each unit of a study's panel gets
 * its subgroup by grade band or English-learner status (roster fields), or by the modality or
 * personnel type of its first home visit. A never-treated student has no visit to classify, so
 * for modality and personnel the never-treated students are the comparisons of every subgroup
 * (their group is null); served students with no visit (e.g. a start by first delivered message)
 * form the subgroup 'no visit'.
 */
import { gradeBand } from '../../assignment/block-keys.ts';
import type { Panel } from './panel.ts';

export type StudySubgroupVariable = 'grade_band' | 'english_learner' | 'modality' | 'personnel';

export interface SubgroupFacts {
  studentId: number;
  grade: string;
  englishLearner: boolean | null;
}

/**
 * @example studySubgroups(panel, 'grade_band', facts, []).groups // ['PK-05', '06-08', …], one per unit
 */
export function studySubgroups(
  panel: Panel,
  by: StudySubgroupVariable,
  facts: ReadonlyMap<string, SubgroupFacts>,
  firstVisits: readonly { studentId: number; modality: string; personnel: string }[],
): { groups: (string | null)[]; sharedComparisons: boolean } {
  const fact = (u: number) => {
    const f = facts.get(panel.ids[u]);
    if (!f) throw new Error(`study subgroups: no roster facts for unit ${u}`);
    return f;
  };
  if (by === 'grade_band')
    return {
      groups: panel.ids.map((_, u) => gradeBand(fact(u).grade) ?? 'unknown'),
      sharedComparisons: false,
    };
  if (by === 'english_learner')
    return {
      groups: panel.ids.map((_, u) => {
        const el = fact(u).englishLearner;
        return el === null ? 'unknown' : el ? 'Y' : 'N';
      }),
      sharedComparisons: false,
    };
  const visit = new Map(firstVisits.map((v) => [v.studentId, by === 'modality' ? v.modality : v.personnel]));
  return {
    groups: panel.ids.map((_, u) =>
      panel.cohort[u] === 0 ? null : (visit.get(fact(u).studentId) ?? 'no visit'),
    ),
    sharedComparisons: true,
  };
}
