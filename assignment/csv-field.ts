/**
 * A field of PostgreSQL's `COPY … (FORMAT csv)` (RFC 4180 quoting): quoted when it holds a comma,
 * quote or line break, and when it is empty, because COPY reads an unquoted empty field as NULL and a
 * quoted one as the empty string (the block key of a study without `block_by` is "").
 */
export function csvField(value: string): string {
  if (value === '') return '""';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
