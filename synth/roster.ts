import { drawPriorYearRate, drawPropensity, HOUSEHOLD_SD } from './absence-propensity.ts';
import {
  drawCaregivers,
  drawOptOut,
  fictionalEmail,
  fictionalPhone,
  OTHER_LANGUAGES,
  spellLanguage,
} from './caregivers.ts';
import { arrivedLate, drawWindows } from './enrollment-windows.ts';
import { RACE_ORDER, RACE_PROFILES, stateByAbbr } from './geography.ts';
import { birthDateFor, drawSiblingCount, drawSiblingGrades } from './households.ts';
import { FIRST_NAMES_F, FIRST_NAMES_M, SPANISH_SURNAMES, SURNAMES } from './names.ts';
import { opaqueId } from './opaque-id.ts';
import { pick, pickWeighted, shuffled, standardNormal, uniformInt, type Rng } from './random.ts';
import { schoolForGrade } from './school-layout.ts';
import {
  GRADES,
  type Contact,
  type DistrictPlan,
  type RaceCode,
  type Roster,
  type Student,
} from './types.ts';

function surname(rng: Rng, spanish: boolean): string {
  const list = spanish ? SPANISH_SURNAMES : SURNAMES;
  return pick(rng, list.heads) + pick(rng, list.tails);
}

/** The household's home language, given its race/ethnicity and the district's region. */
function homeLanguage(race: RaceCode, profile: string, rng: Rng): string {
  const u = rng();
  if (race === 'HI7' && u < 0.6) return 'es';
  if (race === 'AM7' && profile === 'southwest' && u < 0.12) return 'nv';
  if ((race === 'AS7' && u < 0.5) || u < 0.02) return pick(rng, OTHER_LANGUAGES);
  return 'en';
}

/** SIS numbers: 6 digits with leading zeros in some districts, 7 digits in others; siblings not adjacent. */
function studentNumbers(count: number, rng: Rng): string[] {
  const six = rng() < 0.5;
  let next = six ? uniformInt(rng, 1000, 60000) : uniformInt(rng, 1_000_000, 8_000_000);
  const numbers: string[] = [];
  for (let i = 0; i < count; i++) {
    next += uniformInt(rng, 1, 3);
    numbers.push(String(next).padStart(six ? 6 : 7, '0'));
  }
  return shuffled(rng, numbers);
}

interface DistrictContext {
  plan: DistrictPlan;
  year: number;
  days: number;
  areaCodes: readonly number[];
  profile: string;
  raceWeights: number[];
  frlBase: number;
  zones: number;
}

/** What siblings share: surname, race/ethnicity, home language, income, absence tendency, school zone. */
interface HouseholdTraits {
  householdId: string;
  race: RaceCode;
  spanish: boolean;
  lastName: string;
  language: string;
  lowIncome: boolean;
  householdEffect: number;
  zone: number;
}

function drawHouseholdTraits(ctx: DistrictContext, householdId: string, rng: Rng): HouseholdTraits {
  const race = pickWeighted(rng, RACE_ORDER, ctx.raceWeights);
  const spanish = race === 'HI7';
  return {
    householdId,
    race,
    spanish,
    lastName: surname(rng, spanish),
    language: homeLanguage(race, ctx.profile, rng),
    lowIncome: rng() < ctx.frlBase + (race === 'WH7' || race === 'AS7' ? 0 : 0.15),
    householdEffect: HOUSEHOLD_SD * standardNormal(rng),
    zone: uniformInt(rng, 0, ctx.zones - 1),
  };
}

