import { AppError, type InputProblem } from '../../errors.ts';

export interface ImportWarning {
  message: string;
  count: number;
  /** Where it was first seen. */
  file: string;
  line: number | null;
}

const KEEP_PROBLEMS = 200;

/**
 * Collects what is wrong with an import file (problems: the file is refused) and what was merely
 * normalized or suspicious (warnings: listed, grouped by message, never blocking).
 */
export class ProblemSink {
  readonly problems: InputProblem[] = [];
  problemCount = 0;
  private readonly warningsByText = new Map<string, ImportWarning>();

  constructor(readonly file: string) {}

  /** `file` names a file inside the one imported (e.g. `roster.zip:users.csv`) when the problem is there. */
  problem(line: number, column: string | null, reason: string, file: string = this.file): void {
    this.problemCount++;
    if (this.problems.length < KEEP_PROBLEMS) this.problems.push({ file, line, column, reason });
  }

  warn(message: string, line: number | null = null): void {
    const w = this.warningsByText.get(message);
    if (w) w.count++;
    else this.warningsByText.set(message, { message, count: 1, file: this.file, line });
  }

  get warnings(): ImportWarning[] {
    return [...this.warningsByText.values()];
  }

  get failed(): boolean {
    return this.problemCount > 0;
  }
}

/** Header of a CSV file bound to the columns an import kind reads. */
export interface BoundHeader {
  /** Index of each known column in the record, or -1 when the optional column is absent. */
  index: Record<string, number>;
  width: number;
}

/**
 * Checks the header row: required columns present, none repeated; unknown columns are warned about
 * (and ignored). Header names are matched exactly after trimming, as OneRoster requires.
 */
export function bindHeader(
  fields: string[],
  required: readonly string[],
  optional: readonly string[],
  sink: ProblemSink,
): BoundHeader | null {
  const index: Record<string, number> = {};
  const names = fields.map((f) => f.trim());
  let ok = true;
  names.forEach((name, i) => {
    if (name in index) {
      sink.problem(1, name, `column ${name} appears twice in the header`);
      ok = false;
    } else index[name] = i;
  });
  for (const col of required) {
    if (!(col in index)) {
      const near = names.find((n) => n.toLowerCase() === col.toLowerCase());
      sink.problem(
        1,
        col,
        near
          ? `required column ${col} is missing (found "${near}": column names are case-sensitive)`
          : `required column ${col} is missing; the header must include ${required.join(',')}`,
      );
      ok = false;
    }
  }
  const known = new Set([...required, ...optional]);
  for (const n of names) if (!known.has(n)) sink.warn(`unknown column ${n} ignored`, 1);
  if (!ok) return null;
  const bound: Record<string, number> = {};
  for (const col of [...required, ...optional]) bound[col] = col in index ? index[col] : -1;
  return { index: bound, width: names.length };
}

/** One value of a COPY … (FORMAT csv) line: null is an unquoted empty field, text is quoted when needed. */
export function copyField(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  if (v === '' || /[",\n\r]/.test(v) || v.trim() !== v) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

/** Throws the refusal of a file: every problem located, nothing imported. */
export function refuse(sink: ProblemSink, file: string): never {
  const more = sink.problemCount - sink.problems.length;
  throw new AppError(
    'BAD_INPUT',
    `${file}: ${sink.problemCount} problem${sink.problemCount === 1 ? '' : 's'}; nothing was imported${more > 0 ? ` (first ${sink.problems.length} listed)` : ''}`,
    { problems: sink.problems, warnings: sink.warnings },
  );
}
