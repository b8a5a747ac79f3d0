/**
 * Pilot's one error vocabulary (STYLE.md §7). Services throw AppError with a code from a closed set;
 * one table maps each code to an HTTP status and a CLI exit code.
 */
export const ERROR_CODES = {
  BAD_INPUT: { http: 400, exit: 65 },
  NOT_FOUND: { http: 404, exit: 66 },
  CONFLICT: { http: 409, exit: 75 },
  FORBIDDEN: { http: 403, exit: 77 },
  UNAUTHORIZED: { http: 401, exit: 77 },
  VERIFY_FAILED: { http: 422, exit: 1 },
  TOO_LARGE: { http: 413, exit: 65 },
  RATE_LIMITED: { http: 429, exit: 75 },
  UNAVAILABLE: { http: 503, exit: 69 },
  INTERNAL: { http: 500, exit: 70 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem in an input file, located precisely enough for a district data manager to fix it. */
export interface InputProblem {
  file: string;
  line: number;
  column: string | null;
  reason: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function exitCodeOf(error: unknown): number {
  return error instanceof AppError ? ERROR_CODES[error.code].exit : ERROR_CODES.INTERNAL.exit;
}

export function httpStatusOf(error: unknown): number {
  return error instanceof AppError ? ERROR_CODES[error.code].http : ERROR_CODES.INTERNAL.http;
}
