/** The SIS message-center CSV (issue 11 item 4). The study arm is never a column. */
export const MESSAGE_COLUMNS = [
  'batch_id',
  'district_leaid',
  'school_id',
  'student_sis_id',
  'contact_id',
  'language',
  'channel',
  'message_text',
  'absences_month',
  'absences_ytd',
  'send_after',
  'message_id',
] as const;

/** The staff-task CSV. */
export const TASK_COLUMNS = [
  'task_id',
  'district_leaid',
  'school_id',
  'student_sis_id',
  'role',
  'tier',
  'reason',
  'due_date',
] as const;

/** One RFC 4180 field: quoted when it holds a comma, quote, line break or edge space. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) || s.trim() !== s ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text with a header, lines ending in \n. */
export function csvText(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  let out = `${columns.join(',')}\n`;
  for (const r of rows) out += `${r.map(csvField).join(',')}\n`;
  return out;
}
