import { sql, type Kysely } from 'kysely';

/**
 * Receipts by import (issue 11, at national scale): a receipts import finds the receipts it just
 * stored by `import_id` twice (the messages whose latest status it sets, and the opted-out messages
 * whose numbers it opts out). Without an index each of those scanned every receipt ever imported, so a
 * school year of monthly receipt files cost time growing with all earlier months. `message_id` is
 * carried so the first lookup is an index-only scan.
 * Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX message_receipt_import_idx ON message_receipt (import_id, message_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX message_receipt_import_idx`.execute(db);
}
