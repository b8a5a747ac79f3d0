import type { CsvRecord } from '../csv/csv-reader.ts';
import type { BoundHeader, ProblemSink } from '../cohorts/imports/import-problems.ts';
import { cell } from '../cohorts/imports/import-rows/row-reader.ts';
import { quote } from '../cohorts/imports/normalize/field-result.ts';
import { isIsoDate } from '../cohorts/imports/normalize/values.ts';

export const VISIT_COLUMNS = {
  required: ['student_id', 'visit_date', 'modality', 'personnel'],
  optional: ['barriers'],
} as const;

/**
 * The published vocabulary of barriers to attendance a home visitor records (after LEAP's visit
 * logs and Attendance Works' barrier categories). `other` is for anything else.
 */
export const BARRIERS = [
  'transportation',
  'health',
  'mental_health',
  'housing',
  'food',
  'family_responsibilities',
  'childcare',
  'work',
  'school_climate',
  'bullying',
  'academic',
  'disengagement',
  'language',
  'other',
] as const;

const MODALITIES: Record<string, 'in_person' | 'virtual' | 'phone'> = {
  in_person: 'in_person',
  'in-person': 'in_person',
  'in person': 'in_person',
  home: 'in_person',
  virtual: 'virtual',
  video: 'virtual',
  zoom: 'virtual',
  phone: 'phone',
  telephone: 'phone',
};

export interface VisitRow {
  line: number;
  studentId: number;
  date: string;
  modality: 'in_person' | 'virtual' | 'phone';
  personnel: 'school' | 'community';
  barriers: string[];
}

/** Reads one visits.csv record against the district's students (sis id → id). */
export function readVisit(
  rec: CsvRecord,
  h: BoundHeader,
  sink: ProblemSink,
  students: ReadonlyMap<string, number>,
): VisitRow | null {
  let ok = true;
  const sis = cell(rec, h, 'student_id').trim();
  const studentId = students.get(sis);
  if (studentId === undefined) {
    sink.problem(
      rec.line,
      'student_id',
      sis === '' ? 'student_id is empty' : `student ${quote(sis)} is not on the district's roster`,
    );
    ok = false;
  }
  const date = cell(rec, h, 'visit_date').trim();
  if (!isIsoDate(date)) {
    sink.problem(rec.line, 'visit_date', `visit_date ${quote(date)} is not a date YYYY-MM-DD`);
    ok = false;
  }
  const mRaw = cell(rec, h, 'modality');
  const modality = MODALITIES[mRaw.trim().toLowerCase()];
  if (!modality) {
    sink.problem(rec.line, 'modality', `modality ${quote(mRaw)} is not in_person, virtual or phone`);
    ok = false;
  } else if (modality !== mRaw) sink.warn(`modality ${quote(mRaw)} read as ${modality}`, rec.line);
  const pRaw = cell(rec, h, 'personnel').trim().toLowerCase();
  if (pRaw !== 'school' && pRaw !== 'community') {
    sink.problem(
      rec.line,
      'personnel',
      `personnel ${quote(cell(rec, h, 'personnel'))} is not school or community`,
    );
    ok = false;
  }
  const barriers: string[] = [];
  for (const part of cell(rec, h, 'barriers').split(';')) {
    const b = part
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    if (b === '') continue;
    if (!(BARRIERS as readonly string[]).includes(b)) {
      sink.problem(
        rec.line,
        'barriers',
        `barrier ${quote(part.trim())} is not in the vocabulary (${BARRIERS.join(', ')})`,
      );
      ok = false;
    } else if (!barriers.includes(b)) barriers.push(b);
  }
  if (!ok) return null;
  return {
    line: rec.line,
    studentId: studentId!,
    date,
    modality,
    personnel: pRaw as 'school' | 'community',
    barriers,
  };
}
