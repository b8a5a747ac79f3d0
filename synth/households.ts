import { GRADE_INDEX } from './school-layout.ts';
import { pickWeighted, uniformInt, type Rng } from './random.ts';

/** Children per household among enrolled siblings (rural census shares of 1–4 school-age children). */
const SIBLING_COUNTS = [1, 2, 3, 4] as const;
const SIBLING_WEIGHTS = [0.42, 0.33, 0.17, 0.08] as const;

/** Relative enrollment by grade index PK … 12: PK is partial, upper high school thins out. */
const GRADE_WEIGHTS = [0.55, 1.05, 1, 1, 1, 1, 1, 1, 1, 1, 1.05, 1, 0.95, 0.9];

/** How many enrolled children a new household brings, capped by the places left in the district. */
export function drawSiblingCount(rng: Rng, remaining: number): number {
  return Math.min(remaining, pickWeighted(rng, SIBLING_COUNTS, SIBLING_WEIGHTS));
}

function drawGrade(rng: Rng, lowest: number): number {
  const indexes: number[] = [];
  const weights: number[] = [];
  for (let g = lowest; g <= GRADE_INDEX.G12; g++) {
    indexes.push(g);
    weights.push(GRADE_WEIGHTS[g]);
  }
  return pickWeighted(rng, indexes, weights);
}

/**
 * Grade indexes of a household's children: the first from the district's grade mix, each next one
 * one to five grades from the previous (twins now and then), redrawn when that falls outside
 * the grades the district serves.
 */
export function drawSiblingGrades(count: number, offersPk: boolean, rng: Rng): number[] {
  const lowest = offersPk ? GRADE_INDEX.PK : GRADE_INDEX.KG;
  const grades = [drawGrade(rng, lowest)];
  while (grades.length < count) {
    const previous = grades[grades.length - 1];
    const gap = rng() < 0.04 ? 0 : uniformInt(rng, 1, 5);
    const next = previous + (rng() < 0.5 ? gap : -gap);
    grades.push(next >= lowest && next <= GRADE_INDEX.G12 ? next : drawGrade(rng, lowest));
  }
  return grades;
}

/**
 * A birth date consistent with a grade in the school year starting in `year`: a child in grade g
 * turned g + 5 (KG: 5, PK: 4) by September 1, with a few months of spread and the odd retained
 * student a year older.
 */
export function birthDateFor(gradeIndex: number, year: number, rng: Rng): string {
  const ageOnSept1 = gradeIndex + 4 + (rng() < 0.05 ? 1 : 0);
  const daysBefore = uniformInt(rng, 0, 364);
  const sept1 = Date.UTC(year, 8, 1);
  const birth = sept1 - ageOnSept1 * 365.25 * 86_400_000 - daysBefore * 86_400_000;
  return new Date(birth).toISOString().slice(0, 10);
}
