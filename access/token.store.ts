import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/types.ts';
import type { Role, StoredToken } from './token.ts';

type Row = {
  id: number;
  role: Role;
  district_leaid: string | null;
  label: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
};

function toToken(r: Row): StoredToken {
  return {
    id: r.id,
    role: r.role,
    districtLeaid: r.district_leaid,
    label: r.label,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
  };
}

const COLUMNS = [
  'id',
  'role',
  'district_leaid',
  'label',
  'created_by',
  'created_at',
  'expires_at',
  'revoked_at',
] as const;

export async function insertToken(
  trx: Transaction<Database>,
  t: {
    role: Role;
    districtLeaid: string | null;
    label: string;
    sha256: string;
    createdBy: string;
    expiresAt: Date | null;
  },
): Promise<StoredToken> {
  const row = await trx
    .insertInto('api_token')
    .values({
      role: t.role,
      district_leaid: t.districtLeaid,
      label: t.label,
      token_sha256: t.sha256,
      created_by: t.createdBy,
      expires_at: t.expiresAt,
      revoked_at: null,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toToken(row as Row);
}

export async function findTokenBySha256(db: Kysely<Database>, sha256: string): Promise<StoredToken | null> {
  const row = await db
    .selectFrom('api_token')
    .select(COLUMNS)
    .where('token_sha256', '=', sha256)
    .executeTakeFirst();
  return row ? toToken(row as Row) : null;
}

/** NOTIFY channel, payload: delivered to its listeners when the transaction commits. */
export async function notifyChannel(
  trx: Transaction<Database>,
  channel: string,
  payload: string,
): Promise<void> {
  await sql`SELECT pg_notify(${channel}, ${payload})`.execute(trx);
}

/** The stored SHA-256 of a token (what a revocation announces). */
export async function tokenSha256Of(db: Kysely<Database>, id: number): Promise<string> {
  const row = await db
    .selectFrom('api_token')
    .select('token_sha256')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.token_sha256;
}

export async function findTokenById(db: Kysely<Database>, id: number): Promise<StoredToken | null> {
  const row = await db.selectFrom('api_token').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? toToken(row as Row) : null;
}

export async function listTokens(db: Kysely<Database>): Promise<StoredToken[]> {
  const rows = await db.selectFrom('api_token').select(COLUMNS).orderBy('id').execute();
  return rows.map((r) => toToken(r as Row));
}

/** Marks a token revoked and ends its portal sessions. */
export async function markRevoked(trx: Transaction<Database>, id: number, at: Date): Promise<void> {
  await trx.updateTable('api_token').set({ revoked_at: at }).where('id', '=', id).execute();
  await trx.deleteFrom('web_session').where('token_id', '=', id).execute();
}
