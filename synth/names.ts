/**
 * Short word lists from which every synthetic name is assembled. The combinations
 * ("Wrenfield", "Pebbleton Elementary") are plainly invented, so no output can be mistaken for a
 * real person or place.
 */
export const FIRST_NAMES_F = [
  'Ava',
  'Bella',
  'Clara',
  'Daisy',
  'Elena',
  'Fiona',
  'Grace',
  'Hazel',
  'Iris',
  'June',
  'Lucia',
  'Maya',
  'Nora',
  'Olive',
  'Paula',
  'Rosa',
  'Sofia',
  'Tessa',
  'Vera',
  'Willa',
] as const;

export const FIRST_NAMES_M = [
  'Aaron',
  'Ben',
  'Caleb',
  'Diego',
  'Eli',
  'Finn',
  'Gabe',
  'Hugo',
  'Ivan',
  'Jonah',
  'Kai',
  'Leo',
  'Mateo',
  'Noah',
  'Owen',
  'Pablo',
  'Reid',
  'Sam',
  'Theo',
  'Wade',
] as const;

const SURNAME_HEADS = [
  'Ash',
  'Birch',
  'Cobble',
  'Dun',
  'Elm',
  'Fern',
  'Glen',
  'Hollow',
  'Juniper',
  'Kettle',
  'Lark',
  'Marsh',
  'North',
  'Oak',
  'Pebble',
  'Quill',
  'Reed',
  'Sorrel',
  'Thistle',
  'Wren',
] as const;
const SURNAME_TAILS = ['by', 'field', 'ford', 'ham', 'ley', 'more', 'ridge', 'ton', 'wood', 'well'] as const;
const SPANISH_HEADS = ['Al', 'Bel', 'Cas', 'Del', 'Es', 'Fuen', 'Mon', 'Ria', 'Sol', 'Val'] as const;
const SPANISH_TAILS = [
  'bosque',
  'cerro',
  'lago',
  'monte',
  'prado',
  'rio',
  'roble',
  'sierra',
  'valle',
  'viento',
] as const;

/** Surnames, built from two independent draws of head and tail. */
export const SURNAMES = { heads: SURNAME_HEADS, tails: SURNAME_TAILS } as const;
export const SPANISH_SURNAMES = { heads: SPANISH_HEADS, tails: SPANISH_TAILS } as const;

export const PLACE_HEADS = [
  'Cedar',
  'Pine',
  'Willow',
  'Elk',
  'Bear',
  'Clear',
  'Stone',
  'Maple',
  'Red',
  'Oak',
  'Prairie',
  'Walnut',
  'Fox',
  'Deer',
  'Eagle',
  'Spring',
  'Rock',
  'Cotton',
  'Silver',
  'Iron',
  'Hawk',
  'Mill',
  'Sand',
  'Bluff',
  'Crow',
] as const;
export const PLACE_TAILS = [
  'Creek',
  'Valley',
  'Ridge',
  'Hollow',
  'Falls',
  'Grove',
  'Bend',
  'Springs',
  'Run',
  'Point',
  'Flats',
  'Hill',
  'Lake',
  'Fork',
  'Gap',
  'Mesa',
] as const;

export const EMAIL_TAGS = ['home', 'mail', 'family', 'farm', 'ranch', 'post'] as const;
