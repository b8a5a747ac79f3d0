import type { Session } from '../../db/connection.ts';
import { AppError } from '../../errors.ts';

/**
 * Bulk COPY of an import's rows (the only place imports issue COPY). `session` is the pinned connection
 * the import's transaction runs on (the import service opens the transaction on `session.db`; kysely's
 * Transaction cannot COPY), so every copy is part of that transaction and goes when it rolls back.
 */

const UNIQUE_VIOLATION = '23505';

/** Why a copy stopped on a key: a row repeats a stored key or another row of the file. */
export const DUPLICATE_KEY = 'duplicate_key';

/** Copies CSV text (no header) into table(columns); returns rows copied. @throws {AppError} CONFLICT on a duplicate key */
export async function copyCsvText(
  session: Session,
  table: string,
  columns: string[],
  chunks: AsyncIterable<string> | Iterable<string>,
): Promise<number> {
  try {
    return await session.copyCsv(table, columns, chunks);
  } catch (error) {
    throw duplicateKeyConflict(error, table);
  }
}

/**
 * Copies binary COPY tuples (attendance-bulk.ts) into table(columns); returns rows copied.
 * @throws {AppError} CONFLICT on a duplicate key
 */
export async function copyBinaryTuples(
  session: Session,
  table: string,
  columns: string[],
  tuples: AsyncIterable<Uint8Array>,
): Promise<number> {
  try {
    return await session.copyBinary(table, columns, tuples);
  } catch (error) {
    throw duplicateKeyConflict(error, table);
  }
}

/** Whether an error is a copy stopped by a duplicate key (the caller then takes the staged path). */
export function isDuplicateKey(error: unknown): boolean {
  return (
    error instanceof AppError &&
    error.code === 'CONFLICT' &&
    (error.details as { reason?: unknown } | undefined)?.reason === DUPLICATE_KEY
  );
}

/** A unique violation (SQLSTATE 23505) as a duplicate-key CONFLICT; any other error unchanged. */
export function duplicateKeyConflict(error: unknown, table: string): unknown {
  if ((error as { code?: unknown } | null)?.code !== UNIQUE_VIOLATION) return error;
  return new AppError('CONFLICT', `a row repeats a key already in ${table} or in the file`, {
    reason: DUPLICATE_KEY,
    table,
  });
}
