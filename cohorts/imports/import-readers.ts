import type { DistrictReference } from './district-reference.ts';
import type { ImportRequest } from './import-request.ts';
import { attendanceDailyRows } from './import-rows/attendance-daily-rows.ts';
import { attendanceMonthlyRows } from './import-rows/attendance-monthly-rows.ts';
import { calendarRows } from './import-rows/calendar-rows.ts';
import { contactRows } from './import-rows/contact-rows.ts';
import { enrollmentRows } from './import-rows/enrollment-rows.ts';
import type { ImportKind, RowReader } from './import-rows/row-reader.ts';
import { schoolRows } from './import-rows/school-rows.ts';
import { studentRows } from './import-rows/student-rows.ts';

/** The row reader of each kind of file, checking rows against the district's reference data. */
export function readerFor(kind: ImportKind, ref: DistrictReference, req: ImportRequest): RowReader {
  switch (kind) {
    case 'schools':
      return schoolRows(ref);
    case 'roster':
      return studentRows(ref);
    case 'contacts':
      return contactRows(ref);
    case 'calendar':
      return calendarRows(ref);
    case 'enrollment':
      return enrollmentRows(ref);
    case 'attendance_daily':
      return attendanceDailyRows(ref, { exceptions: req.exceptions ?? false });
    case 'attendance_monthly':
      return attendanceMonthlyRows(ref);
  }
}

/** Which reference data each kind's rows are checked against. */
export const NEEDS: Record<ImportKind, { students?: boolean; enrollments?: boolean; calendars?: boolean }> = {
  schools: {},
  roster: {},
  contacts: { students: true },
  calendar: {},
  enrollment: { students: true },
  attendance_daily: { students: true, enrollments: true, calendars: true },
  attendance_monthly: { students: true, calendars: true },
};
