import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Db } from '../../../db/connection.ts';
import { copyBinaryTuples } from '../../../cohorts/imports/import-copy.store.ts';
import { tupleChunks, type CopyValue } from '../../../outreach/copy-tuples.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';

/**
 * Generation writes messages, alerts and tasks with binary COPY (outreach/copy-tuples.ts): each value
 * must arrive as the database would have stored the same value sent as a parameter.
 */
describe(`outreach binary COPY values (${testDialect})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const numbers = [0, 1, 1.5, 0.25, 2.3333, 12345.5, 10000, 0.0001, 7.123456, 99999999.99, 3, -1.5];

  it('stores numerics, reals, dates, smallints and any text as an INSERT of the same values would', async () => {
    const rows = numbers.map((n, i) => ({
      i,
      n,
      text: i === 2 ? 'line one\nline "two", á ó\t\\ end' : `t${i}`,
      date: i % 2 ? '2025-09-30' : '2026-02-28',
      small: i % 3 === 0 ? null : i,
    }));
    const stored = await db.withSession((session) =>
      session.db.transaction().execute(async () => {
        await session.query(
          'CREATE TEMP TABLE copied (i int, n numeric, r real, d date, s smallint, t text) ON COMMIT DROP',
        );
        const copied = await copyBinaryTuples(
          session,
          'copied',
          ['i', 'n', 'r', 'd', 's', 't'],
          tupleChunks(
            rows,
            (x): CopyValue[] => [
              { int4: x.i },
              { numeric: x.n },
              { float4: x.n },
              { date: x.date },
              { int2: x.small },
              { text: x.text },
            ],
            64, // several chunks
          ),
        );
        expect(copied).toBe(rows.length);
        const r = await session.query<{
          i: number;
          n: string;
          same_n: boolean;
          same_r: boolean;
          d: string;
          s: number | null;
          t: string;
        }>(
          `SELECT c.i, c.n::text AS n, c.n = v.n::numeric AND c.n::text = v.n AS same_n,
                  c.r = v.n::real AS same_r, c.d::text AS d, c.s, c.t
           FROM copied c JOIN unnest($1::text[]) WITH ORDINALITY AS v(n, k) ON v.k = c.i + 1 ORDER BY c.i`,
          [numbers.map(String)],
        );
        return r.rows;
      }),
    );
    expect(stored).toHaveLength(rows.length);
    for (const [k, x] of stored.entries()) {
      expect(x.n).toBe(String(numbers[k]));
      expect(x.same_n).toBe(true);
      expect(x.same_r).toBe(true);
      expect(x.d).toBe(rows[k].date);
      expect(x.s).toBe(rows[k].small);
      expect(x.t).toBe(rows[k].text);
    }
  });

  it('stores bigints and instants (receipts) as an INSERT of the same values would', async () => {
    const rows = [
      { id: 1, at: '2025-10-01T08:00:00.000Z' },
      { id: 2 ** 40 + 7, at: '1999-12-31T23:59:59.999Z' },
      { id: Number.MAX_SAFE_INTEGER, at: '2026-06-30T13:45:12.345Z' },
      { id: 0, at: null },
    ];
    const stored = await db.withSession((session) =>
      session.db.transaction().execute(async () => {
        await session.query('CREATE TEMP TABLE copied8 (k int, id bigint, at timestamptz) ON COMMIT DROP');
        await copyBinaryTuples(
          session,
          'copied8',
          ['k', 'id', 'at'],
          tupleChunks(rows.entries(), ([k, x]): CopyValue[] => [
            { int4: k },
            { int8: x.id },
            { timestamptz: x.at },
          ]),
        );
        const r = await session.query<{ id: string; same_at: boolean | null; at_null: boolean }>(
          `SELECT c.id::text AS id, c.at = v.at::timestamptz AS same_at, c.at IS NULL AS at_null
           FROM copied8 c JOIN unnest($1::text[]) WITH ORDINALITY AS v(at, k) ON v.k = c.k + 1 ORDER BY c.k`,
          [rows.map((x) => x.at)],
        );
        return r.rows;
      }),
    );
    expect(stored.map((x) => x.id)).toEqual(rows.map((x) => String(x.id)));
    expect(stored.map((x) => x.same_at)).toEqual([true, true, true, null]);
    expect(stored[3].at_null).toBe(true);
  });
});
