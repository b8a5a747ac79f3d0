import type { z } from 'zod';
import { AppError } from '../errors.ts';

/** One validation problem, named by field (not by CLI flag or HTTP location). */
export interface FieldIssue {
  path: string;
  message: string;
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((i) => {
    const at = i.path.map(String);
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ path: [...at, k].join('.'), message: 'unknown field' }));
    return [{ path: at.length ? at.join('.') : '(root)', message: i.message }];
  });
}

/**
 * A BAD_INPUT AppError listing every field problem of a zod failure. Fields are named in backticks
 * (`` `district`: … ``), the convention by which the CLI shows them as its flags and HTTP as fields.
 */
export function zodProblem(what: string, error: z.ZodError): AppError {
  const issues = fieldIssues(error);
  return new AppError(
    'BAD_INPUT',
    `invalid ${what}: ${issues.map((i) => `\`${i.path}\`: ${i.message}`).join('; ')}`,
    { issues },
  );
}
