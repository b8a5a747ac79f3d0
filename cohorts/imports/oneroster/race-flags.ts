import type { RaceEthnicity } from '../normalize/demographics.ts';

/** The demographics.csv race columns, in spec order, and the code each one reports. */
export const RACE_FLAG_COLUMNS = [
  ['americanIndianOrAlaskaNative', 'AM7'],
  ['asian', 'AS7'],
  ['blackOrAfricanAmerican', 'BL7'],
  ['nativeHawaiianOrOtherPacificIslander', 'PI7'],
  ['white', 'WH7'],
] as const satisfies ReadonlyArray<readonly [string, RaceEthnicity]>;

export interface RaceFlags {
  races: ReadonlyArray<RaceEthnicity>;
  twoOrMore: boolean;
  hispanic: boolean | null;
}

/**
 * One race/ethnicity code from OneRoster's yes/no flags, by the federal seven-category rule
 * (EDFacts RACE7, as in FS195 and CRDC reporting):
 *
 * 1. `hispanicOrLatinoEthnicity` true → HI7, whatever the race flags say;
 * 2. otherwise `demographicRaceTwoOrMoreRaces` true, or two or more race flags true → MU7;
 * 3. otherwise exactly one race flag true → that race;
 * 4. no flag true → null (not reported).
 *
 * @example raceFromFlags({ races: ['WH7', 'AS7'], twoOrMore: false, hispanic: false }) // 'MU7'
 */
export function raceFromFlags(flags: RaceFlags): RaceEthnicity | null {
  if (flags.hispanic === true) return 'HI7';
  if (flags.twoOrMore || flags.races.length >= 2) return 'MU7';
  return flags.races[0] ?? null;
}
