import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * Presents one embedded PGlite instance as the pool kysely's PostgresDialect expects.
 * PGlite has a single session, so a checked-out client holds a mutex until released: a transaction
 * opened through kysely never interleaves with another caller's statements.
 */
/** A semicolon followed by more SQL: more than one statement. */
const MULTI_STATEMENT = /;\s*\S/;

export class PGlitePool implements PostgresPool {
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly pglite: PGlite) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    const pglite = this.pglite;
    let released = false;
    return {
      async query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
        if (parameters.length === 0 && MULTI_STATEMENT.test(sql)) {
          // Several statements (a migration): the simple protocol, as node-postgres does without parameters.
          const results = await pglite.exec(sql);
          const last = results[results.length - 1];
          return {
            command: undefined,
            rowCount: last?.affectedRows ?? 0,
            rows: (last?.rows ?? []) as R[],
          } as never;
        }
        const result = await pglite.query<R>(sql, parameters as unknown[]);
        return {
          command: (result as { command?: string }).command as PostgresQueryResult<R>['command'],
          rowCount: (result as { rowCount?: number }).rowCount ?? result.affectedRows ?? result.rows.length,
          rows: result.rows,
        };
      },
      release() {
        if (!released) {
          released = true;
          release();
        }
      },
    } as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.tail;
  }
}
