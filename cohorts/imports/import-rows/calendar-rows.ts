import { FORMATS, optionalColumns } from '../import-formats.ts';
import { parseBoolean, parseFraction, parseIsoDate } from '../normalize/values.ts';
import type { DistrictReference } from '../district-reference.ts';
import { lookupSchool } from './lookups.ts';
import { BAD, cell, take, takeOptional, type RowReader } from './row-reader.ts';

/** `calendar.csv`: school_id,date,instructional,day_fraction (fraction defaults to 1 or 0). */
export function calendarRows(ref: DistrictReference): RowReader {
  return {
    kind: 'calendar',
    required: FORMATS.calendar.required,
    optional: optionalColumns(FORMATS.calendar),
    stageColumns: [
      ['school_id', 'integer'],
      ['date', 'date'],
      ['instructional', 'boolean'],
      ['day_fraction', 'real'],
    ],
    read(rec, h, sink) {
      const schoolId = lookupSchool(ref, rec, h, sink);
      const date = take(parseIsoDate(cell(rec, h, 'date')), rec, 'date', sink);
      const instructional = take(parseBoolean(cell(rec, h, 'instructional')), rec, 'instructional', sink);
      const fraction = takeOptional(parseFraction, rec, h, 'day_fraction', sink);
      if (instructional === false && fraction !== null && fraction !== BAD && fraction > 0) {
        sink.problem(
          rec.line,
          'day_fraction',
          `a non-instructional day cannot have day_fraction ${fraction}`,
        );
        return null;
      }
      if (instructional === true && fraction === 0) {
        sink.problem(rec.line, 'day_fraction', 'an instructional day needs day_fraction above 0');
        return null;
      }
      if (instructional === true && date !== BAD) {
        const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
        if (dow === 0 || dow === 6) sink.warn('instructional day on a weekend', rec.line);
      }
      if ([schoolId, date, instructional, fraction].includes(BAD)) return null;
      return [schoolId, date, instructional, fraction ?? (instructional ? 1 : 0)] as (
        string | number | boolean
      )[];
    },
  };
}
