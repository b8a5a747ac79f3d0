/** RFC 4180 CSV text: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line, newline-terminated. */
export function csvLine(fields: readonly (string | number | boolean | null)[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) out += (i === 0 ? '' : ',') + csvField(fields[i]);
  return `${out}\n`;
}

/** A whole CSV file from a header and rows. */
export function csvText(header: readonly string[], rows: Iterable<readonly (string | number | boolean | null)[]>): string {
  let out = csvLine(header);
  for (const row of rows) out += csvLine(row);
  return out;
}
