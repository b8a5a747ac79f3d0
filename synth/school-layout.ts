import { distinctInts, type Rng } from './random.ts';
import type { SchoolPlan } from './types.ts';

/** Grade indexes into GRADES: PK = 0, KG = 1, 01 = 2, … 12 = 13. */
const PK = 0;
const KG = 1;
const G05 = 6;
const G06 = 7;
const G08 = 9;
const G09 = 10;
const G12 = 13;

/**
 * How many schools a rural district of `students` students runs, from a one-school K-12 campus to
 * four elementary schools feeding one middle and one high school.
 */
export function schoolCount(students: number): number {
  if (students < 450) return 1;
  if (students < 1000) return 2;
  if (students < 2200) return 3;
  if (students < 3500) return 4;
  if (students < 5000) return 5;
  return 6;
}

/**
 * The schools of one district: grade spans by district size (K-12; elementary + junior/senior high;
 * elementary + middle + high with one or more elementary schools), local ids and NCES ids
 * (LEAID + 5 digits). `elementaryPlaces` names the elementary schools after their villages.
 *
 * @example layoutSchools('0100123', 'Cedar Creek', ['Fox Run'], 300, true, rng)
 *   // → [{ schoolId: '0010', ncesId: '0100123xxxxx', name: 'Cedar Creek School', lowGrade: 0, highGrade: 13, level: 'k12' }]
 */
export function layoutSchools(
  leaid: string,
  townName: string,
  elementaryPlaces: readonly string[],
  students: number,
  offersPk: boolean,
  rng: Rng,
): SchoolPlan[] {
  const count = schoolCount(students);
  const low = offersPk ? PK : KG;
  const spans: Omit<SchoolPlan, 'schoolId' | 'ncesId'>[] = [];
  if (count === 1) {
    spans.push({ name: `${townName} School`, lowGrade: low, highGrade: G12, level: 'k12' });
  } else if (count === 2) {
    spans.push({ name: `${townName} Elementary School`, lowGrade: low, highGrade: G05, level: 'elementary' });
    spans.push({
      name: `${townName} Junior/Senior High School`,
      lowGrade: G06,
      highGrade: G12,
      level: 'secondary',
    });
  } else {
    const elementary = count - 2;
    for (let e = 0; e < elementary; e++) {
      const place = e === 0 ? townName : elementaryPlaces[(e - 1) % elementaryPlaces.length];
      spans.push({ name: `${place} Elementary School`, lowGrade: low, highGrade: G05, level: 'elementary' });
    }
    spans.push({ name: `${townName} Middle School`, lowGrade: G06, highGrade: G08, level: 'middle' });
    spans.push({ name: `${townName} High School`, lowGrade: G09, highGrade: G12, level: 'high' });
  }
  const numbers = distinctInts(rng, spans.length, 1, 2999).sort((a, b) => a - b);
  return spans.map((span, i) => ({
    ...span,
    // Local SIS school numbers keep a leading zero ('0010', '0120'), another trap for spreadsheets.
    schoolId: String((i + 1) * 10 + (span.level === 'elementary' ? 0 : 100)).padStart(4, '0'),
    ncesId: `${leaid}${String(numbers[i]).padStart(5, '0')}`,
  }));
}

/** The school serving `gradeIndex` for a household zoned to elementary school `zone`. */
export function schoolForGrade(schools: readonly SchoolPlan[], gradeIndex: number, zone: number): SchoolPlan {
  const elementary = schools.filter((s) => s.level === 'elementary');
  if (elementary.length > 1 && gradeIndex <= G05) return elementary[zone % elementary.length];
  const school = schools.find((s) => gradeIndex >= s.lowGrade && gradeIndex <= s.highGrade);
  if (!school) throw new RangeError(`no school serves grade index ${gradeIndex}`);
  return school;
}

export const GRADE_INDEX = { PK, KG, G05, G06, G08, G09, G12 } as const;
