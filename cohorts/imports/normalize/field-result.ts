/**
 * The outcome of normalizing one field of one import row.
 *
 * - `{ ok: true, value }`: the value as Pilot stores it.
 * - `{ ok: true, value, note }`: accepted after a normalization worth telling the district about
 *   (`K` read as `KG`, `spa` read as `es`); the importer lists notes as warnings, grouped by text.
 * - `{ ok: false, reason }`: unusable; `reason` is a sentence for the district's data manager and
 *   quotes the original value. The importer adds file, line and column.
 *
 * Normalizers are total: they never throw on data, only on a caller mistake.
 */
export type FieldResult<T> = FieldOk<T> | FieldBad;

export interface FieldOk<T> {
  ok: true;
  value: T;
  note?: string;
}

export interface FieldBad {
  ok: false;
  reason: string;
}

/** Quote a raw value for a message, shortened so one absurd cell cannot flood a report. */
export function quote(raw: string): string {
  const shown = raw.length > 40 ? `${raw.slice(0, 37)}...` : raw;
  return `'${shown}'`;
}
