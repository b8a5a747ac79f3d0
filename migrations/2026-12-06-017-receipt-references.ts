import { sql, type Kysely } from 'kysely';

/**
 * Receipts and message status updates in bulk (issue 13: the demo's seven months of receipts).
 * - `message_receipt`'s references (its message and its import) are checked per statement instead of
 *   by foreign keys, as migration 014 did for message, alert and staff_task: a foreign key looked up
 *   each copied receipt's message (locking it FOR KEY SHARE, which writes to the message's page) and
 *   its import, one lookup each per row; the statement trigger checks all rows of an INSERT or COPY
 *   in one anti-join per reference. An UPDATE that changes a reference is checked row by row; messages
 *   still named by a receipt cannot be deleted or truncated (import records are never deleted:
 *   migration 003). The guarantee is the same: no receipt names a message or import that does not
 *   exist.
 * - `message` keeps half of each page free (fillfactor 50) for the new versions of its rows: every
 *   message is written once and then updated twice (queued → exported by its export, then its
 *   receipt's status). With full pages each update moved the row to another page and added an entry
 *   to each of the table's three indexes; with room on the page the update is a heap-only tuple
 *   (status columns are in no index), and the dead version is pruned from the page when it is next
 *   updated. Applies to pages written after this migration.
 * Frozen: never import app code here.
 */

const REFERENCES: [string, string][] = [
  ['message_id', 'message'],
  ['import_id', 'import_file'],
];

export async function up(db: Kysely<any>): Promise<void> {
  const insertCheck = REFERENCES.map(
    ([column, target]) => `
      IF EXISTS (SELECT 1 FROM checked_rows r
                 WHERE NOT EXISTS (SELECT 1 FROM ${target} x WHERE x.id = r.${column})) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = 'message_receipt.${column} references a ${target} row that does not exist';
      END IF;`,
  ).join('');
  const updateCheck = REFERENCES.map(
    ([column, target]) => `
      IF NOT EXISTS (SELECT 1 FROM ${target} x WHERE x.id = NEW.${column}) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = 'message_receipt.${column} references a ${target} row that does not exist';
      END IF;`,
  ).join('');
  await sql
    .raw(
      `ALTER TABLE message_receipt DROP CONSTRAINT message_receipt_message_id_fkey,
                                   DROP CONSTRAINT message_receipt_import_id_fkey;
       CREATE FUNCTION message_receipt_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN${insertCheck}
         RETURN NULL;
       END $$;
       CREATE TRIGGER message_receipt_references_insert AFTER INSERT ON message_receipt
         REFERENCING NEW TABLE AS checked_rows FOR EACH STATEMENT
         EXECUTE FUNCTION message_receipt_references_check();
       CREATE FUNCTION message_receipt_references_row_check() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN${updateCheck}
         RETURN NULL;
       END $$;
       CREATE TRIGGER message_receipt_references_update AFTER UPDATE OF message_id, import_id ON message_receipt
         FOR EACH ROW WHEN (OLD.message_id IS DISTINCT FROM NEW.message_id OR OLD.import_id IS DISTINCT FROM NEW.import_id)
         EXECUTE FUNCTION message_receipt_references_row_check();

       CREATE FUNCTION message_referenced_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM message_receipt r JOIN gone_rows g ON g.id = r.message_id) THEN
           RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
             MESSAGE = 'message rows are still referenced by message_receipt.message_id; delete those first';
         END IF;
         RETURN NULL;
       END $$;
       CREATE FUNCTION message_referenced_truncate_check() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM message_receipt) THEN
           RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
             MESSAGE = 'message cannot be truncated while message_receipt has rows; truncate them together';
         END IF;
         RETURN NULL;
       END $$;
       CREATE TRIGGER message_referenced_delete AFTER DELETE ON message
         REFERENCING OLD TABLE AS gone_rows FOR EACH STATEMENT EXECUTE FUNCTION message_referenced_delete_check();
       CREATE TRIGGER message_referenced_truncate AFTER TRUNCATE ON message
         FOR EACH STATEMENT EXECUTE FUNCTION message_referenced_truncate_check();

       ALTER TABLE message SET (fillfactor = 50);`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `ALTER TABLE message RESET (fillfactor);
       DROP TRIGGER message_referenced_truncate ON message;
       DROP TRIGGER message_referenced_delete ON message;
       DROP FUNCTION message_referenced_truncate_check();
       DROP FUNCTION message_referenced_delete_check();
       DROP TRIGGER message_receipt_references_update ON message_receipt;
       DROP TRIGGER message_receipt_references_insert ON message_receipt;
       DROP FUNCTION message_receipt_references_row_check();
       DROP FUNCTION message_receipt_references_check();
       ALTER TABLE message_receipt
         ADD CONSTRAINT message_receipt_message_id_fkey FOREIGN KEY (message_id) REFERENCES message(id),
         ADD CONSTRAINT message_receipt_import_id_fkey FOREIGN KEY (import_id) REFERENCES import_file(id);`,
    )
    .execute(db);
}
