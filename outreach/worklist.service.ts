import { rename, writeFile } from 'node:fs/promises';
import type { Db } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import { requireDistrict } from '../cohorts/study.service.ts';
import { csvText } from './export-csv.ts';
import { formatDays } from './message-values.ts';
import type { HomeVisitsConfig } from './program-config.ts';
import { loadPrograms } from './program.store.ts';
import { isDate, schoolYearStart } from './school-year.ts';
import { lastAttendanceDay, loadWorklistCandidates, type WorklistRow } from './worklist.store.ts';

export const WORKLIST_COLUMNS = [
  'school_id',
  'school_name',
  'student_sis_id',
  'grade',
  'enrolled_days',
  'absence_days',
  'absence_rate',
  'visits',
  'last_visit_date',
] as const;

export interface Worklist {
  leaid: string;
  from: string;
  through: string;
  rows: WorklistRow[];
  text: string;
}

/**
 * `pilot visits worklist`: the chronically absent students (DESIGN §5: at least min_enrolled_days
 * enrolled and absence days / enrolled days ≥ chronic_threshold, school year to date) of the arms with
 * a home_visits program, by school, with their visits so far. `through` defaults to the district's
 * last day of attendance.
 */
export async function visitWorklist(
  db: Db,
  input: { study: string; district: string; through?: string; out?: string },
): Promise<Worklist> {
  const { study, district } = await requireDistrict(db, input.study, input.district);
  const programs = (await loadPrograms(db.kysely, study.id)).filter((p) => p.kind === 'home_visits');
  if (programs.length === 0)
    throw new AppError('CONFLICT', `no arm of study ${study.slug} has a home_visits program`);
  if (input.through !== undefined && !isDate(input.through))
    throw new AppError('BAD_INPUT', `date "${input.through}" must be YYYY-MM-DD`);
  const through = input.through ?? (await lastAttendanceDay(db.kysely, district.id));
  if (through === null)
    throw new AppError('CONFLICT', `district ${district.leaid} has no daily attendance yet`);
  const from = schoolYearStart(through);
  const candidates = await loadWorklistCandidates(
    db.kysely,
    study.id,
    district.id,
    programs.map((p) => p.arm),
    from,
    through,
  );
  const configOf = (c: HomeVisitsConfig) => c;
  // One threshold for the worklist: the most inclusive of the arms' configurations.
  const threshold = Math.min(
    ...programs.map((p) => configOf(p.config as HomeVisitsConfig).chronic_threshold),
  );
  const minDays = Math.min(...programs.map((p) => configOf(p.config as HomeVisitsConfig).min_enrolled_days));
  const rows = candidates.filter(
    (r) => r.enrolledDays >= minDays && r.absenceDays / r.enrolledDays >= threshold,
  );
  const text = csvText(
    WORKLIST_COLUMNS,
    rows.map((r) => [
      r.schoolKey,
      r.schoolName,
      r.sisId,
      r.grade,
      r.enrolledDays,
      formatDays(r.absenceDays),
      (r.absenceDays / r.enrolledDays).toFixed(3),
      r.visits,
      r.lastVisit ?? '',
    ]),
  );
  if (input.out) {
    const tmp = `${input.out}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, text);
      await rename(tmp, input.out);
    } catch (e) {
      throw new AppError('BAD_INPUT', `cannot write ${input.out}: ${(e as Error).message}`);
    }
  }
  return { leaid: district.leaid, from, through, rows, text };
}
