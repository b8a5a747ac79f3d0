/** RFC 4180 CSV text: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line, newline-terminated. */
export function csvLine(fields: readonly (string | number | boolean | null)[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/**
 * A whole CSV file from a header and rows. Lines are joined once into a flat string (repeated `+=`
 * would leave a rope of millions of small pieces, several times the size of the text).
 */
export function csvText(
  header: readonly string[],
  rows: Iterable<readonly (string | number | boolean | null)[]>,
): string {
  const lines = [csvLine(header)];
  for (const row of rows) lines.push(csvLine(row));
  return lines.join('');
}
