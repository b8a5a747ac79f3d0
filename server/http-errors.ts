import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors.ts';

/** The one error body of the API. */
export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Errors raised by express's body parsers, translated into the vocabulary. */
function parserError(err: { type?: string; status?: number; limit?: number }): AppError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('TOO_LARGE', `request body over the limit of ${err.limit} bytes`);
    case 'entity.parse.failed':
      return new AppError('BAD_INPUT', 'the body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('BAD_INPUT', 'unsupported body encoding; send UTF-8');
    case 'request.aborted':
      return new AppError('BAD_INPUT', 'the request was aborted');
    default:
      return null;
  }
}

/** Gives each request an id (echoed in X-Request-Id and in 500 answers). */
export const requestId: RequestHandler = (req, res, next) => {
  const id = randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/**
 * The last handler: AppError → its status and body; anything unknown → 500 with the request id and no
 * stack, SQL or data. The log gets the error's name, code and stack frames, not its message (a
 * database message can quote row values).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof AppError ? err : parserError(err as never);
    if (known) {
      res.status(ERROR_CODES[known.code].http).json(errorBody(known.code, known.message, known.details));
      return;
    }
    const id = res.locals.requestId as string;
    const e = err as { name?: string; code?: string; stack?: string };
    logger.error(
      { request_id: id, err_name: e?.name, err_code: e?.code, frames: e?.stack?.split('\n').slice(1, 8) },
      'internal error',
    );
    res.status(500).json(errorBody('INTERNAL', 'internal error', { request_id: id }));
  };
}
