import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import type { Database } from './types.ts';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from './copy-binary.ts';
import { PGlitePool } from './pglite-pool.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';
import { readTemplate, removeTemplate, templateKey, writeTemplate } from './pglite-template.ts';

/**
 * One pinned connection: a kysely handle bound to it, raw SQL, and bulk COPY of CSV text.
 * Imports use a session so that staging tables, COPY and the merge all run in one transaction.
 */
export interface Session {
  db: Kysely<Database>;
  query<R = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number }>;
  /** COPY csvChunks (CSV text, no header) into table(columns); returns rows copied. */
  copyCsv(
    table: string,
    columns: string[],
    csvChunks: AsyncIterable<string> | Iterable<string>,
  ): Promise<number>;
  /**
   * COPY binary tuples into table(columns); each chunk holds whole tuples (see copy-binary.ts), the
   * header and trailer are added here. Returns rows copied.
   */
  copyBinary(table: string, columns: string[], tupleChunks: AsyncIterable<Uint8Array>): Promise<number>;
}

export interface Db {
  readonly dialect: 'pglite' | 'postgres';
  readonly kysely: Kysely<Database>;
  /** Runs fn on one pinned connection (the embedded database has only one). */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: LISTEN on a channel over a connection of its own. onMessage gets each
   * notification's payload; onLost is called once if the connection ends other than by the returned
   * close() or the database's (the caller then knows it may have missed notifications).
   */
  listen?(channel: string, onMessage: (payload: string) => void, onLost: () => void): Promise<Listener>;
  close(): Promise<void>;
}

export interface Listener {
  close(): Promise<void>;
}

const DATE_OID = 1082;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

// Dates stay 'YYYY-MM-DD' strings (no time-zone shifts); bigint counts fit in a double here.
pg.types.setTypeParser(DATE_OID, (v: string) => v);
pg.types.setTypeParser(INT8_OID, (v: string) => Number(v));
pg.types.setTypeParser(NUMERIC_OID, (v: string) => Number(v));

const pgliteParsers = {
  [pgliteTypes.DATE]: (v: string) => v,
  [pgliteTypes.INT8]: (v: string) => Number(v),
  [pgliteTypes.NUMERIC]: (v: string) => Number(v),
};

/** A PostgresPool that always hands out the same, already checked-out client. */
function singleClientPool(client: PostgresPoolClient): PostgresPool {
  return {
    connect: async () => ({ query: client.query.bind(client), release: () => {} }) as PostgresPoolClient,
    end: async () => {},
  };
}

function sessionFor(
  client: PostgresPoolClient,
  copy: Session['copyCsv'],
  copyBinary: Session['copyBinary'],
): Session {
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: singleClientPool(client) }) }),
    async query(sql, params = []) {
      // Several statements without parameters go in one simple-protocol message (one round trip);
      // node-postgres then answers with a result per statement: the last one is the answer.
      const answer = (await client.query(sql, params)) as unknown;
      const r = (Array.isArray(answer) ? answer[answer.length - 1] : answer) as {
        rows: unknown[];
        rowCount?: number | bigint | null;
      };
      return { rows: r.rows as never[], rowCount: Number(r.rowCount ?? 0) };
    },
    copyCsv: copy,
    copyBinary,
  };
}

const COPY_BLOB_BYTES = 16 * 1024 * 1024;

