/**
 * Independent reads run at once on PostgreSQL and in turn on PGlite. On PostgreSQL kysely takes each
 * query's connection from the pool, so while node parses one result the server already builds the
 * next (two cores: one each); PGlite has a single connection, which would only queue them.
 */

/**
 * Runs the loads (each a function starting one) and gives their results in order: all started at
 * once when atOnce, else each after the one before.
 *
 * @example const [a, b] = await inTurnOrAtOnce(db.dialect === 'postgres', () => loadA(db), () => loadB(db));
 */
export async function inTurnOrAtOnce<T extends unknown[]>(
  atOnce: boolean,
  ...loads: { [K in keyof T]: () => Promise<T[K]> }
): Promise<T> {
  if (atOnce) return (await Promise.all(loads.map((load) => load()))) as T;
  const out: unknown[] = [];
  for (const load of loads) out.push(await load());
  return out as T;
}
