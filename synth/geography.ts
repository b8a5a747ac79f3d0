import type { RaceCode } from './types.ts';

/**
 * States with many rural districts, with their two-digit FIPS codes (the first two digits of every
 * NCES LEAID), a few of their real area codes (phone numbers use the fictional 555-01xx block), the
 * usual suffix of a district's name there, and a race/ethnicity profile for rural districts.
 */
export interface StateInfo {
  abbr: string;
  fips: string;
  areaCodes: readonly number[];
  districtSuffix: string;
  profile: RaceProfile;
}

export type RaceProfile = 'plains' | 'south' | 'southwest' | 'native' | 'appalachia' | 'northeast' | 'west';

/** Weights over RACE_CODES order: AM7, AS7, BL7, HI7, PI7, WH7, MU7 (percent of rural enrollment). */
export const RACE_PROFILES: Record<RaceProfile, readonly number[]> = {
  plains: [1, 0.5, 1, 9, 0.1, 85, 3.4],
  south: [0.5, 0.5, 30, 6, 0.1, 60, 3],
  southwest: [8, 0.5, 1.5, 50, 0.2, 37, 3],
  native: [40, 0.3, 0.5, 6, 0.2, 49, 4],
  appalachia: [0.3, 0.3, 2, 2, 0.1, 93, 2.3],
  northeast: [0.5, 1, 2, 5, 0.1, 88, 3.4],
  west: [3, 1.5, 1, 25, 0.5, 65, 4],
};

export const RACE_ORDER: readonly RaceCode[] = ['AM7', 'AS7', 'BL7', 'HI7', 'PI7', 'WH7', 'MU7'];

export const STATES: readonly StateInfo[] = [
  { abbr: 'AL', fips: '01', areaCodes: [205, 256, 334], districtSuffix: 'County Schools', profile: 'south' },
  {
    abbr: 'AZ',
    fips: '04',
    areaCodes: [520, 928],
    districtSuffix: 'Unified School District',
    profile: 'southwest',
  },
  { abbr: 'AR', fips: '05', areaCodes: [479, 501, 870], districtSuffix: 'School District', profile: 'south' },
  {
    abbr: 'CA',
    fips: '06',
    areaCodes: [530, 559, 760],
    districtSuffix: 'Unified School District',
    profile: 'west',
  },
  { abbr: 'CO', fips: '08', areaCodes: [719, 970], districtSuffix: 'School District', profile: 'west' },
  {
    abbr: 'GA',
    fips: '13',
    areaCodes: [229, 478, 706, 912],
    districtSuffix: 'County Schools',
    profile: 'south',
  },
  { abbr: 'ID', fips: '16', areaCodes: [208], districtSuffix: 'School District', profile: 'west' },
  {
    abbr: 'IA',
    fips: '19',
    areaCodes: [319, 563, 641, 712],
    districtSuffix: 'Community School District',
    profile: 'plains',
  },
  {
    abbr: 'KS',
    fips: '20',
    areaCodes: [620, 785],
    districtSuffix: 'Unified School District',
    profile: 'plains',
  },
  { abbr: 'KY', fips: '21', areaCodes: [270, 606], districtSuffix: 'County Schools', profile: 'appalachia' },
  { abbr: 'ME', fips: '23', areaCodes: [207], districtSuffix: 'School Department', profile: 'northeast' },
  { abbr: 'MI', fips: '26', areaCodes: [231, 906, 989], districtSuffix: 'Area Schools', profile: 'plains' },
  { abbr: 'MN', fips: '27', areaCodes: [218, 320, 507], districtSuffix: 'Public Schools', profile: 'plains' },
  { abbr: 'MS', fips: '28', areaCodes: [601, 662], districtSuffix: 'School District', profile: 'south' },
  {
    abbr: 'MO',
    fips: '29',
    areaCodes: [417, 573, 660],
    districtSuffix: 'R-II School District',
    profile: 'plains',
  },
  { abbr: 'MT', fips: '30', areaCodes: [406], districtSuffix: 'Public Schools', profile: 'native' },
  { abbr: 'NE', fips: '31', areaCodes: [308, 402], districtSuffix: 'Public Schools', profile: 'plains' },
  {
    abbr: 'NM',
    fips: '35',
    areaCodes: [505, 575],
    districtSuffix: 'Municipal Schools',
    profile: 'southwest',
  },
  {
    abbr: 'NY',
    fips: '36',
    areaCodes: [315, 518, 607],
    districtSuffix: 'Central School District',
    profile: 'northeast',
  },
  {
    abbr: 'NC',
    fips: '37',
    areaCodes: [252, 336, 828, 910],
    districtSuffix: 'County Schools',
    profile: 'south',
  },
  { abbr: 'ND', fips: '38', areaCodes: [701], districtSuffix: 'Public School District', profile: 'plains' },
  {
    abbr: 'OH',
    fips: '39',
    areaCodes: [419, 740],
    districtSuffix: 'Local School District',
    profile: 'appalachia',
  },
  { abbr: 'OK', fips: '40', areaCodes: [405, 580, 918], districtSuffix: 'Public Schools', profile: 'native' },
  { abbr: 'OR', fips: '41', areaCodes: [541], districtSuffix: 'School District', profile: 'west' },
  {
    abbr: 'PA',
    fips: '42',
    areaCodes: [570, 717, 814],
    districtSuffix: 'Area School District',
    profile: 'appalachia',
  },
  { abbr: 'SD', fips: '46', areaCodes: [605], districtSuffix: 'School District', profile: 'native' },
  {
    abbr: 'TN',
    fips: '47',
    areaCodes: [423, 731, 931],
    districtSuffix: 'County Schools',
    profile: 'appalachia',
  },
  {
    abbr: 'TX',
    fips: '48',
    areaCodes: [325, 806, 830, 903, 936],
    districtSuffix: 'Independent School District',
    profile: 'southwest',
  },
  { abbr: 'VT', fips: '50', areaCodes: [802], districtSuffix: 'School District', profile: 'northeast' },
  { abbr: 'WV', fips: '54', areaCodes: [304, 681], districtSuffix: 'County Schools', profile: 'appalachia' },
  { abbr: 'WI', fips: '55', areaCodes: [715, 920], districtSuffix: 'School District', profile: 'plains' },
  { abbr: 'WY', fips: '56', areaCodes: [307], districtSuffix: 'County School District', profile: 'west' },
];

/** States whose FIPS code starts with 0, so an importer that drops leading zeros gets caught. */
export const LEADING_ZERO_STATES: readonly StateInfo[] = STATES.filter((s) => s.fips.startsWith('0'));

export function stateByAbbr(abbr: string): StateInfo {
  const state = STATES.find((s) => s.abbr === abbr);
  if (!state) throw new RangeError(`unknown state ${abbr}`);
  return state;
}

/** NCES locale codes: rural fringe/distant/remote, and the town codes a few study districts carry. */
export const RURAL_LOCALES = [41, 42, 43] as const;
export const RURAL_LOCALE_WEIGHTS = [0.3, 0.4, 0.3] as const;
export const TOWN_LOCALES = [31, 32, 33] as const;
export const TOWN_LOCALE_WEIGHTS = [0.2, 0.4, 0.4] as const;
