import { quote, type FieldResult } from './field-result.ts';

/**
 * CEDS Entry Grade Level codes (element 000100), as OneRoster and Ed-Fi write them: zero-padded
 * strings. IT infant/toddler, PR preschool, PK prekindergarten, TK transitional kindergarten,
 * KG kindergarten, 01–12, 13 (grade 13), PS postsecondary, UG ungraded, Other.
 */
export const CEDS_GRADES = [
  'IT',
  'PR',
  'PK',
  'TK',
  'KG',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '07',
  '08',
  '09',
  '10',
  '11',
  '12',
  '13',
  'PS',
  'UG',
  'Other',
] as const;
export type CedsGrade = (typeof CEDS_GRADES)[number];

/** The grades Pilot enrolls students in. */
export const STUDENT_GRADES = [
  'PK',
  'KG',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '07',
  '08',
  '09',
  '10',
  '11',
  '12',
] as const;
export type StudentGrade = (typeof STUDENT_GRADES)[number];

const CEDS_SET: ReadonlySet<string> = new Set(CEDS_GRADES);
const STUDENT_SET: ReadonlySet<string> = new Set(STUDENT_GRADES);

const ORDINAL_WORDS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  thirteenth: 13,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
};

/** Spellings of the non-numbered grades, after lower-casing and removing spaces, dots and dashes. */
const NAMED_GRADES: Record<string, { code: CedsGrade; why: string }> = {
  k: { code: 'KG', why: 'kindergarten' },
  kg: { code: 'KG', why: 'kindergarten' },
  kdg: { code: 'KG', why: 'kindergarten' },
  kinder: { code: 'KG', why: 'kindergarten' },
  kindergarten: { code: 'KG', why: 'kindergarten' },
  '0': { code: 'KG', why: 'grade 0 is kindergarten in PowerSchool-style exports' },
  '00': { code: 'KG', why: 'grade 00 is kindergarten in PowerSchool-style exports' },
  pk: { code: 'PK', why: 'prekindergarten' },
  prek: { code: 'PK', why: 'prekindergarten' },
  prekindergarten: { code: 'PK', why: 'prekindergarten' },
  pk3: { code: 'PK', why: 'prekindergarten (age 3)' },
  pk4: { code: 'PK', why: 'prekindergarten (age 4)' },
  '-1': { code: 'PK', why: 'grade -1 is prekindergarten in PowerSchool-style exports' },
  tk: { code: 'TK', why: 'transitional kindergarten' },
  transitionalkindergarten: { code: 'TK', why: 'transitional kindergarten' },
  ug: { code: 'UG', why: 'ungraded' },
  ungraded: { code: 'UG', why: 'ungraded' },
  ps: { code: 'PS', why: 'postsecondary' },
  it: { code: 'IT', why: 'infant/toddler' },
  pr: { code: 'PR', why: 'preschool' },
  preschool: { code: 'PR', why: 'preschool' },
  other: { code: 'Other', why: 'other' },
};

/**
 * Normalize a grade to a CEDS Entry Grade Level code.
 *
 * Exact CEDS codes pass unchanged. Common spellings are normalized with a note: `K`, `k`,
 * `Kindergarten`, `0`, `00` → `KG`; `Pre-K`, `PK4`, `-1` → `PK`; `7` → `07`; `1st`, `First`,
 * `Grade 3`, `Gr. 3`, `3rd grade` → `01`/`03`. Anything else is a reason naming the accepted codes.
 *
 * @example normalizeGrade('7') // { ok: true, value: '07', note: "grade '7' read as '07'" }
 */
export function normalizeGrade(raw: string): FieldResult<CedsGrade> {
  if (CEDS_SET.has(raw)) return { ok: true, value: raw as CedsGrade };
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, reason: 'grade is empty' };
  const found = interpretGrade(trimmed);
  if (found === null) {
    return {
      ok: false,
      reason: `grade ${quote(raw)} is not a grade level; use a CEDS code: PK, KG, 01–12 (also IT, PR, TK, 13, PS, UG)`,
    };
  }
  const why = found.why && /\d/.test(trimmed) ? ` (${found.why})` : '';
  return { ok: true, value: found.code, note: `grade ${quote(raw)} read as '${found.code}'${why}` };
}

/**
 * Normalize a student's grade to one Pilot enrolls: PK, KG or 01–12. Other CEDS codes (TK, 13,
 * UG, ...) are valid CEDS but refused with a reason that says so.
 *
 * @example normalizeStudentGrade('TK').ok // false
 */
export function normalizeStudentGrade(raw: string): FieldResult<StudentGrade> {
  const result = normalizeGrade(raw);
  if (!result.ok) return result;
  if (STUDENT_SET.has(result.value)) return result as FieldResult<StudentGrade>;
  return {
    ok: false,
    reason: `grade ${quote(raw)} (CEDS '${result.value}') is not a grade Pilot enrolls; students must be in PK, KG or 01–12`,
  };
}

function interpretGrade(trimmed: string): { code: CedsGrade; why?: string } | null {
  const upper = trimmed.toUpperCase();
  if (CEDS_SET.has(upper)) return { code: upper as CedsGrade };
  const literal = NAMED_GRADES[trimmed.toLowerCase()];
  if (literal) return literal;
  // Prefix/suffix words: "grade 3", "gr 3", "grd 3", "3rd grade", "grade 03", "Pre-K".
  const words = trimmed
    .toLowerCase()
    .replace(/[\s.\-_]+/g, ' ')
    .trim();
  const s = words.replace(/^(grade|grd|gr|g) ?/, '').replace(/ ?grade$/, '');
  const compact = s.replace(/ /g, '');
  const named = NAMED_GRADES[compact];
  if (named) return named;
  const number = gradeNumber(compact);
  if (number === null || number < 1 || number > 13) return null;
  return { code: String(number).padStart(2, '0') as CedsGrade };
}

/** "7", "07", "1st", "2nd", "3rd", "12th", "first", "twelfth" → the number; otherwise null. */
function gradeNumber(s: string): number | null {
  const word = ORDINAL_WORDS[s];
  if (word !== undefined) return word;
  const m = /^(\d{1,2})(st|nd|rd|th)?$/.exec(s);
  if (!m) return null;
  return Number(m[1]);
}
