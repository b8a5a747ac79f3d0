import { smsSegments, type SmsLength } from './sms-segments.ts';

/** What a template is for: the monthly summary, an absence-day alert, a threshold escalation. */
export const TEMPLATE_PURPOSES = ['monthly_summary', 'absence_alert', 'threshold_alert'] as const;
export type TemplatePurpose = (typeof TEMPLATE_PURPOSES)[number];

/** The placeholders a template may use, with the longest value each is expected to take. */
export const PLACEHOLDERS = {
  caregiver_first_name: 'X'.repeat(20),
  student_first_name: 'X'.repeat(20),
  absences_month: '23.5',
  absences_ytd: '123.5',
  month_name: 'septiembre',
  school_name: 'X'.repeat(40),
  school_phone: '(205) 555-0101',
  absence_date: '30 de septiembre',
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

export const DEFAULT_MAX_SEGMENTS = 4;

/** The templates Pilot ships, English and Spanish (version 1 of each study's templates). */
export const SHIPPED_TEMPLATES: Record<TemplatePurpose, Record<'en' | 'es', string>> = {
  monthly_summary: {
    en: 'Hi {{caregiver_first_name}}, {{student_first_name}} missed {{absences_month}} day(s) of school in {{month_name}} and {{absences_ytd}} this school year. Every day counts. Questions? Call {{school_name}} at {{school_phone}}.',
    es: 'Hola {{caregiver_first_name}}: {{student_first_name}} faltó {{absences_month}} día(s) a la escuela en {{month_name}} y {{absences_ytd}} en este año escolar. Cada día cuenta. ¿Preguntas? Llame a {{school_name}} al {{school_phone}}.',
  },
  absence_alert: {
    en: '{{student_first_name}} was absent from {{school_name}} on {{absence_date}}. Questions? Call {{school_phone}}.',
    es: '{{student_first_name}} faltó a {{school_name}} el {{absence_date}}. ¿Preguntas? Llame al {{school_phone}}.',
  },
  threshold_alert: {
    en: '{{student_first_name}} has missed {{absences_ytd}} days of school this year. Someone from {{school_name}} will contact you to help. Call {{school_phone}}.',
    es: '{{student_first_name}} ha faltado {{absences_ytd}} días a la escuela este año. Alguien de {{school_name}} se comunicará con usted para ayudar. Llame al {{school_phone}}.',
  },
};

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

export type TemplateCheck =
  { ok: true; placeholders: Placeholder[]; worstCase: SmsLength } | { ok: false; problems: string[] };

/**
 * Checks a template before it is saved: every `{{placeholder}}` is known, braces are balanced, and the
 * text with the longest expected values fits in `maxSegments` SMS segments (GSM-7 or UCS-2, whichever
 * the template's own characters force).
 */
export function checkTemplate(body: string, maxSegments: number): TemplateCheck {
  const problems: string[] = [];
  if (body.trim() === '') problems.push('the template is empty');
  const used: Placeholder[] = [];
  for (const m of body.matchAll(TOKEN)) {
    const name = m[1];
    if (!(name in PLACEHOLDERS))
      problems.push(
        `unknown placeholder {{${name}}}; known: ${Object.keys(PLACEHOLDERS)
          .map((p) => `{{${p}}}`)
          .join(', ')}`,
      );
    else if (!used.includes(name as Placeholder)) used.push(name as Placeholder);
  }
  const rest = body.replace(TOKEN, '');
  if (rest.includes('{{') || rest.includes('}}'))
    problems.push('a placeholder is not closed: write {{name}} with two braces on each side');
  if (problems.length > 0) return { ok: false, problems };
  const worstCase = smsSegments(renderTemplate(body, PLACEHOLDERS));
  if (worstCase.segments > maxSegments)
    return {
      ok: false,
      problems: [
        `with the longest expected values the text takes ${worstCase.segments} SMS segments (${worstCase.units} ${worstCase.encoding === 'gsm7' ? 'GSM-7 septets' : 'UCS-2 code units'}); the limit is ${maxSegments}`,
      ],
    };
  return { ok: true, placeholders: used, worstCase };
}

/** Replaces each `{{placeholder}}` by its value (the template was checked when saved). */
export function renderTemplate(body: string, values: Readonly<Record<string, string>>): string {
  return body.replace(TOKEN, (whole, name: string) => values[name] ?? whole);
}
