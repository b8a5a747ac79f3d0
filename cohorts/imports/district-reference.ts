/**
 * What an import of one district checks rows against: its schools, students, enrollment windows and
 * calendars as they stand in the database at the start of the import's transaction.
 */
export interface StudentRef {
  id: number;
  schoolId: number;
  householdKey: string;
}

export interface EnrollmentWindow {
  schoolId: number;
  entry: string;
  /** Last enrolled day (inclusive), or null while enrolled. */
  exit: string | null;
}

export interface CalendarRef {
  instructional: boolean;
  fraction: number;
}

export interface DistrictReference {
  leaid: string;
  schools: Map<string, number>;
  students: Map<string, StudentRef>;
  enrollments: Map<number, EnrollmentWindow[]>;
  calendars: Map<number, Map<string, CalendarRef>>;
}

export function emptyReference(leaid: string): DistrictReference {
  return { leaid, schools: new Map(), students: new Map(), enrollments: new Map(), calendars: new Map() };
}

/** The enrollment window holding date (ISO strings compare as dates), or null. */
export function windowOn(
  windows: readonly EnrollmentWindow[] | undefined,
  date: string,
): EnrollmentWindow | null {
  if (!windows) return null;
  for (const w of windows) if (w.entry <= date && (w.exit === null || date <= w.exit)) return w;
  return null;
}

/**
 * Explains an unknown student id: when the district's ids carry leading zeros and a zero-padded form
 * of this one exists, the spreadsheet probably stripped them.
 */
export function unknownStudentReason(sisId: string, students: Map<string, StudentRef>): string {
  if (/^\d+$/.test(sisId)) {
    for (let width = sisId.length + 1; width <= sisId.length + 4; width++) {
      const padded = sisId.padStart(width, '0');
      if (students.has(padded)) {
        return `student ${sisId} is not on the roster, but ${padded} is: were leading zeros stripped (e.g. by Excel)?`;
      }
    }
  }
  return `student ${sisId} is not on this district's roster (import the roster first)`;
}
