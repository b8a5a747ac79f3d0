import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

export interface DistrictOverview {
  leaid: string;
  name: string;
  state: string;
  students: number;
  households: number;
  imports: number;
  lastImportAt: Date | null;
}

/** Enrollment and imports by district of one study (staff and analyst dashboard). */
export async function districtOverview(db: Kysely<Database>, studyId: number): Promise<DistrictOverview[]> {
  const r = await sql<{
    leaid: string;
    name: string;
    state: string;
    students: number;
    households: number;
    imports: number;
    last_import_at: Date | null;
  }>`
    SELECT d.nces_leaid AS leaid, d.name, d.state,
           (SELECT count(*) FROM student s WHERE s.district_id = d.id)::int AS students,
           (SELECT count(*) FROM household h WHERE h.district_id = d.id)::int AS households,
           (SELECT count(*) FROM import_file i WHERE i.district_id = d.id)::int AS imports,
           (SELECT max(i.imported_at) FROM import_file i WHERE i.district_id = d.id) AS last_import_at
      FROM district d WHERE d.study_id = ${studyId}
     ORDER BY d.nces_leaid`.execute(db);
  return r.rows.map((x) => ({
    leaid: x.leaid,
    name: x.name,
    state: x.state,
    students: x.students,
    households: x.households,
    imports: x.imports,
    lastImportAt: x.last_import_at ? new Date(x.last_import_at) : null,
  }));
}
