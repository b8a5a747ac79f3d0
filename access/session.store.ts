import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import type { Role } from './token.ts';

export interface SessionRow {
  tokenId: number;
  role: Role;
  districtLeaid: string | null;
  csrfToken: string;
  expiresAt: Date;
}

export async function insertSession(
  db: Kysely<Database>,
  s: { idSha256: string; tokenId: number; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('web_session')
    .values({ id_sha256: s.idSha256, token_id: s.tokenId, csrf_token: s.csrfToken, expires_at: s.expiresAt })
    .execute();
}

/** A live session joined with its token, which must itself still be usable at `now`. */
export async function findLiveSession(
  db: Kysely<Database>,
  idSha256: string,
  now: Date,
): Promise<SessionRow | null> {
  const r = await sql<{
    token_id: number;
    role: Role;
    district_leaid: string | null;
    csrf_token: string;
    expires_at: Date;
  }>`
    SELECT s.token_id, t.role, t.district_leaid, s.csrf_token, s.expires_at
      FROM web_session s JOIN api_token t ON t.id = s.token_id
     WHERE s.id_sha256 = ${idSha256} AND s.expires_at > ${now}
       AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ${now})`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  return {
    tokenId: row.token_id,
    role: row.role,
    districtLeaid: row.district_leaid,
    csrfToken: row.csrf_token,
    expiresAt: new Date(row.expires_at),
  };
}

export async function deleteSession(db: Kysely<Database>, idSha256: string): Promise<void> {
  await db.deleteFrom('web_session').where('id_sha256', '=', idSha256).execute();
}

/** Drops sessions that ended before `now` (called now and then; expired ones are never honoured). */
export async function deleteExpiredSessions(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('web_session').where('expires_at', '<=', now).execute();
}