export function openPGlite(pglite: PGlite, onClose: () => Promise<void> = () => pglite.close()): Db {
  const pool = new PGlitePool(pglite);
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'pglite',
    kysely,
    async withSession(fn) {
      const client = await pool.connect();
      const copy: Session['copyCsv'] = async (table, columns, chunks) => {
        // PGlite copies from an in-memory Blob: send one COPY per ~16 MB, cut at a line end (chunks
        // may split lines anywhere), so memory stays flat however large the input.
        const sql = `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`;
        let parts: string[] = [];
        let size = 0;
        let total = 0;
        const send = async (text: string) => {
          if (text.length === 0) return;
          const r = await pglite.query(sql, [], { blob: new Blob([text]) });
          total += r.affectedRows ?? 0;
        };
        for await (const chunk of chunks) {
          parts.push(chunk);
          size += chunk.length;
          if (size >= COPY_BLOB_BYTES) {
            const text = parts.join('');
            const cut = text.lastIndexOf('\n') + 1;
            await send(text.slice(0, cut));
            parts = [text.slice(cut)];
            size = parts[0].length;
          }
        }
        await send(parts.join(''));
        return total;
      };
      const copyBinary: Session['copyBinary'] = async (table, columns, chunks) => {
        // One COPY per ~16 MB of whole tuples, each framed as a complete binary stream.
        const sql = `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`;
        let parts: Uint8Array[] = [];
        let size = 0;
        let total = 0;
        const send = async () => {
          if (size === 0) return;
          const blob = new Blob([COPY_BINARY_HEADER, ...parts, COPY_BINARY_TRAILER] as BlobPart[]);
          parts = [];
          size = 0;
          const r = await pglite.query(sql, [], { blob });
          total += r.affectedRows ?? 0;
        };
        for await (const chunk of chunks) {
          parts.push(chunk);
          size += chunk.length;
          if (size >= COPY_BLOB_BYTES) await send();
        }
        await send();
        return total;
      };
      try {
        return await fn(sessionFor(client, copy, copyBinary));
      } finally {
        client.release();
      }
    },
    async close() {
      await kysely.destroy();
      await onClose();
    },
  };
}

/**
 * Whether an error means the connection itself is gone (the server ended it: administrator command,
 * shutdown, crash; or the socket broke), as opposed to a failed statement on a live connection.
 */
export function connectionLost(error: unknown): boolean {
  const e = error as { code?: string; severity?: string; message?: string } | null;
  if (!e) return false;
  return (
    e.severity === 'FATAL' ||
    e.severity === 'PANIC' ||
    (typeof e.code === 'string' && (e.code.startsWith('57P') || e.code.startsWith('08'))) ||
    e.code === 'EPIPE' ||
    e.code === 'ECONNRESET' ||
    /Connection terminated|connection (?:is )?closed/i.test(e.message ?? '')
  );
}

/**
 * The pool kysely draws from, releasing a client whose connection was lost with that error, so the
 * pool discards it. A lost connection can come back to the pool still looking usable (its query failed
 * before the socket closed), and the next query would fail on it too.
 */
function discardingLostConnections(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      let lost: Error | undefined;
      return {
        query: (async (...args: Parameters<pg.PoolClient['query']>) => {
          try {
            return await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
          } catch (error) {
            if (connectionLost(error)) lost = error as Error;
            throw error;
          }
        }) as PostgresPoolClient['query'],
        release: () => client.release(lost),
      };
    },
    end: () => pool.end(),
  };
}

