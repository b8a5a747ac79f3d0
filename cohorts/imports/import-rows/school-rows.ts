import { FORMATS, optionalColumns } from '../import-formats.ts';
import { normalizeLocalId, normalizeNcesSchoolId } from '../normalize/identifiers.ts';
import type { DistrictReference } from '../district-reference.ts';
import { BAD, cell, take, takeOptional, type RowReader } from './row-reader.ts';

/** `schools.csv`: school_id,nces_id,name — for districts whose roster is a plain students.csv. */
export function schoolRows(ref: DistrictReference): RowReader {
  return {
    kind: 'schools',
    required: FORMATS.schools.required,
    optional: optionalColumns(FORMATS.schools),
    stageColumns: [
      ['school_key', 'text'],
      ['nces_id', 'text'],
      ['name', 'text'],
    ],
    read(rec, h, sink) {
      const key = take(normalizeLocalId(cell(rec, h, 'school_id'), 'school_id'), rec, 'school_id', sink);
      const nces = takeOptional((raw) => normalizeNcesSchoolId(raw, ref.leaid), rec, h, 'nces_id', sink);
      const name = cell(rec, h, 'name').trim();
      if (name === '') sink.problem(rec.line, 'name', 'school name is empty');
      if (key === BAD || nces === BAD || name === '') return null;
      return [key, nces, name];
    },
  };
}
