/**
 * A small, hand-written synthetic district (no real people) in Pilot's plain import formats, used by
 * the import integration tests. LEAID 0100005 (Alabama, FIPS 01: the leading zero must survive),
 * school ids and student ids with leading zeros, and values that need normalizing (grade K → KG,
 * 7 → 07, 1st → 01; language Spanish → es; US phone spellings → E.164).
 *
 * Calendar: September–October 2025; weekdays are instructional except Labor Day (2025-09-01, listed as
 * non-instructional), and 2025-10-13 (a holiday, non-instructional); 2025-10-10 is a half day at school
 * 0110. Weekends are not listed.
 */
export const LEAID = '0100005';
export const STATE = 'AL';

export const SCHOOLS_CSV = `school_id,nces_id,name
0110,010000500110,Oak Elementary
0220,010000500220,Pine High
`;

export const STUDENTS_HEADER =
  'student_id,school_id,grade,household_id,sex,race_ethnicity,english_learner,disability,low_income,prior_year_absence_rate';

export const STUDENTS_CSV = `${STUDENTS_HEADER}
000101,0110,K,H01,F,HI7,true,false,true,0.12
000102,0110,03,H01,M,HI7,false,false,true,0.05
000103,0220,7,H02,F,WH7,false,true,false,
000104,0220,1st,H03,M,BL7,false,false,false,0.2
`;

export const CONTACTS_HEADER =
  'contact_id,student_id,household_id,relationship,first_name,last_name,phone,email,preferred_language,sms_consent,opt_out_at,opt_out_channel';

export const CONTACTS_CSV = `${CONTACTS_HEADER}
C1,000101,H01,mother,Ana,Synthetic,(205) 555-0101,ana@example.org,Spanish,true,,
C1,000102,H01,mother,Ana,Synthetic,(205) 555-0101,ana@example.org,Spanish,true,,
C2,000103,H02,guardian,Bo,Example,205.555.0102,,en,false,,
C3,000104,H03,parent,Cy,Testcase,+1 205 555 0103,,,true,2025-09-01,sms
`;

export const ENROLLMENT_CSV = `student_id,school_id,entry_date,exit_date
000101,0110,2025-09-02,
000102,0110,2025-09-02,
000103,0220,2025-09-02,2025-10-15
000104,0220,2025-09-15,
`;

export const HALF_DAY = '2025-10-10';
export const LABOR_DAY = '2025-09-01';

function isoDays(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

function isWeekday(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d !== 0 && d !== 6;
}

/** A weekday without school (listed as non-instructional), inside every enrollment window but 000103's. */
export const HOLIDAY = '2025-10-13';

/** Instructional days of the fixture calendar (the same at both schools). */
export function instructionalDays(): string[] {
  return isoDays('2025-09-02', '2025-10-31').filter((d) => isWeekday(d) && d !== HOLIDAY);
}

export function calendarCsv(): string {
  let out = 'school_id,date,instructional,day_fraction\n';
  for (const school of ['0110', '0220'] as const) {
    out += `${school},${LABOR_DAY},false,0\n${school},${HOLIDAY},false,\n`;
    for (const d of instructionalDays())
      out += `${school},${d},true,${school === '0110' && d === HALF_DAY ? '0.5' : '1'}\n`;
  }
  return out;
}

/** Enrollment windows as written in ENROLLMENT_CSV. */
export const WINDOWS: Record<string, { school: '0110' | '0220'; entry: string; exit: string | null }> = {
  '000101': { school: '0110', entry: '2025-09-02', exit: null },
  '000102': { school: '0110', entry: '2025-09-02', exit: null },
  '000103': { school: '0220', entry: '2025-09-02', exit: '2025-10-15' },
  '000104': { school: '0220', entry: '2025-09-15', exit: null },
};

/** The enrolled instructional days of a student, in order. */
export function enrolledDays(sis: string): string[] {
  const w = WINDOWS[sis];
  return instructionalDays().filter((d) => d >= w.entry && (w.exit === null || d <= w.exit));
}

export interface DailyRow {
  sis: string;
  date: string;
  category: string;
  fraction: number;
  suspension: string;
  code: string;
}

/**
 * A deterministic daily attendance pattern over every enrolled day in [from, to]: most days present,
 * every 7th enrolled day of a student unexcused, every 11th excused, every 13th tardy.
 */
export function dailyRows(from = '2025-09-01', to = '2025-10-31'): DailyRow[] {
  const rows: DailyRow[] = [];
  for (const sis of Object.keys(WINDOWS)) {
    enrolledDays(sis).forEach((date, i) => {
      if (date < from || date > to) return;
      const k = i + Number(sis.slice(-1));
      if (k % 7 === 0)
        rows.push({ sis, date, category: 'unexcused', fraction: 1, suspension: '', code: 'U' });
      else if (k % 11 === 0)
        rows.push({ sis, date, category: 'excused', fraction: 1, suspension: '', code: 'E' });
      else if (k % 13 === 0)
        rows.push({ sis, date, category: 'tardy', fraction: 0, suspension: '', code: 'T' });
      else rows.push({ sis, date, category: 'present', fraction: 0, suspension: '', code: 'P' });
    });
  }
  return rows;
}

export const DAILY_HEADER = 'student_id,date,category,absent_fraction,suspension,sis_code';

export function dailyCsv(rows: DailyRow[]): string {
  return `${DAILY_HEADER}\n${rows.map((r) => `${r.sis},${r.date},${r.category},${r.fraction},${r.suspension},${r.code}`).join('\n')}\n`;
}

export interface MonthlyRow {
  sis: string;
  month: string;
  enrolled: number;
  absent: number;
}

/** Monthly totals implied by the daily pattern (enrolled instructional days, full-day absences). */
export function monthlyRows(): MonthlyRow[] {
  const byKey = new Map<string, MonthlyRow>();
  for (const r of dailyRows()) {
    const key = `${r.sis}|${r.date.slice(0, 7)}`;
    const m = byKey.get(key) ?? { sis: r.sis, month: r.date.slice(0, 7), enrolled: 0, absent: 0 };
    m.enrolled += 1;
    m.absent += r.fraction;
    byKey.set(key, m);
  }
  return [...byKey.values()];
}

export function monthlyCsv(rows: MonthlyRow[]): string {
  return `student_id,month,enrolled_days,absent_days\n${rows.map((r) => `${r.sis},${r.month},${r.enrolled},${r.absent}`).join('\n')}\n`;
}