export function openPostgres(url: string, onClose: () => Promise<void> = async () => {}, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection can be ended by the server (restart, a dropped database, an administrator).
  // The pool discards that client and opens a new one when needed; without a listener, node-postgres
  // would raise the error as an unhandled 'error' event and take the process down.
  pool.on('error', () => {});
  // A checked-out client reports a lost connection (the server ended it, a broken pipe mid-COPY) as an
  // 'error' event too, besides failing its query; unheard, that event would also end the process. The
  // query's own rejection carries the error, and the pool discards the client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    // JIT off for Pilot's sessions: its large queries are one pass of joins and aggregates, whose plans
    // compile in more time than they save (a report's message counts compiled 153 functions in 130 ms
    // in each of three processes). Set on the new connection before any query of its own (the client
    // runs its queries in order); the environment's PGOPTIONS apply as the driver reads them.
    client.query('SET jit = off').catch(() => {});
  });
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: discardingLostConnections(pool) }),
  });
  const listeners = new Set<Listener>();
  return {
    dialect: 'postgres',
    kysely,
    async listen(channel, onMessage, onLost) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
      const client = new pg.Client({ connectionString: url });
      let open = true;
      const end = () => {
        if (!open) return;
        open = false;
        listeners.delete(listener);
        onLost();
      };
      const listener: Listener = {
        async close() {
          open = false;
          listeners.delete(listener);
          await client.end().catch(() => {});
        },
      };
      client.on('error', end);
      client.on('end', end);
      client.on('notification', (m) => {
        if (m.channel === channel) onMessage(m.payload ?? '');
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${channel}`);
      } catch (error) {
        await listener.close();
        throw error;
      }
      listeners.add(listener);
      return listener;
    },
    async withSession(fn) {
      const client = await pool.connect();
      const copy: Session['copyCsv'] = async (table, columns, chunks) => {
        const stream = client.query(
          copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`),
        );
        await pipeline(Readable.from(chunks as AsyncIterable<string>), stream);
        return Number(stream.rowCount ?? 0);
      };
      const copyBinary: Session['copyBinary'] = async (table, columns, chunks) => {
        const stream = client.query(
          copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT binary)`),
        );
        async function* framed(): AsyncGenerator<Uint8Array> {
          yield COPY_BINARY_HEADER;
          yield* chunks;
          yield COPY_BINARY_TRAILER;
        }
        await pipeline(Readable.from(framed()), stream);
        return Number(stream.rowCount ?? 0);
      };
      let lost: Error | undefined;
      try {
        return await fn(sessionFor(client as unknown as PostgresPoolClient, copy, copyBinary));
      } catch (error) {
        if (connectionLost(error)) lost = error as Error;
        throw error;
      } finally {
        client.release(lost);
      }
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.close()));
      await kysely.destroy(); // also ends the pool
      await onClose();
    },
  };
}

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else embedded PGlite in dataDir. */
export async function openDatabase(config: Config): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return openPGlite(await createPGlite(config.dataDir));
}

/** PGlite's data directory holds a database when it has PG_VERSION. */
const holdsDatabase = (dataDir: string) => existsSync(join(dataDir, 'PG_VERSION'));

/**
 * Opens the configured database for a command that migrates it next anyway (`demo`). A new
 * embedded database (its data directory holds none) is loaded from the template, already migrated;
 * when there is no valid template, the database is made by initdb and migrated here, and, if its data
 * directory was empty, dumped as the template for the next time. PostgreSQL, an existing embedded
 * database and a run without a cache directory open as openDatabase does.
 */
export async function openDatabaseFromTemplate(config: Config): Promise<Db> {
  if (config.databaseUrl || !config.cacheDir || holdsDatabase(config.dataDir)) return openDatabase(config);
  const cacheDir = config.cacheDir;
  mkdirSync(config.dataDir, { recursive: true });
  const before = new Set(readdirSync(config.dataDir));
  const key = templateKey();
  const template = await readTemplate(cacheDir, key);
  if (template) {
    let pglite: PGlite | undefined;
    try {
      pglite = await createPGlite(config.dataDir, template);
      const db = openPGlite(pglite);
      // the key covers every migration file, so nothing is pending; checked all the same
      if ((await pendingMigrations(db)).length === 0) return db;
    } catch {
      // not loadable: removed below, and the database made from scratch
    }
    await pglite?.close().catch(() => {});
    await removeTemplate(cacheDir, key);
    for (const name of readdirSync(config.dataDir)) {
      if (!before.has(name)) await rm(join(config.dataDir, name), { recursive: true, force: true });
    }
  }
  const pglite = await createPGlite(config.dataDir);
  const db = openPGlite(pglite);
  await migrateToLatest(db);
  if (before.size === 0) {
    // a consistent copy on disk before the files are read; only the database's own files are there
    await pglite.query('CHECKPOINT');
    const tar = (await pglite.dumpDataDir('none')) as Blob;
    // a cache that cannot be written (read-only, full) only means initdb again next time
    await writeTemplate(cacheDir, key, tar).catch(() => {});
  }
  return db;
}

/**
 * A PGlite instance with Pilot's type parsers, on disk in dataDir or in memory; a new data directory
 * gets the database of the tarball loadDataDir (PGlite's dumpDataDir) instead of running initdb.
 */
export function createPGlite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  return dataDir
    ? PGlite.create(dataDir, { parsers: pgliteParsers, loadDataDir })
    : PGlite.create({ parsers: pgliteParsers });
}

/** An in-memory embedded database (tests, `pilot estimate` scratch work). */
export async function openMemoryDatabase(): Promise<Db> {
  return openPGlite(await createPGlite());
}
