import { sql, type Kysely } from 'kysely';

/**
 * Outreach at national scale (issue 11): an index of the absence days only (absent_fraction > 0, about
 * one daily row in thirteen), by date, carrying what absence counts read (student, district, fraction,
 * suspension). A month's summaries and a run of alerts read the school year's absences of every
 * district in one grouped query; with this index that is an index-only scan of the absence days instead
 * of a scan of every daily row. On the partitioned table it cascades to every partition, and a
 * district's partition built by a bulk import gets it when it is attached.
 * Frozen: never import app code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE INDEX attendance_day_absence_idx ON attendance_day (date, student_id)
      INCLUDE (district_id, absent_fraction, suspension) WHERE absent_fraction > 0;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX attendance_day_absence_idx`.execute(db);
}
