import { FORMATS, optionalColumns } from '../import-formats.ts';
import { parseRaceEthnicity, parseSex } from '../normalize/demographics.ts';
import { normalizeStudentGrade } from '../normalize/grade.ts';
import { findStrippedLeadingZeros, normalizeLocalId } from '../normalize/identifiers.ts';
import { parseBoolean, parseFraction } from '../normalize/values.ts';
import type { DistrictReference } from '../district-reference.ts';
import { lookupSchool } from './lookups.ts';
import { BAD, cell, take, takeOptional, type RowReader } from './row-reader.ts';

/**
 * Plain `students.csv`: student_id,school_id,grade,household_id (required), then sex, race_ethnicity,
 * english_learner, disability, low_income, prior_year_absence_rate, state_id (optional).
 */
export function studentRows(ref: DistrictReference): RowReader {
  const ids: string[] = [];
  const lines: number[] = [];
  return {
    kind: 'roster',
    required: FORMATS.students.required,
    optional: optionalColumns(FORMATS.students),
    stageColumns: [
      ['sis_id', 'text'],
      ['state_id', 'text'],
      ['school_id', 'integer'],
      ['grade', 'text'],
      ['household_key', 'text'],
      ['sex', 'text'],
      ['race_ethnicity', 'text'],
      ['english_learner', 'boolean'],
      ['disability', 'boolean'],
      ['low_income', 'boolean'],
      ['prior_year_absence_rate', 'double precision'],
    ],
    read(rec, h, sink) {
      const sis = take(normalizeLocalId(cell(rec, h, 'student_id'), 'student_id'), rec, 'student_id', sink);
      const schoolId = lookupSchool(ref, rec, h, sink);
      const grade = take(normalizeStudentGrade(cell(rec, h, 'grade')), rec, 'grade', sink);
      const household = take(
        normalizeLocalId(cell(rec, h, 'household_id'), 'household_id'),
        rec,
        'household_id',
        sink,
      );
      const sex = takeOptional(parseSex, rec, h, 'sex', sink);
      const race = takeOptional(parseRaceEthnicity, rec, h, 'race_ethnicity', sink);
      const el = takeOptional(parseBoolean, rec, h, 'english_learner', sink);
      const iep = takeOptional(parseBoolean, rec, h, 'disability', sink);
      const frl = takeOptional(parseBoolean, rec, h, 'low_income', sink);
      const prior = takeOptional(parseFraction, rec, h, 'prior_year_absence_rate', sink);
      const stateId = takeOptional((raw) => normalizeLocalId(raw, 'state_id'), rec, h, 'state_id', sink);
      const values = [sis, stateId, schoolId, grade, household, sex, race, el, iep, frl, prior];
      if (values.includes(BAD)) return null;
      ids.push(sis as string);
      lines.push(rec.line);
      return values as (string | number | boolean | null)[];
    },
    finish(sink) {
      for (const s of findStrippedLeadingZeros(ids, 'student_id'))
        sink.problem(lines[s.index], 'student_id', s.reason);
    },
  };
}
