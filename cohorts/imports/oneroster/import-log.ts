import type { InputProblem } from '../../../errors.ts';

/** At most this many problems are kept; a last line says how many more there were. */
export const MAX_PROBLEMS = 500;

/**
 * Problems and warnings of one parse. Problems block the import and are all listed (up to
 * MAX_PROBLEMS); warnings are grouped by a key so 80,000 rows with the same note become one line
 * that names the first row and counts the others.
 */
export class ImportLog {
  readonly problems: InputProblem[] = [];
  private extraProblems = 0;
  private readonly groups = new Map<string, { first: InputProblem; count: number }>();

  problem(file: string, line: number, column: string | null, reason: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ file, line, column, reason });
    else this.extraProblems++;
  }

  warn(
    file: string,
    line: number,
    column: string | null,
    reason: string,
    group: string = `${file}|${column}|${reason}`,
  ): void {
    const found = this.groups.get(group);
    if (found) found.count++;
    else this.groups.set(group, { first: { file, line, column, reason }, count: 1 });
  }

  get failed(): boolean {
    return this.problems.length > 0;
  }

  allProblems(): InputProblem[] {
    if (this.extraProblems === 0) return [...this.problems];
    const last = this.problems[this.problems.length - 1];
    return [
      ...this.problems,
      {
        file: last.file,
        line: last.line,
        column: null,
        reason: `... and ${this.extraProblems} more problems`,
      },
    ];
  }

  warnings(): InputProblem[] {
    return [...this.groups.values()].map(({ first, count }) =>
      count === 1
        ? first
        : { ...first, reason: `${first.reason} (line ${first.line} and ${count - 1} more like it)` },
    );
  }
}
