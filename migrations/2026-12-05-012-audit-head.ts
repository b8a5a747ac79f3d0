import { sql, type Kysely } from 'kysely';

/**
 * The head of the audit hash chain in a one-row table (issue 14, HTTP bench). An append is then one
 * statement, `WITH head AS (UPDATE audit_head … RETURNING …) INSERT INTO audit_event SELECT … FROM
 * head`: the UPDATE takes the row lock that serializes appenders (held only until the appending
 * transaction ends), and under READ COMMITTED a waiting appender re-reads the head row once the lock
 * is released, so the chain never forks. Downloads no longer lock the whole audit_event table.
 * `prev_hash` keeps the hash the head replaced (the new event's prev_hash); `seq` counts events.
 * Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE audit_head (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
    );
    LOCK TABLE audit_event IN EXCLUSIVE MODE;
    INSERT INTO audit_head (prev_hash, hash)
    SELECT coalesce((SELECT prev_hash FROM audit_event ORDER BY seq DESC LIMIT 1), repeat('0', 64)),
           coalesce((SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), repeat('0', 64));
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE audit_head`.execute(db);
}