function buildStudent(
  ctx: DistrictContext,
  h: HouseholdTraits,
  studentId: string,
  gradeIndex: number,
  rng: Rng,
): Student {
  const sex = rng() < 0.49 ? 'F' : 'M';
  const englishLearner = h.language !== 'en' ? rng() < (gradeIndex <= 6 ? 0.75 : 0.5) : rng() < 0.01;
  const disability = rng() < (sex === 'M' ? 0.19 : 0.11);
  const propensity = drawPropensity(
    {
      gradeIndex,
      lowIncome: h.lowIncome,
      disability,
      englishLearner,
      householdEffect: h.householdEffect,
      districtShift: ctx.plan.absenceShift,
    },
    rng,
  );
  const windows = drawWindows(ctx.days, rng);
  return {
    studentId,
    sourcedId: opaqueId(`${ctx.plan.leaid}:student:${studentId}`),
    schoolId: schoolForGrade(ctx.plan.schools, gradeIndex, h.zone).schoolId,
    grade: GRADES[gradeIndex],
    householdId: h.householdId,
    firstName: pick(rng, sex === 'F' ? FIRST_NAMES_F : FIRST_NAMES_M),
    lastName: h.lastName,
    birthDate: birthDateFor(gradeIndex, ctx.year, rng),
    sex,
    race: h.race,
    englishLearner,
    disability,
    lowIncome: h.lowIncome,
    priorYearAbsenceRate: drawPriorYearRate(propensity.logit, gradeIndex, arrivedLate(windows), rng),
    absenceProbability: propensity.absenceProbability,
    tardyProbability: propensity.tardyProbability,
    unexcusedShare: propensity.unexcusedShare,
    suspensionProbability: propensity.suspensionProbability,
    windows,
  };
}

/** The household's caregivers, listed under its oldest enrolled child; `firstNumber` numbers them. */
function buildContacts(
  ctx: DistrictContext,
  h: HouseholdTraits,
  oldest: Student,
  firstNumber: number,
  rng: Rng,
): Contact[] {
  return drawCaregivers(h.lastName, () => surname(rng, h.spanish), h.language, rng).map((draft, k) => {
    const contactId = `C${firstNumber + k}`;
    const hasPhone = rng() < 0.95;
    const optOut = rng() < 0.03 ? drawOptOut(ctx.year, rng) : null;
    return {
      contactId,
      sourcedId: opaqueId(`${ctx.plan.leaid}:contact:${contactId}`),
      householdId: h.householdId,
      studentId: oldest.studentId,
      relationship: draft.relationship,
      firstName: draft.firstName,
      lastName: draft.lastName,
      phone: hasPhone ? fictionalPhone(ctx.areaCodes, rng) : '',
      email: rng() < 0.8 ? fictionalEmail(draft.firstName, draft.lastName, rng) : '',
      preferredLanguage: spellLanguage(draft.language, rng),
      smsConsent: hasPhone && rng() < 0.8,
      optOutAt: optOut?.at ?? '',
      optOutChannel: optOut?.channel ?? '',
    };
  });
}

/**
 * One district's people: households of one to four enrolled siblings (zoned to one elementary
 * school, so siblings share it and split across levels), their demographics, attendance
 * propensities, enrollment windows, and one or two caregivers each.
 */
export function buildRoster(plan: DistrictPlan, year: number, instructionalDays: number, rng: Rng): Roster {
  const state = stateByAbbr(plan.state);
  const ctx: DistrictContext = {
    plan,
    year,
    days: instructionalDays,
    areaCodes: state.areaCodes,
    profile: state.profile,
    raceWeights: RACE_PROFILES[state.profile].map((w) => w * Math.exp(0.5 * standardNormal(rng))),
    frlBase: 0.4 + 0.25 * rng(),
    zones: Math.max(1, plan.schools.filter((s) => s.level === 'elementary').length),
  };
  const numbers = studentNumbers(plan.studentCount, rng);
  let householdNumber = uniformInt(rng, 10_000, 50_000);
  const contactBase = uniformInt(rng, 100_000, 500_000);
  const roster: Roster = { students: [], households: [], contacts: [] };
  while (roster.students.length < plan.studentCount) {
    householdNumber += uniformInt(rng, 1, 2);
    const h = drawHouseholdTraits(ctx, `HH${householdNumber}`, rng);
    const grades = drawSiblingGrades(
      drawSiblingCount(rng, plan.studentCount - roster.students.length),
      plan.offersPk,
      rng,
    );
    const children = grades.map((g, i) => buildStudent(ctx, h, numbers[roster.students.length + i], g, rng));
    roster.students.push(...children);
    const oldest = children.reduce((a, b) => (GRADES.indexOf(b.grade) > GRADES.indexOf(a.grade) ? b : a));
    const agentSide = pickWeighted(rng, ['student', 'guardian', 'both'] as const, [0.45, 0.45, 0.1]);
    const contacts = buildContacts(ctx, h, oldest, contactBase + roster.contacts.length, rng);
    roster.contacts.push(...contacts);
    roster.households.push({
      householdId: h.householdId,
      studentIds: children.map((c) => c.studentId),
      contactIds: contacts.map((c) => c.contactId),
      agentSide,
    });
  }
  return roster;
}
