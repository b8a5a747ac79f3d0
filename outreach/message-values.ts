/**
 * The values placed in messages, per language: month names, dates, absence counts and the words
 * used when a name or phone number is unknown. Written out here rather than taken from Intl so every
 * machine renders the same bytes.
 */
const MONTHS: Record<string, string[]> = {
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  es: [
    'enero',
    'febrero',
    'marzo',
    'abril',
    'mayo',
    'junio',
    'julio',
    'agosto',
    'septiembre',
    'octubre',
    'noviembre',
    'diciembre',
  ],
};

const FALLBACKS: Record<string, { caregiver: string; student: string; schoolPhone: string; school: string }> =
  {
    en: { caregiver: 'family', student: 'Your child', schoolPhone: 'the school office', school: 'school' },
    es: {
      caregiver: 'familia',
      student: 'Su hijo(a)',
      schoolPhone: 'la oficina de la escuela',
      school: 'la escuela',
    },
  };

function lang(language: string): string {
  return language in MONTHS ? language : 'en';
}

/** 'YYYY-MM' → 'September' / 'septiembre'. */
export function monthName(month: string, language: string): string {
  return MONTHS[lang(language)][Number(month.slice(5, 7)) - 1];
}

/** 'YYYY-MM-DD' → 'September 8' / '8 de septiembre'. */
export function dayName(date: string, language: string): string {
  const l = lang(language);
  const day = Number(date.slice(8, 10));
  const m = monthName(date.slice(0, 7), l);
  return l === 'es' ? `${day} de ${m}` : `${m} ${day}`;
}

/** Absence days as shown: at most two decimals, no trailing zeros (1, 1.5, 2.33). */
export function formatDays(n: number): string {
  const r = Math.round(n * 100) / 100;
  return String(r === 0 ? 0 : r);
}

export interface MessageFacts {
  caregiverFirstName: string | null;
  studentFirstName: string | null;
  schoolName: string | null;
  schoolPhone: string | null;
  absencesMonth: number;
  absencesYtd: number;
  month: string;
  absenceDate: string | null;
}

/** The placeholder values of one message in one language. */
export function placeholderValues(f: MessageFacts, language: string): Record<string, string> {
  const fb = FALLBACKS[lang(language)];
  return {
    caregiver_first_name: f.caregiverFirstName ?? fb.caregiver,
    student_first_name: f.studentFirstName ?? fb.student,
    absences_month: formatDays(f.absencesMonth),
    absences_ytd: formatDays(f.absencesYtd),
    month_name: monthName(f.month, language),
    school_name: f.schoolName ?? fb.school,
    school_phone: f.schoolPhone ?? fb.schoolPhone,
    absence_date: f.absenceDate ? dayName(f.absenceDate, language) : '',
  };
}
