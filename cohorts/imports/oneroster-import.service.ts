import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Transaction } from 'kysely';
import type { Session } from '../../db/connection.ts';
import type { Database } from '../../db/types.ts';
import type { DistrictReference } from './district-reference.ts';
import { MERGES } from './import-merges.store.ts';
import { ProblemSink, refuse } from './import-problems.ts';
import type { Counts, ImportRequest } from './import-request.ts';
import { contactRows } from './import-rows/contact-rows.ts';
import { schoolRows } from './import-rows/school-rows.ts';
import { studentRows } from './import-rows/student-rows.ts';
import { stageRows } from './import-stream.service.ts';
import { warnSharedStateIds } from './roster-warnings.service.ts';
import {
  createStage,
  insertHouseholds,
  insertImport,
  linkCaregivers,
  loadDistrictReference,
  mergeStaged,
  spreadOptOutsToStored,
} from './import.store.ts';
import {
  oneRosterContactRows,
  oneRosterEnrollmentRows,
  oneRosterSchoolRows,
  oneRosterStudentRows,
} from './oneroster-staging.ts';
import { enrollmentRows } from './import-rows/enrollment-rows.ts';
import { parseOneRosterZip } from './oneroster/parse-oneroster-zip.ts';

type Trx = Transaction<Database>;

/**
 * Imports a OneRoster bulk zip: schools, then students and their households, then caregivers and
 * their links, then enrollment windows from the student enrollments, each through the same staged
 * merge as the plain CSVs, in the caller's transaction.
 */
export async function importOneRoster(
  session: Session,
  trx: Trx,
  req: ImportRequest,
  district: { id: number; leaid: string },
  sha256: string,
  sink: ProblemSink,
): Promise<{ rowsRead: number; counts: Counts; importId: number }> {
  const file = basename(req.path);
  const parsed = parseOneRosterZip(new Uint8Array(await readFile(req.path)), file);
  for (const w of parsed.warnings) sink.warn(`${w.file}: ${w.reason}`, w.line);
  if (!parsed.ok) {
    for (const p of parsed.problems) sink.problem(p.line, p.column, p.reason, p.file);
    refuse(sink, file);
  }
  if (parsed.district?.leaid && parsed.district.leaid !== district.leaid) {
    sink.problem(
      0,
      'identifier',
      `the zip is for district ${parsed.district.leaid}, not ${district.leaid}`,
      `${file}:orgs.csv`,
    );
    refuse(sink, file);
  }
  sink.warn(
    'OneRoster has no preferred language or SMS consent: caregivers stored as English, no consent, until a contacts.csv says otherwise',
  );
  const importId = await insertImport(trx, {
    districtId: district.id,
    kind: 'roster',
    sha256,
    fileName: file,
    rowsRead: 0,
    warnings: [],
  });
  const schoolReader = schoolRows({ leaid: district.leaid } as DistrictReference);
  await createStage(trx, 'stage_schools', schoolReader.stageColumns);
  await stageRows(session, 'stage_schools', schoolReader.stageColumns, oneRosterSchoolRows(parsed));
  const c1 = await mergeStaged(trx, MERGES.school('stage_schools', district.id), importId);

  let ref = await loadDistrictReference(trx, district.id, district.leaid, {});
  const byKey = new Map(parsed.schools.map((s) => [s.sourcedId, ref.schools.get(s.sourcedId)!]));
  const studentCols = studentRows(ref).stageColumns;
  await createStage(trx, 'stage_roster', studentCols);
  await stageRows(session, 'stage_roster', studentCols, oneRosterStudentRows(parsed, byKey));
  await insertHouseholds(trx, district.id, 'stage_roster');
  const c2 = await mergeStaged(trx, MERGES.student('stage_roster', district.id), importId);
  await warnSharedStateIds(trx, district.id, sink);

  ref = await loadDistrictReference(trx, district.id, district.leaid, { students: true });
  const studentIds = new Map([...ref.students].map(([k, v]) => [k, v.id]));
  const contactCols = contactRows(ref).stageColumns;
  await createStage(trx, 'stage_contacts', contactCols);
  await stageRows(session, 'stage_contacts', contactCols, oneRosterContactRows(parsed, studentIds));
  const c3 = await mergeStaged(trx, MERGES.oneRosterCaregiver('stage_contacts', district.id), importId);
  const optedOut = await spreadOptOutsToStored(trx, district.id, importId);
  if (optedOut > 0)
    sink.warn(
      `opt-out applied to ${optedOut} caregiver(s) whose phone number a caregiver of the district opted out`,
    );
  await linkCaregivers(trx, district.id, 'stage_contacts');

  const windows = oneRosterEnrollmentRows(parsed, studentIds, ref.schools);
  if (windows.undated > 0)
    sink.warn(`${windows.undated} enrollment(s) without beginDate: no enrollment window stored for them`);
  const enrollmentCols = enrollmentRows(ref).stageColumns;
  await createStage(trx, 'stage_enrollment', enrollmentCols);
  await stageRows(session, 'stage_enrollment', enrollmentCols, windows.rows);
  const c4 = await mergeStaged(trx, MERGES.enrollment('stage_enrollment'), importId);

  const rowsRead =
    parsed.schools.length + parsed.students.length + parsed.guardians.length + windows.rows.length;
  return {
    rowsRead,
    counts: {
      inserted: c1.inserted + c2.inserted + c3.inserted + c4.inserted,
      replaced: c1.replaced + c2.replaced + c3.replaced + c4.replaced,
    },
    importId,
  };
}
