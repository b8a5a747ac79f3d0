import { sql, type Kysely } from 'kysely';

/**
 * Outreach at national scale (issue 11): generation writes a month's messages, or a school year's
 * alerts, messages and staff tasks (over a million rows), in bulk COPY. A declarative foreign key
 * checks each written row with its own lookup (one per reference: five for a message), which was most
 * of the COPY's time. As migration 003 did for attendance, the references of message, alert and
 * staff_task are enforced instead by statement-level triggers that check all rows of an INSERT or
 * COPY in one anti-join per reference (an UPDATE that changes a reference is checked row by row; one
 * that does not, such as a status update, checks nothing), and the rows they reference cannot be
 * deleted (or truncated) while referenced. The guarantee is the same: no message, alert or task names a batch, student, caregiver,
 * template, program or alert that does not exist. Deleting outreach rows must follow the referencing
 * order (receipts, messages, staff tasks, alerts, batches), as with foreign keys.
 * Frozen: never import app code here.
 */

/** Each referencing column: table, column, referenced table (whose key is id). */
const REFERENCES: [string, string, string][] = [
  ['message', 'batch_id', 'message_batch'],
  ['message', 'student_id', 'student'],
  ['message', 'caregiver_id', 'caregiver'],
  ['message', 'template_id', 'message_template'],
  ['message', 'alert_id', 'alert'],
  ['alert', 'batch_id', 'message_batch'],
  ['alert', 'program_id', 'program'],
  ['alert', 'student_id', 'student'],
  ['staff_task', 'alert_id', 'alert'],
  ['staff_task', 'student_id', 'student'],
];

const REFERENCING = ['message', 'alert', 'staff_task'];
/** Referenced tables that can be deleted from (students never are: migration 003). */
const REFERENCED = ['message_batch', 'caregiver', 'message_template', 'program', 'alert'];

/** The body of one table's check: one anti-join per reference over the statement's rows. */
function insertCheck(table: string): string {
  return REFERENCES.filter(([t]) => t === table)
    .map(
      ([, column, target]) => `
      IF EXISTS (SELECT 1 FROM checked_rows r WHERE r.${column} IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM ${target} x WHERE x.id = r.${column})) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = '${table}.${column} references a ${target} row that does not exist';
      END IF;`,
    )
    .join('');
}

/**
 * The body of one table's row check on UPDATE: the references of the new row. It runs only for
 * updates that change a reference (a status update, as exports and receipts make of every message,
 * checks nothing, as with a foreign key).
 */
function updateCheck(table: string): string {
  return REFERENCES.filter(([t]) => t === table)
    .map(
      ([, column, target]) => `
      IF NEW.${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${target} x WHERE x.id = NEW.${column}) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = '${table}.${column} references a ${target} row that does not exist';
      END IF;`,
    )
    .join('');
}

function columnsOf(table: string): string[] {
  return REFERENCES.filter(([t]) => t === table).map(([, c]) => c);
}

/** The body of one referenced table's delete check: no remaining row may name a deleted one. */
function deleteCheck(target: string): string {
  return REFERENCES.filter(([, , t]) => t === target)
    .map(
      ([table, column]) => `
      IF EXISTS (SELECT 1 FROM ${table} r JOIN gone_rows g ON g.id = r.${column}) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = '${target} rows are still referenced by ${table}.${column}; delete those first';
      END IF;`,
    )
    .join('');
}

/** After a TRUNCATE (of any set of tables), no referencing table may still hold rows. */
function truncateCheck(target: string): string {
  return [...new Set(REFERENCES.filter(([, , t]) => t === target).map(([table]) => table))]
    .map(
      (table) => `
      IF EXISTS (SELECT 1 FROM ${table}) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = '${target} cannot be truncated while ${table} has rows; truncate them together';
      END IF;`,
    )
    .join('');
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of REFERENCES)
    await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_fkey`).execute(db);
  for (const table of REFERENCING)
    await sql
      .raw(
        `CREATE FUNCTION ${table}_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN${insertCheck(table)}
           RETURN NULL;
         END $$;
         CREATE TRIGGER ${table}_references_insert AFTER INSERT ON ${table}
           REFERENCING NEW TABLE AS checked_rows FOR EACH STATEMENT EXECUTE FUNCTION ${table}_references_check();
         CREATE FUNCTION ${table}_references_row_check() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN${updateCheck(table)}
           RETURN NULL;
         END $$;
         CREATE TRIGGER ${table}_references_update AFTER UPDATE OF ${columnsOf(table).join(', ')} ON ${table}
           FOR EACH ROW WHEN (${columnsOf(table)
             .map((c) => `OLD.${c} IS DISTINCT FROM NEW.${c}`)
             .join(' OR ')})
           EXECUTE FUNCTION ${table}_references_row_check();`,
      )
      .execute(db);
  for (const target of REFERENCED)
    await sql
      .raw(
        `CREATE FUNCTION ${target}_referenced_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN${deleteCheck(target)}
           RETURN NULL;
         END $$;
         CREATE FUNCTION ${target}_referenced_truncate_check() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN${truncateCheck(target)}
           RETURN NULL;
         END $$;
         CREATE TRIGGER ${target}_referenced_delete AFTER DELETE ON ${target}
           REFERENCING OLD TABLE AS gone_rows FOR EACH STATEMENT EXECUTE FUNCTION ${target}_referenced_delete_check();
         CREATE TRIGGER ${target}_referenced_truncate AFTER TRUNCATE ON ${target}
           FOR EACH STATEMENT EXECUTE FUNCTION ${target}_referenced_truncate_check();`,
      )
      .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const target of REFERENCED)
    await sql
      .raw(
        `DROP TRIGGER ${target}_referenced_truncate ON ${target};
         DROP TRIGGER ${target}_referenced_delete ON ${target};
         DROP FUNCTION ${target}_referenced_truncate_check();
         DROP FUNCTION ${target}_referenced_delete_check();`,
      )
      .execute(db);
  for (const table of REFERENCING)
    await sql
      .raw(
        `DROP TRIGGER ${table}_references_update ON ${table};
         DROP TRIGGER ${table}_references_insert ON ${table};
         DROP FUNCTION ${table}_references_row_check();
         DROP FUNCTION ${table}_references_check();`,
      )
      .execute(db);
  // The foreign keys again (validated: the triggers kept every reference intact).
  for (const [table, column, target] of REFERENCES)
    await sql
      .raw(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_fkey FOREIGN KEY (${column}) REFERENCES ${target}(id)`,
      )
      .execute(db);
}
