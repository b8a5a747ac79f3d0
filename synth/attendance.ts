import type { Rng } from './random.ts';
import type { SchoolCalendar, Student, StudentAttendance } from './types.ts';

/** The attendance categories Pilot imports. */
export type AttendanceCategory =
  'present' | 'excused' | 'unexcused' | 'tardy' | 'early_departure' | 'partial';

/** A district SIS's raw attendance codes, kept in `sis_code` as real exports do. */
export interface SisCodes {
  present: string;
  excused: string;
  unexcused: string;
  tardy: string;
  early_departure: string;
  partial: string;
  oss: string;
  iss: string;
}

/** Two vocabularies, in the manner of the two SIS families most rural districts run. */
export const SIS_CODE_SETS: readonly SisCodes[] = [
  {
    present: 'P',
    excused: 'AE',
    unexcused: 'AU',
    tardy: 'T',
    early_departure: 'ED',
    partial: 'HD',
    oss: 'OSS',
    iss: 'ISS',
  },
  {
    present: 'PRS',
    excused: 'EXC',
    unexcused: 'UNX',
    tardy: 'TDY',
    early_departure: 'ERL',
    partial: 'PAR',
    oss: 'SUS',
    iss: 'ISC',
  },
];

/** Probability of an early departure on a day the student attends. */
const EARLY_DEPARTURE = 0.008;
/** Probability of missing today when yesterday was missed (illness runs over several days). */
const SPELL_CONTINUATION = 0.35;
/** Share of absences recorded as partial days (absent_fraction 0.5). */
const PARTIAL_SHARE = 0.12;

/** The row tails `,category,absent_fraction,suspension,sis_code\n`, built once per district. */
export interface RowTails {
  present: string;
  excused: string;
  unexcused: string;
  partial: string;
  tardy: string;
  early_departure: string;
  oss: string;
  iss: string;
}

export function rowTails(codes: SisCodes): RowTails {
  return {
    present: `,present,0,,${codes.present}\n`,
    excused: `,excused,1,,${codes.excused}\n`,
    unexcused: `,unexcused,1,,${codes.unexcused}\n`,
    partial: `,partial,0.5,,${codes.partial}\n`,
    tardy: `,tardy,0,,${codes.tardy}\n`,
    early_departure: `,early_departure,0,,${codes.early_departure}\n`,
    // Out-of-school suspension is an absence (excused in the SIS); in-school suspension is presence.
    oss: `,excused,1,oss,${codes.oss}\n`,
    iss: `,present,0,iss,${codes.iss}\n`,
  };
}

/**
 * One student's daily attendance over the instructional days of their enrollment windows, as CSV
 * rows `student_id,date,category,absent_fraction,suspension,sis_code`. Each day: a suspension
 * (1–3 days, out of school or in school) with the student's small suspension risk; otherwise an
 * absence with the student's daily probability times the day's seasonal factor (or
 * SPELL_CONTINUATION after an absence), split into partial, unexcused and excused; otherwise a tardy,
 * an early departure, or a plain present. With `exceptionsOnly`, present days (in-school
 * suspensions included) are not written, as exception-based SIS feeds do.
 *
 * Absence days count absent fractions (1, or 0.5 for a partial day); enrolled days count the
 * instructional days in the windows.
 */
export function studentAttendance(
  student: Student,
  calendar: SchoolCalendar,
  tails: RowTails,
  exceptionsOnly: boolean,
  rng: Rng,
): StudentAttendance {
  const prefix = `${student.studentId},`;
  const { days, instructional } = calendar;
  const lines: string[] = [];
  let enrolledDays = 0;
  let absenceDays = 0;
  let missedYesterday = false;
  let suspensionLeft = 0;
  let suspensionTail = tails.oss;
  for (const window of student.windows) {
    const exit = window.exit ?? instructional.length - 1;
    for (let k = window.entry; k <= exit; k++) {
      const day = days[instructional[k]];
      enrolledDays += 1;
      let tail: string;
      const u = rng();
      if (suspensionLeft > 0 || u < student.suspensionProbability) {
        if (suspensionLeft === 0) {
          suspensionLeft = 1 + Math.floor(rng() * 3);
          suspensionTail = rng() < 0.5 ? tails.oss : tails.iss;
        }
        suspensionLeft -= 1;
        tail = suspensionTail;
      } else {
        const v = (u - student.suspensionProbability) / (1 - student.suspensionProbability);
        const pAbsent = missedYesterday
          ? SPELL_CONTINUATION
          : Math.min(0.95, student.absenceProbability * day.absenceFactor);
        if (v < pAbsent) {
          const w = rng();
          tail =
            w < PARTIAL_SHARE
              ? tails.partial
              : w < PARTIAL_SHARE + (1 - PARTIAL_SHARE) * student.unexcusedShare
                ? tails.unexcused
                : tails.excused;
        } else if (v < pAbsent + student.tardyProbability) tail = tails.tardy;
        else if (v < pAbsent + student.tardyProbability + EARLY_DEPARTURE) tail = tails.early_departure;
        else tail = tails.present;
      }
      const fraction =
        tail === tails.partial
          ? 0.5
          : tail === tails.excused || tail === tails.unexcused || tail === tails.oss
            ? 1
            : 0;
      absenceDays += fraction;
      missedYesterday = fraction === 1;
      if (exceptionsOnly && (tail === tails.present || tail === tails.iss)) continue;
      lines.push(prefix + day.date + tail);
    }
    missedYesterday = false;
  }
  return { csv: lines.join(''), rows: lines.length, enrolledDays, absenceDays };
}
