import { parseSex, type RaceEthnicity, type Sex } from '../normalize/demographics.ts';
import { parseBoolean, parseIsoDate } from '../normalize/values.ts';
import type { TableRow } from './csv-table.ts';
import type { ImportLog } from './import-log.ts';
import { RACE_FLAG_COLUMNS, raceFromFlags } from './race-flags.ts';
import type { Students } from './students.ts';
import { openTable, type Table } from './table.ts';
import type { Users } from './users.ts';
import type { ZipEntry } from './zip-entries.ts';

export interface StudentDemographics {
  sex: Sex | null;
  raceEthnicity: RaceEthnicity | null;
  birthDate: string | null;
}

const COLUMNS = [
  { name: 'sourcedId', required: true, aliases: ['userSourcedId'] },
  { name: 'status' },
  { name: 'birthDate', aliases: ['birthdate'] },
  { name: 'sex' },
  ...RACE_FLAG_COLUMNS.map(([name]) => ({ name })),
  { name: 'demographicRaceTwoOrMoreRaces' },
  { name: 'hispanicOrLatinoEthnicity' },
];

/**
 * Read `demographics.csv` (its sourcedId is the user's) for students: sex, birth date and one
 * race/ethnicity code from the flags (see race-flags.ts). Rows of other users are skipped; a row
 * for no user at all is a warning; two rows for one student (counting merged sourcedIds) are a
 * problem. Flags must be "true"/"false" (or empty); 1/0/Y/N are read with a warning.
 */
export function readDemographics(
  entry: ZipEntry,
  users: Users,
  students: Students,
  log: ImportLog,
): Map<string, StudentDemographics> {
  const out = new Map<string, StudentDemographics>();
  const t = openTable(entry, COLUMNS, log);
  if (!t) return out;
  const lineOf = new Map<string, number>();
  for (const r of t.records) {
    const id = t.get(r, 'sourcedId');
    const student = students.primaryOf.get(id);
    if (student === undefined) {
      if (!users.byId.has(id))
        log.warn(
          t.file,
          r.line,
          t.label('sourcedId'),
          `'${id}' is not a user in users.csv; the row is ignored`,
          'demographics-unknown-user',
        );
      continue;
    }
    const earlier = lineOf.get(student);
    if (earlier !== undefined) {
      log.problem(
        t.file,
        r.line,
        t.label('sourcedId'),
        `a second demographics row for student '${student}' (first on line ${earlier})`,
      );
      continue;
    }
    lineOf.set(student, r.line);
    out.set(student, rowDemographics(t, r, log));
  }
  return out;
}

function rowDemographics(t: Table, r: TableRow, log: ImportLog): StudentDemographics {
  let sex: Sex | null = null;
  const rawSex = t.get(r, 'sex');
  if (rawSex !== '') {
    const s = parseSex(rawSex);
    if (s.ok) {
      sex = s.value;
      if (s.note) log.warn(t.file, r.line, t.label('sex'), s.note);
    } else log.problem(t.file, r.line, t.label('sex'), s.reason);
  }
  let birthDate: string | null = null;
  const rawBirth = t.get(r, 'birthDate');
  if (rawBirth !== '') {
    const d = parseIsoDate(rawBirth);
    if (d.ok) birthDate = d.value;
    else log.problem(t.file, r.line, t.label('birthDate'), d.reason);
  }
  const races = RACE_FLAG_COLUMNS.filter(([name]) => flag(t, r, name, log) === true).map(([, code]) => code);
  const twoOrMore = flag(t, r, 'demographicRaceTwoOrMoreRaces', log) === true;
  const hispanic = flag(t, r, 'hispanicOrLatinoEthnicity', log);
  return { sex, birthDate, raceEthnicity: raceFromFlags({ races, twoOrMore, hispanic }) };
}

function flag(t: Table, r: TableRow, name: string, log: ImportLog): boolean | null {
  const raw = t.get(r, name);
  if (raw === 'true') return true;
  if (raw === 'false' || raw === '') return raw === 'false' ? false : null;
  const b = parseBoolean(raw);
  if (!b.ok) {
    log.problem(t.file, r.line, t.label(name), `${b.reason} (OneRoster race flags are "true" or "false")`);
    return null;
  }
  log.warn(
    t.file,
    r.line,
    t.label(name),
    `flag '${raw}' read as ${b.value}; OneRoster writes "true" or "false"`,
    `flag-${raw}`,
  );
  return b.value;
}
